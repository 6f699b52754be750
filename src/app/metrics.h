#pragma once
// /metrics in the Prometheus text exposition format (version 0.0.4). Process-level series for
// now; per-stream ingest and link-health series join them with the health module.

#include "base/clock.h"
#include "net/http_router.h"
#include "session/stream_registry.h"

namespace steadycast::app {

class Metrics {
 public:
  Metrics(session::StreamRegistry& registry, base::Clock& clock);
  // Adds GET /metrics. `this` must outlive the router.
  void Register(net::HttpRouter& router);
  std::string Render() const;

 private:
  session::StreamRegistry& registry_;
  base::Clock& clock_;
  base::Clock::MonotonicTime started_;
};

}  // namespace steadycast::app
