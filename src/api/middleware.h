#pragma once
// The request pipeline in front of every /v1 handler: a chain of middlewares, each of which
// either answers (401, 413, 429, ...) or calls `next`. Order for /v1 routes (api.cc):
//
//   Authenticate → [RateLimit] → CheckBody → [Idempotency, POST only] → resource handler
//
// Bracketed stages are the next issue's; they slot in as more Middleware values without
// touching the handlers: rate limiting keys on ApiRequest::token_id and wraps `respond` to add
// RateLimit-* headers to every response; idempotency keys on (token_id, Idempotency-Key) and
// replays a stored response. Middlewares run on the dispatching thread, synchronously.

#include <functional>
#include <string>
#include <vector>

#include "api/api.h"
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

// HTTP Basic with an access token (CONTRACT.md "Authentication"): 401 problem+json with
// WWW-Authenticate when missing or wrong. `tokens` must outlive the middleware.
Middleware Authenticate(store::TokenRepository& tokens, std::string realm);

// For requests with a body: 413 above `max_body_bytes`, 415 unless Content-Type is JSON
// ("application/json" or "application/*+json", parameters allowed).
Middleware CheckBody(size_t max_body_bytes);

// True for a JSON media type (case-insensitive, parameters ignored).
bool IsJsonContentType(std::string_view content_type);

}  // namespace steadycast::api
