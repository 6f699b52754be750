#pragma once
// /v1/events: the outbox read API (docs/contract.md "REST API").
//
//   GET /v1/events            list, NEWEST FIRST (as Stripe's /v1/events: a dashboard or a
//                             script asks "what happened lately"), keyset pagination by the
//                             outbox position with an opaque cursor; ?limit= 1..100 (default
//                             ApiOptions::default_page_limit); ?type=a,b (any of), ?object_id=
//                             (alias ?live_stream_id=).
//   GET /v1/events/{id}       one envelope (events/event.h EventEnvelope) or 404.
//   GET /v1/events/stream     Server-Sent Events (events_stream.h).
//
// Every item is the envelope exactly as delivered to webhooks, so a client can process a listed,
// streamed or delivered event with the same code. Handlers are synchronous (store reads only).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"
#include "api/middleware.h"
#include "api/problem.h"
#include "net/http_router.h"

namespace steadycast::api {

// Limits on the filters (each type is one SQL parameter).
inline constexpr size_t kMaxEventTypeFilters = 20;
inline constexpr size_t kMaxEventTypeLength = 64;

// The list cursor: opaque to clients (unpadded base64url of "p<position>"); the page continues
// below that outbox position. Pure; strict decoding (nullopt for anything EncodeEventCursor
// does not produce).
std::string EncodeEventCursor(int64_t position);
std::optional<int64_t> DecodeEventCursor(std::string_view cursor);

// "a,b" → {"a","b"}: each a lower-case dotted name ([a-z0-9_.]), 1..kMaxEventTypeLength, at most
// kMaxEventTypeFilters. nullopt when malformed.
std::optional<std::vector<std::string>> ParseEventTypes(std::string_view text);

// ?object_id= or its alias ?live_stream_id= (both given must agree); "" when absent. nullopt
// when malformed (the field error is set).
std::optional<std::string> ObjectIdFilter(const net::HttpRequest& request, FieldError& error);

// Registers GET /v1/events and GET /v1/events/{id}, each wrapped in `chain`. `ctx` must
// outlive `router`.
void RegisterEventRoutes(net::HttpRouter& router, ApiContext& ctx,
                         const std::vector<Middleware>& chain);

}  // namespace steadycast::api
