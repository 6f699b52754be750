#include "api/health.h"

#include <nlohmann/json.hpp>

#include "api/problem.h"
#include "base/log.h"

namespace steadycast::api {

void RegisterHealthRoutes(net::HttpRouter& router, ApiContext& ctx) {
  router.Add("GET", "/healthz", [](const net::HttpRequest&, net::HttpResponder respond) {
    respond(JsonResponse(200, {{"status", "ok"}}));
  });
  router.Add("GET", "/readyz", [&ctx](const net::HttpRequest&, net::HttpResponder respond) {
    const base::Status store = ctx.store.Ping();
    if (!store.ok()) SC_LOG_WARN("readyz: store ping failed: {}", store.ToString());
    const bool listeners = !ctx.listeners_ready || ctx.listeners_ready();
    const bool ready = store.ok() && listeners;
    respond(JsonResponse(ready ? 200 : 503, {{"status", ready ? "ready" : "unavailable"},
                                             {"checks",
                                              {{"store", store.ok() ? "ok" : "failing"},
                                               {"listeners", listeners ? "ok" : "not ready"}}}}));
  });
}

}  // namespace steadycast::api
