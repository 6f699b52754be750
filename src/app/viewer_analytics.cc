#include "app/viewer_analytics.h"

#include <fmt/format.h>

#include "app/health_json.h"
#include "base/log.h"
#include "events/event_types.h"

namespace steadycast::app {

using nlohmann::json;

ViewerAnalytics::ViewerAnalytics(session::StreamRegistry& registry, const base::Clock& clock,
                                 ViewerAnalyticsOptions options)
    : registry_(registry),
      clock_(clock),
      aggregator_(clock, options.aggregator),
      monitor_(options.monitor) {}

void ViewerAnalytics::Tick() {
  aggregator_.Expire();
  for (const analytics::ExperienceChange& change :
       monitor_.Evaluate(clock_.Now(), aggregator_.AllFigures())) {
    const std::string_view type = change.degraded ? events::kStreamViewerExperienceDegraded
                                                  : events::kStreamViewerExperienceRecovered;
    const base::Status status = registry_.RecordStreamEvent(
        change.stream_id, type, json{{"viewers", ViewersJson(change.figures)}});
    if (!status.ok() && status.code() != base::ErrorCode::kNotFound) {
      SC_LOG_WARN("stream {}: cannot persist {}: {}", change.stream_id, type, status.ToString());
      continue;
    }
    if (status.ok()) {
      SC_LOG_INFO("stream {}: {} (rebuffer ratio {:.4f}, {} current views)", change.stream_id, type,
                  change.figures.rebuffer_ratio, change.figures.current);
    }
  }
}

std::string ViewerFiguresMetrics(const std::map<std::string, health::ViewerFigures>& all) {
  struct Series {
    const char* name;
    const char* help;
    double (*value)(const health::ViewerFigures&);
  };
  static const Series kSeries[] = {
      {"steadycast_viewers_current", "Views with a beacon in the last 30 s and no view_end.",
       [](const health::ViewerFigures& f) { return static_cast<double>(f.current); }},
      {"steadycast_viewers_rebuffer_ratio",
       "Rebuffering time / (playing + rebuffering time) of the recent views.",
       [](const health::ViewerFigures& f) { return f.rebuffer_ratio; }},
      {"steadycast_viewers_playback_failure_ratio",
       "Recent views ended by a fatal error without a later first frame / recent views.",
       [](const health::ViewerFigures& f) { return f.playback_failure_ratio; }},
      {"steadycast_viewers_average_kbps", "Playing-time-weighted bitrate of the recent views.",
       [](const health::ViewerFigures& f) { return f.average_kbps; }},
  };
  std::string out;
  for (const Series& s : kSeries) {
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", s.name, s.help, s.name);
    for (const auto& [id, figures] : all) {
      out += fmt::format("{}{{live_stream_id=\"{}\"}} {}\n", s.name, id, s.value(figures));
    }
  }
  out +=
      "# HELP steadycast_viewers_startup_ms Startup time (play requested to first frame) of the "
      "recent views, nearest-rank quantiles.\n# TYPE steadycast_viewers_startup_ms gauge\n";
  for (const auto& [id, figures] : all) {
    if (!figures.startup_ms_p50) continue;
    out +=
        fmt::format("steadycast_viewers_startup_ms{{live_stream_id=\"{}\",quantile=\"0.5\"}} {}\n",
                    id, *figures.startup_ms_p50);
    out +=
        fmt::format("steadycast_viewers_startup_ms{{live_stream_id=\"{}\",quantile=\"0.95\"}} {}\n",
                    id, *figures.startup_ms_p95);
  }
  return out;
}

std::string ViewerAnalytics::Metrics() const {
  std::string out =
      "# HELP steadycast_beacons_total Player QoE beacons by outcome.\n"
      "# TYPE steadycast_beacons_total counter\n";
  for (size_t i = 0; i < analytics::kBeaconOutcomeCount; ++i) {
    const auto outcome = static_cast<analytics::BeaconOutcome>(i);
    out += fmt::format("steadycast_beacons_total{{outcome=\"{}\"}} {}\n",
                       analytics::BeaconOutcomeName(outcome), counters_.Get(outcome));
  }
  out +=
      "# HELP steadycast_beacon_ignored_total What accepted beacons carried that this server "
      "does not know (kept working, ignored).\n# TYPE steadycast_beacon_ignored_total counter\n";
  out += fmt::format("steadycast_beacon_ignored_total{{what=\"unknown_key\"}} {}\n",
                     counters_.ignored_keys());
  out += fmt::format("steadycast_beacon_ignored_total{{what=\"unknown_event_type\"}} {}\n",
                     counters_.ignored_events());
  const analytics::AggregatorStats stats = aggregator_.Stats();
  out += fmt::format(
      "# HELP steadycast_viewer_views_tracked Views kept for the viewer figures.\n"
      "# TYPE steadycast_viewer_views_tracked gauge\nsteadycast_viewer_views_tracked {}\n"
      "# HELP steadycast_viewer_views_evicted_total Views forgotten early at a memory bound.\n"
      "# TYPE steadycast_viewer_views_evicted_total counter\n"
      "steadycast_viewer_views_evicted_total {}\n",
      stats.views, stats.views_evicted);
  out += ViewerFiguresMetrics(aggregator_.AllFigures());
  return out;
}

}  // namespace steadycast::app
