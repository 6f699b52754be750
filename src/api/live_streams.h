#pragma once
// /v1/live-streams: create, list, get, update (PATCH), delete, reset-stream-key, disable,
// enable (docs/contract.md "Live streams"). One file per resource; webhook endpoints get their own.
// Handlers run behind the /v1 middleware chain (middleware.h) and are synchronous.

#include <vector>

#include "api/api.h"
#include "api/middleware.h"
#include "net/http_router.h"

namespace steadycast::api {

// Registers the live stream routes, each wrapped in `chain`. `ctx` must outlive `router`.
void RegisterLiveStreamRoutes(net::HttpRouter& router, ApiContext& ctx,
                              const std::vector<Middleware>& chain);

}  // namespace steadycast::api
