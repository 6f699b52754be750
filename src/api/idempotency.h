#pragma once
// Idempotency-Key for POST requests (docs/contract.md "REST API": same key + same body within the
// TTL → the first response replayed), in the style of draft-ietf-httpapi-idempotency-key-header:
//
// - The key is scoped to the access token: records are keyed by (token_id, key), so two
//   clients never see each other's responses.
// - A request's identity is the hex SHA-256 of method, path and body (NUL-separated).
// - First request: the handler runs and its response (status, Content-Type, Location, body)
//   is stored when it is 2xx or a 4xx other than 429; 5xx and 429 are not stored, so the
//   client can simply retry them.
// - Same key, same request, within the TTL → the stored response, with
//   `Idempotent-Replayed: true` (the handler does not run again).
// - Same key, other request → 422; same key while the first request is still being handled
//   (a concurrent retry) → 409 (an in-memory in-flight set, per process).
// - A malformed key (empty, longer than 255 bytes, not printable ASCII) → 400.
// Other methods pass through untouched. Records older than the TTL are purged every
// `purge_every` saves.
//
// Ownership: `records` and `clock` are borrowed and must outlive the middleware; the in-flight
// set is shared by every copy of the returned Middleware (one per route). Thread-safe; a
// handler may respond later from another thread (the key stays in flight until it does, or
// until the responder is destroyed without being called, e.g. by a handler exception).

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "api/middleware.h"
#include "base/clock.h"
#include "store/store.h"

namespace steadycast::api {

inline constexpr size_t kMaxIdempotencyKeyBytes = 255;

struct IdempotencyOptions {
  std::chrono::milliseconds ttl = std::chrono::hours(24);
  size_t purge_every = 256;  // saves between two Purge(now - ttl) calls
};

Middleware Idempotency(store::IdempotencyRepository& records, const base::Clock& clock,
                       IdempotencyOptions options = {});

// Whether `key` is an acceptable Idempotency-Key value: 1–255 bytes of printable ASCII.
bool IsValidIdempotencyKey(std::string_view key);

// Hex SHA-256 identifying a request: method, path and body.
std::string IdempotencyRequestHash(std::string_view method, std::string_view path,
                                   std::string_view body);

}  // namespace steadycast::api
