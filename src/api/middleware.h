#pragma once
// The request pipeline in front of every /v1 handler: a chain of middlewares, each of which
// either answers (401, 403, 413, 429, ...) or calls `next`. Order for /v1 routes (api.cc):
//
//   AuthenticateAndRateLimit → RequireScope → CheckBody → Idempotency (POST only) → handler
//
// AuthenticateAndRateLimit refuses an address that has used up its failed-auth budget before
// any secret is hashed, charges failed authentications to the client address and successful
// ones to the token's read or write bucket, and wraps `respond` so that every response further
// down carries the RateLimit-* headers. Idempotency (idempotency.h) keys on
// (token_id, Idempotency-Key) and replays a stored response. Middlewares run on the
// dispatching thread, synchronously; a handler may call `respond` later from another thread.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"
#include "api/rate_limiter.h"
#include "net/http_router.h"
#include "net/http_types.h"

namespace steadycast::api {

// The HTTP request plus what the chain has established about it. Valid only during the call.
struct ApiRequest {
  const net::HttpRequest& http;
  std::string token_id;                                // set by Authenticate
  store::TokenScope scope = store::TokenScope::kRead;  // set by Authenticate
};

using ApiHandler = std::function<void(ApiRequest& request, net::HttpResponder respond)>;
using Middleware =
    std::function<void(ApiRequest& request, net::HttpResponder respond, const ApiHandler& next)>;

// Wraps `handler` in `middlewares` (the first one runs first) as a router handler.
net::HttpHandler Chain(std::vector<Middleware> middlewares, ApiHandler handler);

// A resource's route handler: the shared context, the request, the responder.
using ContextHandler = void (*)(ApiContext& ctx, ApiRequest& request, net::HttpResponder respond);

// Registers `handler` for `method` + `pattern` behind `chain`, with `ctx` (which must outlive
// the router) passed to every call.
void AddContextRoute(net::HttpRouter& router, ApiContext& ctx, const std::vector<Middleware>& chain,
                     const char* method, const char* pattern, ContextHandler handler);

// HTTP Basic with an access token (docs/contract.md "Authentication"): 401 problem+json with
// WWW-Authenticate when missing or wrong. `tokens` must outlive the middleware.
Middleware Authenticate(store::TokenRepository& tokens, std::string realm);

// Authenticate plus rate limiting (docs/contract.md "Rate limits"; api/README.md documents the
// order of checks). `limiter` null or `limits.enabled` false: exactly Authenticate (no
// limits, no RateLimit-* headers). Buckets: "addr:<ip>" (limits.per_address) for missing or
// wrong credentials, "tok:<id>:r" (GET/HEAD, limits.reads) and "tok:<id>:w" (limits.writes).
Middleware AuthenticateAndRateLimit(store::TokenRepository& tokens, std::string realm,
                                    std::shared_ptr<RateLimiter> limiter, RateLimitOptions limits);

// Token scopes: a kRead token may only GET/HEAD; anything else → 403 problem+json.
Middleware RequireScope();

// True for GET and HEAD: what a read-scope token may do and what the read bucket counts.
bool IsReadMethod(std::string_view method);

// For requests with a body: 413 above `max_body_bytes`, 415 unless Content-Type is JSON
// ("application/json" or "application/*+json", parameters allowed).
Middleware CheckBody(size_t max_body_bytes);

// True for a JSON media type (case-insensitive, parameters ignored).
bool IsJsonContentType(std::string_view content_type);

// Lower-case hex SHA-256 of `data` (idempotency request hashes, entity tags).
std::string Sha256Hex(std::string_view data);

// RFC 9110 §13.1.1: whether an If-Match field value matches the current strong entity tag
// `etag` (with its quotes). "*" matches any current representation; weak tags (W/"...")
// never match (strong comparison); a malformed list matches nothing.
bool IfMatchSatisfied(std::string_view if_match, std::string_view etag);

}  // namespace steadycast::api
