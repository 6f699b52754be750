#pragma once
// LinkHealthMonitor: turns a publisher's link and media figures into health conditions for
// `live_stream.health_changed`: SRT loss or drops above thresholds, a keyframe interval too long,
// a bitrate collapse, ingest drift — with hysteresis so a flapping link does not flood. Pure: fed
// SRT statistics (cumulative totals, about once a second), the publisher's access units and
// Evaluate() calls, each with the current time; no clock, no I/O. Not thread-safe: the
// StreamRegistry calls it under the stream's lock.
//
// Conditions (kind → trigger / clear), each with hysteresis: it turns on only after the
// trigger held for `on_after` and off only after the clear condition held for `off_after`.
//   srt_loss          packets lost / received over `window` > 5 %      / < 2 %
//   srt_drops         unrecovered (dropped) packets over `window` > 0.5 % (and ≥ 10) / none
//   keyframe_interval a keyframe interval > 4 s (on at once)           / 3 intervals ≤ 4 s
//   bitrate_collapse  media bitrate over `window` < 25 % of the preceding minute's average
//                     (≥ 200 kbps, ≥ 20 s of history)                   / ≥ 50 %
//   ingest_drift      media lags the wall clock by > 2 s and the lag grows > 50 ms per second
//                     (health::IngestMeter's drift; RTMP on a starved link) / lag < 1 s or
//                     growing < 10 ms per second

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "media/access_unit.h"
#include "media/media_sink.h"

namespace steadycast::session {

struct LinkCondition {
  std::string kind;    // "srt_loss", "srt_drops", "keyframe_interval", "bitrate_collapse", ...
  std::string reason;  // human-readable, with the figure that triggered it
  bool operator==(const LinkCondition&) const = default;
};

struct LinkHealthOptions {
  std::chrono::milliseconds window{5000};
  std::chrono::milliseconds on_after{3000};
  std::chrono::milliseconds off_after{10000};
  double loss_on = 0.05;
  double loss_off = 0.02;
  double drops_on = 0.005;
  int64_t drops_min_packets = 10;
  double keyframe_max_seconds = 4.0;
  double collapse_ratio = 0.25;
  double recover_ratio = 0.5;
  double min_baseline_kbps = 200;
  std::chrono::seconds baseline{60};
  std::chrono::seconds min_history{20};
  double drift_on_ms = 2000;
  double drift_off_ms = 1000;
  double drift_growing_ms_per_s = 50;
  double drift_steady_ms_per_s = 10;
};

class LinkHealthMonitor {
 public:
  using Time = base::Clock::MonotonicTime;

  explicit LinkHealthMonitor(LinkHealthOptions options = {}) : options_(options) {}

  // A new publisher: its counters start again; conditions clear.
  void Reset();
  void OnLinkStats(Time now, const media::LinkStats& totals);
  void OnMedia(Time now, const media::AccessUnit& unit);
  // The publisher's drift now and how fast it grows (health::IngestFigures); judged at the
  // next Evaluate.
  void OnDrift(double drift_ms, double drift_rate_ms_per_s);
  // Re-judges every condition at `now` (call every ≤ 1 s).
  void Evaluate(Time now);
  // The conditions currently on, in a fixed order.
  std::vector<LinkCondition> Active() const;

 private:
  struct Condition {
    const char* kind;
    bool active = false;
    std::optional<Time> bad_since;
    std::optional<Time> good_since;
    std::string reason;
  };
  // One step of a condition's hysteresis: `bad` / `good` as judged now (neither: no change).
  void Judge(Condition& c, Time now, bool bad, bool good, std::string reason, bool at_once = false);

  LinkHealthOptions options_;
  std::deque<std::pair<Time, media::LinkStats>> samples_;     // within window (+1 older)
  std::deque<std::pair<int64_t, int64_t>> bytes_per_second_;  // (second since epoch, bytes)
  std::optional<Time> first_media_;
  std::optional<int64_t> last_keyframe_dts_;
  int good_keyframe_intervals_ = 0;
  std::optional<std::pair<double, double>> drift_;  // (ms, ms per s), latest
  Condition loss_{"srt_loss"};
  Condition drops_{"srt_drops"};
  Condition keyframes_{"keyframe_interval"};
  Condition bitrate_{"bitrate_collapse"};
  Condition drift_condition_{"ingest_drift"};
};

}  // namespace steadycast::session
