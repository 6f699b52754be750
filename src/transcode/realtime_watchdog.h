#pragma once
// RealtimeWatchdog: decides when one transcoded rendition is persistently behind real time
// (it measures speed and degrades in a documented order). Pure: every call
// takes the time from the caller's injected base::Clock; no threads, no I/O. Not thread-safe:
// the owning RenditionWorker guards it with its stats mutex (drops are reported from the
// decode thread, encodes from the worker thread).
//
// A rendition is behind when, at the time of asking,
//   - one of its pictures was dropped at a full queue within the last `window_seconds`, or
//   - over at least ~`window_seconds` of wall time it encoded fewer than `min_speed` media
//     seconds per wall second while its queue was full at least once in that window (a slow
//     encoder with an empty queue is only a slow source, not an overloaded machine).
// After a degradation step the measurements restart and no further step is allowed for
// `cooldown_seconds`, so every step is measured on its own before the next one.

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace steadycast::transcode {

struct WatchdogOptions {
  bool enabled = true;  // offline tools (speed measurement) turn it off
  double window_seconds = 5.0;
  double min_speed = 1.0;  // media seconds per wall second
  double cooldown_seconds = 10.0;
};

// The next faster x264 preset (one step of x264's speed order), nullopt for "ultrafast" or an
// unknown name (nothing known to be faster).
std::optional<std::string> FasterPreset(std::string_view preset);

class RealtimeWatchdog {
 public:
  using Time = base::Clock::MonotonicTime;

  explicit RealtimeWatchdog(WatchdogOptions options) : options_(options) {}

  void OnDrop(Time now);
  // One picture encoded: `media_seconds` of presentation time; `queue_full` when the
  // rendition's queue was full as it was taken.
  // `busy_seconds`: wall time spent scaling and encoding it (for EncodeSpeed).
  void OnEncoded(Time now, double media_seconds, bool queue_full, double busy_seconds = 0);
  // True when a degradation step is due now (behind, and not within the cool-down).
  bool Behind(Time now);
  // Behind by the measurements alone, whatever the cool-down (the stream-wide LadderDegrader
  // asks this: a rendition at the fastest preset that still lags).
  bool Lagging(Time now);
  // A step was taken: restart the measurements and the cool-down.
  void OnStep(Time now);
  // Measurements restart without a cool-down (a paused rendition resumes: what it measured
  // before the pause says nothing about now).
  void Restart();
  // Media seconds per wall second over the current window; nullopt before two samples.
  std::optional<double> Speed() const;
  // Media seconds per busy second over the current window (> 1: this rendition has headroom);
  // nullopt before two samples or without busy time.
  std::optional<double> EncodeSpeed() const;

 private:
  struct Sample {
    Time time;
    double media_total = 0;
    double busy_total = 0;
  };
  void Prune(Time now);
  bool Within(std::optional<Time> t, Time now, double seconds) const;

  static constexpr size_t kMaxSamples = 4096;  // 240 fps × window; older samples go first

  const WatchdogOptions options_;
  std::deque<Sample> samples_;
  double media_total_ = 0;
  double busy_total_ = 0;
  std::optional<Time> last_drop_;
  std::optional<Time> last_full_;
  std::optional<Time> last_step_;
};

}  // namespace steadycast::transcode
