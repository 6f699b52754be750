#pragma once
// /metrics in the Prometheus text exposition format (version 0.0.4): process-level series here;
// the per-stream SRT, ingest, guidance and rendition series come from health_json.h (the same
// figures as the health route).

#include <functional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "events/webhook_dispatcher.h"
#include "ingest/srt/srt_ingest.h"
#include "net/http_router.h"
#include "session/stream_registry.h"

namespace steadycast::app {

class Metrics {
 public:
  Metrics(session::StreamRegistry& registry, base::Clock& clock);
  // Adds GET /metrics. `this` must outlive the router.
  void Register(net::HttpRouter& router);
  std::string Render() const;
  // SRT handshake outcomes (set once the SRT ingest exists).
  void SetSrtCounters(std::function<ingest::srt::SrtIngestCounters()> counters) {
    srt_counters_ = std::move(counters);
  }
  // Webhook delivery counters and each endpoint's circuit-breaker state.
  void SetWebhookDispatcher(const events::WebhookDispatcher* dispatcher) { webhooks_ = dispatcher; }
  // More series rendered by another part of the server (e.g. viewer analytics), appended.
  void AddSection(std::function<std::string()> render) { sections_.push_back(std::move(render)); }

 private:
  session::StreamRegistry& registry_;
  base::Clock& clock_;
  base::Clock::MonotonicTime started_;
  std::function<ingest::srt::SrtIngestCounters()> srt_counters_;
  const events::WebhookDispatcher* webhooks_ = nullptr;
  std::vector<std::function<std::string()>> sections_;
};

}  // namespace steadycast::app
