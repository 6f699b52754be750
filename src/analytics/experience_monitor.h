#pragma once
// ExperienceMonitor: decides when a stream's viewer experience becomes degraded or recovers,
// from its ViewerFigures sampled over time, with hysteresis so that a ratio hovering around
// one threshold does not flap:
//
//            rebuffer_ratio > degraded_above with ≥ 1 current view, for `hold`
//   [fine] ───────────────────────────────────────────────────────────────────▶ [degraded]
//          ◀───────────────────────────────────────────────────────────────────
//            rebuffer_ratio < recovered_below (or no recent view at all), for `hold`
//
// Each transition is reported once (the server persists it as
// live_stream.viewer_experience_degraded / _recovered). "For `hold`" means at every
// evaluation during that time: a single sample on the other side starts the wait again. A
// stream nobody watches any more counts as recovered (its ratio is 0), so every degraded
// event is eventually followed by a recovered one.
//
// Pure: the time comes in with each call, no clock, no I/O. Memory: a state per stream that is
// degraded or on its way to be; streams that are fine are forgotten. Not thread-safe: the
// server's 1 Hz timer is its only caller.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "health/viewer_figures.h"

namespace steadycast::analytics {

struct ExperienceMonitorOptions {
  double degraded_above = 0.05;
  double recovered_below = 0.03;
  std::chrono::milliseconds hold{30'000};
};

struct ExperienceChange {
  std::string stream_id;
  bool degraded = false;  // true: became degraded; false: recovered
  health::ViewerFigures figures;
};

class ExperienceMonitor {
 public:
  using Time = base::Clock::MonotonicTime;

  explicit ExperienceMonitor(ExperienceMonitorOptions options = {}) : options_(options) {}

  // `figures`: every stream with recent views now (ViewerAggregator::AllFigures). Returns the
  // transitions that happened at `now`, by stream id.
  std::vector<ExperienceChange> Evaluate(Time now,
                                         const std::map<std::string, health::ViewerFigures>& all);

  bool IsDegraded(const std::string& stream_id) const;
  size_t tracked_streams() const { return states_.size(); }

 private:
  struct State {
    bool degraded = false;
    std::optional<Time> since;  // when the condition for leaving the current state began
  };
  // The change for one stream, if any; updates `state`.
  std::optional<ExperienceChange> Step(Time now, const std::string& stream_id, State& state,
                                       const health::ViewerFigures& figures) const;

  ExperienceMonitorOptions options_;
  std::map<std::string, State> states_;
};

}  // namespace steadycast::analytics
