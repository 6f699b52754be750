#include "app/metrics.h"

#include <fmt/format.h>

#include "app/health_json.h"
#include "app/version.h"

namespace steadycast::app {

Metrics::Metrics(session::StreamRegistry& registry, base::Clock& clock)
    : registry_(registry), clock_(clock), started_(clock.Now()) {}

void Metrics::Register(net::HttpRouter& router) {
  router.Add("GET", "/metrics", [this](const net::HttpRequest&, net::HttpResponder respond) {
    net::HttpResponse response;
    response.Text(Render(), "text/plain; version=0.0.4; charset=utf-8");
    response.Header("Cache-Control", "no-store");
    respond(std::move(response));
  });
}

std::string Metrics::Render() const {
  const double uptime = std::chrono::duration<double>(clock_.Now() - started_).count();
  std::string out;
  out += "# HELP steadycast_build_info Build information.\n";
  out += "# TYPE steadycast_build_info gauge\n";
  out += fmt::format("steadycast_build_info{{version=\"{}\"}} 1\n", kVersion);
  out += "# HELP steadycast_uptime_seconds Seconds since the server started.\n";
  out += "# TYPE steadycast_uptime_seconds gauge\n";
  out += fmt::format("steadycast_uptime_seconds {:.3f}\n", uptime);
  out += "# HELP steadycast_publishers Publishers currently attached to a stream.\n";
  out += "# TYPE steadycast_publishers gauge\n";
  out += fmt::format("steadycast_publishers {}\n", registry_.active_publishers());
  out += LinkHealthMetrics(registry_.AllHealth());
  return out;
}

}  // namespace steadycast::app
