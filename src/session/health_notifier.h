#pragma once
// HealthNotifier: decides when a stream's transcoding health change becomes a
// `live_stream.health_changed` event (issue 5: "emits a live_stream.health_changed event with
// the reason"). Pure: fed the broadcast's DegradationState with the current time from the
// StreamRegistry's 100 ms Tick; no clock, no I/O. Not thread-safe: the registry calls it
// under the stream's lock.
//
// One event per change of (level, reason) against the last state emitted, and at most one per
// `min_interval` per stream: changes inside the interval are coalesced into one event carrying
// the state current when the interval ends (the LadderDegrader's hysteresis is the first guard
// against an event storm, this the second). The event's extra payload is
//   {"health": {"status": "healthy"|"degraded", "reasons": [...], "degradation_level": N,
//               "paused_renditions": [...], "faster_presets": [...]}}
// and is merged into the live stream object of the event's data (events::LiveStreamEvent).

#include <chrono>
#include <optional>

#include "base/clock.h"
#include "session/lifecycle.h"
#include "transcode/ladder_degrader.h"

namespace steadycast::session {

class HealthNotifier {
 public:
  using Time = base::Clock::MonotonicTime;

  explicit HealthNotifier(std::chrono::milliseconds min_interval = std::chrono::seconds(5))
      : min_interval_(min_interval) {}

  // The event to persist now, if any.
  std::optional<LifecycleEvent> Update(Time now, const transcode::DegradationState& state);

  // The payload's "health" object for `state`.
  static nlohmann::json HealthJson(const transcode::DegradationState& state);

 private:
  std::chrono::milliseconds min_interval_;
  int emitted_level_ = 0;  // a stream starts healthy: no event until something changes
  std::string emitted_reason_;
  std::optional<Time> emitted_at_;
};

}  // namespace steadycast::session
