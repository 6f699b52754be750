#include "api/api.h"

#include <chrono>
#include <memory>
#include <vector>

#include "api/events.h"
#include "api/events_stream.h"
#include "api/health.h"
#include "api/idempotency.h"
#include "api/live_streams.h"
#include "api/middleware.h"
#include "api/openapi.h"
#include "api/playback_beacons.h"
#include "api/rate_limiter.h"
#include "api/webhook_endpoints.h"

namespace steadycast::api {

void RegisterApiRoutes(net::HttpRouter& router, ApiContext& ctx) {
  RegisterHealthRoutes(router, ctx);
  RegisterOpenApiRoute(router);  // public, like the probes
  // Anonymous player beacons: their own checks and per-address limits (playback_beacons.h).
  RegisterPlaybackBeaconRoutes(router, ctx);
  // Every /v1 route (api/README.md "Request pipeline"): credentials and rate limits first
  // (nothing is parsed for an anonymous caller, and an address that keeps failing is refused
  // before any secret is hashed), then the token's scope, the body limits, and idempotency
  // for POSTs (after CheckBody, so an oversized or non-JSON body is never stored). One
  // limiter and one idempotency in-flight set serve every route.
  const RateLimitOptions& limits = ctx.options.rate_limits;
  auto limiter =
      limits.enabled ? std::make_shared<RateLimiter>(ctx.clock, limits.max_tracked_keys) : nullptr;
  const std::vector<Middleware> v1 = {
      AuthenticateAndRateLimit(ctx.store.tokens(), ctx.options.realm, std::move(limiter), limits),
      RequireScope(),
      CheckBody(ctx.options.max_body_bytes),
      Idempotency(ctx.store.idempotency(), ctx.clock,
                  {.ttl = std::chrono::duration_cast<std::chrono::milliseconds>(
                       ctx.options.idempotency_ttl)}),
  };
  RegisterLiveStreamRoutes(router, ctx, v1);
  RegisterWebhookEndpointRoutes(router, ctx, v1);
  RegisterEventRoutes(router, ctx, v1);
  RegisterEventStreamRoute(router, ctx, v1);
}

}  // namespace steadycast::api
