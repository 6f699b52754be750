#pragma once
// LadderDegrader: the stream-wide degradation controller of one ABR ladder ("when the
// ladder cannot keep up, it degrades in a documented order ... faster x264 preset, then drop
// the highest transcoded rung from new segments"). Pure: every call carries the time of the
// caller's injected base::Clock; no threads, no I/O. Not thread-safe: the Transcoder guards it
// with a mutex (its rendition workers report from their own threads).
//
// Levels (README.md "Real-time watchdog and degradation order"):
//   0  normal.
//   1  faster x264 presets: each rendition's own RealtimeWatchdog steps its preset at a forced
//      IDR (one step per cool-down per rendition); the degrader only records the steps.
//   2+ 1 + the number of paused rungs. The highest transcoded rung (most pixels) still running
//      is paused when a running rung still lags at the fastest preset (and the ladder has
//      lagged for `min_lag_seconds` without a break), or when it has lagged for
//      `pause_after_seconds` whatever the presets; then the next one, top down, one
//      per `step_cooldown_seconds`. Never the passthrough (not a rung here), never the last
//      running transcoded rung.
// Stepping back up: a paused rung resumes (the last paused first) only after every running rung
// kept up with margin (not lagging, encode speed ≥ `recover_speed`) for `recover_seconds`,
// one rung per period; any report without margin restarts the period. When a pause follows a
// resume closely, the period doubles (backoff, up to `max_recover_backoff`×), so a load that
// cannot take the rung back settles instead of cycling. Faster presets stay for the broadcast
// (level 1 is not left).
//
// The decisions are desired states: a rung pauses or resumes at its own next forced IDR (a
// segment boundary in every rendition), when it asks Report().

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"

namespace steadycast::transcode {

struct DegraderOptions {
  bool enabled = true;              // off: nothing is ever paused (presets still step)
  double pause_after_seconds = 20;  // lagging this long (any preset) → pause the top rung
  // A rung lagging at ultrafast pauses the top rung only once the ladder has lagged this long
  // without a break (one drop at a start-up hiccup is not an overload).
  double min_lag_seconds = 4;
  double step_cooldown_seconds = 10;  // between two pause/resume decisions
  double recover_speed = 1.3;         // media s per busy s every running rung must exceed ...
  double recover_seconds = 20;        // ... for this long before one paused rung resumes
  // A pause within 2 × the current recovery period of a resume means the resume was too
  // early: the period doubles (up to this factor) for the rest of the broadcast.
  double max_recover_backoff = 8;
  double stale_seconds = 10;  // reports older than this are not counted
};

// One transcoded rung's verdict at one of its forced IDRs.
struct RungReport {
  bool paused = false;     // the rung is paused now (it encodes nothing; speeds meaningless)
  bool lagging = false;    // RealtimeWatchdog::Lagging
  bool exhausted = false;  // no faster x264 preset is left
  double realtime_speed = 0;
  double encode_speed = 0;  // media s per busy s over the window (0: unknown)
  std::string preset;
};

// The outside view (TranscoderStats, health, live_stream.health_changed).
struct DegradationState {
  int level = 0;
  std::string reason;                // of the last change; empty before any
  std::vector<std::string> paused;   // rung names the degrader wants paused, top down
  std::vector<std::string> presets;  // "name=preset" of rungs on a faster preset
  bool operator==(const DegradationState&) const = default;
};

class LadderDegrader {
 public:
  using Time = base::Clock::MonotonicTime;

  struct Rung {
    size_t id = 0;  // the caller's index (the Transcoder uses the plan index)
    std::string name;
    int pixels = 0;  // width × height: the order in which rungs are paused
  };

  LadderDegrader(DegraderOptions options, std::vector<Rung> rungs, std::string base_preset);

  // Records rung `id`'s verdict, re-evaluates, and returns whether that rung must be paused
  // from this IDR on (false for an unknown id).
  bool Report(Time now, size_t id, const RungReport& report);
  // A rung's watchdog stepped it to `preset` at `speed` (level 1).
  void OnPresetStep(size_t id, const std::string& preset, double speed);

  const DegradationState& state() const { return state_; }

 private:
  struct Slot {
    Rung rung;
    std::optional<Time> reported;
    RungReport last;
    bool paused = false;  // desired
    std::string preset;
  };

  void Evaluate(Time now);
  bool Fresh(const Slot& s, Time now) const;
  bool CoolingDown(Time now) const;
  Slot* TopRunning();
  void Pause(Time now, Slot& slot, double speed);
  void Resume(Time now, Slot& slot, double speed);
  void UpdateState();

  const DegraderOptions options_;
  const std::string base_preset_;
  std::vector<Slot> slots_;
  std::vector<size_t> pause_order_;  // slot indices, in the order they were paused
  std::optional<Time> behind_since_;
  std::optional<Time> keepup_since_;
  std::optional<Time> last_change_;
  std::optional<Time> last_resume_;
  double recover_backoff_ = 1;  // multiplies recover_seconds
  DegradationState state_;
};

}  // namespace steadycast::transcode
