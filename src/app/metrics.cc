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
  const session::IngestGuardCounters guard = registry_.ingest_guard().Counters();
  auto series = [&out](const char* name, const char* type, const char* help, int64_t value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
  };
  series("steadycast_ingest_refused_keys_total", "counter",
         "Publish attempts refused for an unknown stream key (RTMP and SRT).", guard.refusals);
  series("steadycast_ingest_lockouts_total", "counter",
         "Source addresses locked out after too many refused stream keys.", guard.lockouts);
  series("steadycast_ingest_blocked_attempts_total", "counter",
         "Publish attempts refused because their source address was locked out.", guard.blocked);
  series("steadycast_ingest_locked_out_sources", "gauge", "Source addresses locked out right now.",
         guard.locked_sources);
  if (webhooks_ != nullptr) {
    const events::WebhookDispatcherStats w = webhooks_->Stats();
    series("steadycast_webhook_attempts_total", "counter", "Webhook delivery attempts.",
           static_cast<int64_t>(w.attempts));
    series("steadycast_webhook_deliveries_succeeded_total", "counter",
           "Webhook deliveries answered 2xx in time.", static_cast<int64_t>(w.succeeded));
    series("steadycast_webhook_attempts_failed_total", "counter",
           "Webhook attempts that failed (non-2xx, timeout, connection error).",
           static_cast<int64_t>(w.failed_attempts));
    series("steadycast_webhook_deliveries_failed_total", "counter",
           "Webhook deliveries given up after the retry period.", static_cast<int64_t>(w.gave_up));
    out +=
        "# HELP steadycast_webhook_breaker_open Endpoint circuit breaker: 1 open or "
        "half-open (no deliveries but a probe), 0 closed.\n";
    out += "# TYPE steadycast_webhook_breaker_open gauge\n";
    for (const auto& [endpoint, state] : webhooks_->BreakerStates()) {
      out += fmt::format("steadycast_webhook_breaker_open{{endpoint_id=\"{}\"}} {}\n", endpoint,
                         state == "closed" ? 0 : 1);
    }
  }
  if (srt_counters_) {
    const ingest::srt::SrtIngestCounters srt = srt_counters_();
    out += "# HELP steadycast_srt_handshakes_total SRT caller handshakes by outcome.\n";
    out += "# TYPE steadycast_srt_handshakes_total counter\n";
    const std::pair<const char*, int64_t> outcomes[] = {
        {"accepted", srt.accepted},     {"bad_stream_id", srt.bad_stream_id},
        {"not_found", srt.not_found},   {"disabled", srt.disabled},
        {"locked_out", srt.locked_out}, {"unauthorized", srt.unauthorized}};
    for (const auto& [outcome, value] : outcomes) {
      out += fmt::format("steadycast_srt_handshakes_total{{outcome=\"{}\"}} {}\n", outcome, value);
    }
    series("steadycast_srt_demux_errors_total", "counter",
           "SRT connections closed because their payload was not MPEG-TS.", srt.demux_errors);
  }
  out += LinkHealthMetrics(registry_.AllHealth());
  for (const auto& section : sections_) out += section();
  return out;
}

}  // namespace steadycast::app
