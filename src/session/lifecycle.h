#pragma once
// StreamLifecycle: the state machine of one live stream (docs/contract.md "Status",
// docs/architecture.md "reconnect window"). Pure: driven by inputs that carry the current monotonic
// time, it keeps no clock and performs nothing itself; each input returns the Effects its owner
// (the StreamRegistry) must carry out — persist status + events in one transaction, act on the
// packager, disconnect a publisher. Not thread-safe: the owner serialises calls.
//
//   idle ──(publisher accepted: connected)──(first media: active)──▶ active
//   active ──(socket closed, or no media for stall_timeout: disconnected)──▶ reconnecting
//   reconnecting ──(media from a publisher with the key: reconnected)──▶ active
//   reconnecting ──(window over and no live publisher: idle)──▶ idle   [window 0: at once]
//   active|reconnecting ──(complete: completed, idle)──▶ idle
//   any ──(disable: disabled)──▶ disabled ──(enable: enabled)──▶ idle
//
// Takeover: a new publisher replaces the current one when that one is silent (no media for
// silent_after) or lost, or always with takeover "newest"; otherwise it is refused. Both
// outcomes produce an event. Window expiry is checked against `now >= deadline`, so a
// publisher accepted at deadline − 1 ms resumes the broadcast.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "store/live_stream.h"

namespace steadycast::session {

struct LifecycleConfig {
  std::chrono::milliseconds reconnect_window{60'000};  // 0 = no waiting
  std::chrono::milliseconds stall_timeout{4'000};      // no media this long = publisher lost
  std::chrono::milliseconds silent_after{1'000};       // no media this long = may be replaced
  bool takeover_newest = false;                        // takeover "newest"
};

enum class PackagerAction {
  kNone,
  kNewBroadcast,   // first media of a broadcast: a fresh packager (new timeline, same URL)
  kDiscontinuity,  // publisher lost or replaced: flush; the next segment is a discontinuity
  kEnd,            // broadcast over: flush and write ENDLIST
};

struct LifecycleEvent {
  std::string_view type;                            // events/event_types.h
  nlohmann::json extra = nlohmann::json::object();  // merged into the payload
};

struct Effects {
  std::optional<store::StreamStatus> status;  // new status to persist
  std::vector<LifecycleEvent> events;         // written with the status, in this order
  PackagerAction packager = PackagerAction::kNone;
  uint64_t kick = 0;  // serial of a publisher to disconnect (0: none)
  bool empty() const {
    return !status && events.empty() && packager == PackagerAction::kNone && kick == 0;
  }
};

class StreamLifecycle {
 public:
  using Time = base::Clock::MonotonicTime;

  StreamLifecycle(store::StreamStatus initial, LifecycleConfig config);

  void set_config(const LifecycleConfig& config) { config_ = config; }
  const LifecycleConfig& config() const { return config_; }
  store::StreamStatus status() const { return status_; }
  uint64_t publisher() const { return publisher_; }  // 0 = none attached
  std::optional<Time> reconnect_deadline() const { return deadline_; }

  struct Admission {
    bool accepted = false;
    std::string refusal;  // why not, when refused
    Effects effects;      // kick = the replaced publisher
  };
  // A publisher with a valid key asks to publish (serial: unique, non-zero).
  Admission Admit(uint64_t serial, Time now, std::string_view remote_address);
  // Media from `serial` (each access unit; cheap while nothing changes).
  Effects OnMedia(uint64_t serial, Time now);
  Effects OnPublisherGone(uint64_t serial, Time now);
  // Stall detection and window expiry; call often (every ≤ 100 ms).
  Effects Tick(Time now);

  // Commands. Complete fails (nullopt) unless the stream is active or reconnecting.
  std::optional<Effects> Complete(Time now);
  Effects Disable(Time now);
  Effects Enable(Time now);
  Effects KickPublisher();  // key reset: drop the publisher (it may return with the new key)
  // After a restart: a stream stored active/reconnecting waits for its publisher again with a
  // fresh window.
  Effects Recover(Time now);

 private:
  // The publisher was lost (closed or stalled): reconnecting, or idle when the window is 0.
  Effects Lose(Time now, std::string_view reason);
  // Ends the broadcast (idle, ENDLIST, publisher kicked); its events follow those already in
  // `effects`.
  Effects End(std::string_view reason, std::optional<std::string_view> extra_type,
              Effects effects = {});
  bool Silent(Time now) const { return now - last_media_ >= config_.silent_after; }

  LifecycleConfig config_;
  store::StreamStatus status_;
  uint64_t publisher_ = 0;
  bool publisher_flowing_ = false;  // media seen since it attached (or since its stall)
  Time last_media_{};
  std::optional<Time> deadline_;  // reconnect window end, while reconnecting
};

}  // namespace steadycast::session
