#pragma once
// Operational probes (docs/contract.md "Operations"), without authentication:
//   GET /healthz → 200 {"status":"ok"} while the process can answer HTTP at all.
//   GET /readyz  → 200 {"status":"ready",...} when the store answers a ping and every listener
//                  is up (ApiContext::listeners_ready), else 503 {"status":"unavailable",...};
//                  "checks" names which part failed.

#include "api/api.h"
#include "net/http_router.h"

namespace steadycast::api {

void RegisterHealthRoutes(net::HttpRouter& router, ApiContext& ctx);

}  // namespace steadycast::api
