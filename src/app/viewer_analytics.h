#pragma once
// ViewerAnalytics: the server's viewer QoE pieces wired together (analytics/README.md): the
// aggregator the beacon route feeds, the beacon outcome counters, and the experience monitor
// whose degraded/recovered transitions become live_stream.viewer_experience_* events through
// the stream registry (one outbox transaction each). Plus the JSON and Prometheus renderings
// of the figures, so the health route and /metrics report the same numbers.
//
// Owned by RunServe. Threading: the aggregator and counters are thread-safe (HTTP threads);
// Tick() runs on the server's 1 Hz timer only, never on a request path.

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "analytics/beacon_counters.h"
#include "analytics/experience_monitor.h"
#include "analytics/viewer_aggregator.h"
#include "base/clock.h"
#include "health/viewer_figures.h"
#include "session/stream_registry.h"

namespace steadycast::app {

struct ViewerAnalyticsOptions {
  analytics::ViewerAggregatorOptions aggregator;
  analytics::ExperienceMonitorOptions monitor;
};

class ViewerAnalytics {
 public:
  // `registry` and `clock` must outlive this object.
  ViewerAnalytics(session::StreamRegistry& registry, const base::Clock& clock,
                  ViewerAnalyticsOptions options);

  analytics::ViewerAggregator& aggregator() { return aggregator_; }
  analytics::BeaconCounters& counters() { return counters_; }

  // Once a second: forgets views past the recent window, judges every stream's experience and
  // persists each transition (a stream deleted meanwhile is skipped).
  void Tick();

  // Prometheus text: steadycast_beacons_total{outcome}, the per-stream steadycast_viewers_*
  // series and the aggregator's own bounds.
  std::string Metrics() const;

 private:
  session::StreamRegistry& registry_;
  const base::Clock& clock_;
  analytics::ViewerAggregator aggregator_;
  analytics::BeaconCounters counters_;
  analytics::ExperienceMonitor monitor_;
};

// The per-stream series of `all`, labelled live_stream_id.
std::string ViewerFiguresMetrics(const std::map<std::string, health::ViewerFigures>& all);

}  // namespace steadycast::app
