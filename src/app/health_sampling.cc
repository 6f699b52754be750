#include "app/health_sampling.h"

#include <chrono>

namespace steadycast::app {

std::optional<health::SrtFigures> SrtFiguresOf(const session::LinkHealth& health,
                                               size_t window_samples) {
  if (health.history.empty()) return std::nullopt;
  const size_t newest = health.history.size() - 1;
  const size_t oldest = newest > window_samples ? newest - window_samples : 0;
  return health::SrtFiguresOf(health.history[oldest].second, health.history[newest].second);
}

health::HealthSample SampleOf(const session::LinkHealth& health, int64_t at_ms,
                              const std::optional<health::ViewerFigures>& viewers) {
  health::HealthSample sample;
  sample.at_ms = at_ms;
  sample.status = store::StreamStatusName(health.status);
  if (health.has_publisher) {
    sample.ingest = health.ingest.value_or(health::IngestFigures{});
    sample.srt = SrtFiguresOf(health);
  }
  for (const auto& r : health.renditions) {
    sample.AddRendition(r.name, r.passthrough, r.encode_speed,
                        static_cast<int64_t>(r.frames_dropped));
  }
  sample.viewers = viewers;
  return sample;
}

HealthSampler::HealthSampler(boost::asio::io_context& io, session::StreamRegistry& registry,
                             health::HealthHistory& history, base::Clock& clock,
                             const ViewerFiguresFn& viewer_figures)
    : timer_(io),
      registry_(registry),
      history_(history),
      clock_(clock),
      viewer_figures_(viewer_figures) {}

void HealthSampler::Start() {
  timer_.expires_after(std::chrono::seconds(1));
  Schedule();
}

void HealthSampler::Stop() { timer_.cancel(); }

void HealthSampler::Schedule() {
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    SampleOnce();
    // From the previous deadline, not from now: one sample a second without drifting.
    timer_.expires_at(timer_.expiry() + std::chrono::seconds(1));
    Schedule();
  });
}

void HealthSampler::SampleOnce() {
  const std::map<std::string, session::LinkHealth> all = registry_.KnownStreamsHealth();
  const auto now = clock_.Now();
  const int64_t at_ms = base::ToUnixMillis(clock_.WallNow());
  history_.Prune(now, [&all](const std::string& id) { return all.contains(id); });
  for (const auto& [id, health] : all) {
    if (!health.has_publisher && !history_.Has(id)) continue;  // no history to extend
    std::optional<health::ViewerFigures> viewers;
    if (viewer_figures_) viewers = viewer_figures_(id);
    history_.Record(id, SampleOf(health, at_ms, viewers), now);
  }
}

}  // namespace steadycast::app
