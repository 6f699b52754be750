#include "api/api.h"

#include <vector>

#include "api/health.h"
#include "api/live_streams.h"
#include "api/middleware.h"

namespace steadycast::api {

void RegisterApiRoutes(net::HttpRouter& router, ApiContext& ctx) {
  RegisterHealthRoutes(router, ctx);
  // Every /v1 route: authentication first (nothing is parsed for an anonymous caller), then
  // the body limits. The rate limiter goes between the two; idempotency after CheckBody.
  const std::vector<Middleware> v1 = {
      Authenticate(ctx.store.tokens(), ctx.options.realm),
      CheckBody(ctx.options.max_body_bytes),
  };
  RegisterLiveStreamRoutes(router, ctx, v1);
}

}  // namespace steadycast::api
