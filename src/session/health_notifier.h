#pragma once
// HealthNotifier: decides when a stream's transcoding health change becomes a
// `live_stream.health_changed` event with the reason, together with the publisher's link conditions
// (LinkHealthMonitor). Pure: fed the broadcast's DegradationState with the current time from the
// StreamRegistry's 100 ms Tick; no clock, no I/O. Not thread-safe: the registry calls it under the
// stream's lock.
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
#include "session/link_health_monitor.h"
#include "transcode/ladder_degrader.h"

namespace steadycast::session {

class HealthNotifier {
 public:
  using Time = base::Clock::MonotonicTime;

  explicit HealthNotifier(std::chrono::milliseconds min_interval = std::chrono::seconds(5))
      : min_interval_(min_interval) {}

  // The event to persist now, if any. `link`: the publisher's link conditions
  // (LinkHealthMonitor); a change of their set (kinds, not the figures in their reasons)
  // counts as a change like the transcoder's.
  std::optional<LifecycleEvent> Update(Time now, const transcode::DegradationState& state,
                                       const std::vector<LinkCondition>& link = {});

  // The payload's "health" object: status "degraded" when the transcoder degraded or any link
  // condition is on; `reasons` lists both; `link_conditions` their kinds.
  static nlohmann::json HealthJson(const transcode::DegradationState& state,
                                   const std::vector<LinkCondition>& link = {});

 private:
  std::chrono::milliseconds min_interval_;
  int emitted_level_ = 0;  // a stream starts healthy: no event until something changes
  std::string emitted_reason_;
  std::string emitted_link_;  // the link condition kinds, joined
  std::optional<Time> emitted_at_;
};

}  // namespace steadycast::session
