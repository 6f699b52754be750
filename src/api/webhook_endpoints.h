#pragma once
// /v1/webhook-endpoints (create, list, get, delete, rotate-secret, delivery log) and
// POST /v1/events/{event_id}/redeliver (docs/contract.md "Webhook endpoints"). The
// signing secret appears only in the create and rotate-secret responses. Handlers run behind
// the /v1 middleware chain (middleware.h: auth, scope, rate limits, Idempotency-Key) and are
// synchronous; deliveries themselves are made by the dispatcher in events/, not here.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/api.h"
#include "api/middleware.h"
#include "api/problem.h"
#include "net/http_router.h"
#include "store/webhook.h"

namespace steadycast::api {

inline constexpr size_t kMaxWebhookEventFilters = 64;
// After a rotation the previous secret keeps signing for this long.
inline constexpr int64_t kPreviousSecretValidityMs = int64_t{24} * 3600 * 1000;

// The body of POST /v1/webhook-endpoints: {"url": "...", "events": ["*"] | [types]}.
// `events` defaults to ["*"]. Every field error is collected (field names "url", "events",
// "events[2]").
struct WebhookEndpointInput {
  std::string url;
  std::vector<std::string> events;
};
struct WebhookEndpointParseResult {
  bool json_error = false;
  std::vector<FieldError> errors;
  WebhookEndpointInput input;
  bool ok() const { return !json_error && errors.empty(); }
};
WebhookEndpointParseResult ParseWebhookEndpointInput(std::string_view body,
                                                     bool allow_private_urls);

// The API shapes (no secret; callers add it where it is shown once).
nlohmann::json WebhookEndpointToJson(const store::WebhookEndpoint& endpoint);
nlohmann::json WebhookDeliveryToJson(const store::WebhookDelivery& delivery);

// Registers the routes, each wrapped in `chain`. `ctx` must outlive `router`.
void RegisterWebhookEndpointRoutes(net::HttpRouter& router, ApiContext& ctx,
                                   const std::vector<Middleware>& chain);

}  // namespace steadycast::api
