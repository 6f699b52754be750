#pragma once
// IngestMeter: what one publisher's media looks like as it arrives — bitrate, frame rate,
// keyframe interval, audio rate and drift — measured from each access unit (its size, dts,
// keyframe flag, track) and the time it arrived. Pure: the caller passes the arrival time
// (monotonic, from its injected clock) with every unit and the current time to Figures(); no
// clock, no I/O. O(1) and allocation-free per unit (a fixed ring of small records).
//
// Owned per stream by the session's StreamRegistry, fed on the publisher's strand under the
// stream's lock and read (Figures) under the same lock from the API, /metrics and the health
// sampler. Not thread-safe by itself.
//
// Window: rates are measured over the units that arrived in the last `kWindow` (4 s) of
// arrival time; a publisher younger than that is measured since its first unit (over at
// least 1 s, so the first unit does not read as a huge rate).
//   bitrate_kbps, audio_kbps  bits arrived per wall second: what the link delivers
//   media_kbps, audio_media_kbps  bits per second of media time: what the encoder produces
//                             (the same as the above unless the link cannot keep up)
//   fps                       video frames per second of media time (the encoder's rate)
//   keyframe_interval_s       media time between the last two video keyframes
//   drift_ms                  (wall time since the first unit) − (media time since it), where
//                             media time is the newest dts of any track minus the first unit's.
//                             Positive: media lags the wall clock (RTMP on a starved link: the
//                             encoder's TCP send buffer backs up and media arrives slower than
//                             real time). Per connection: a returning publisher is a new
//                             meter (Reset), its media time starts again.
//   drift_rate_ms_per_s       how much drift grew per wall second over the window, measured
//                             between units (a pause since the newest unit does not count)
// Timestamp jumps (a dts more than 10 s ahead of the wall time that passed, or more than 5 s
// back) start a new media timeline inside the connection: the media clock continues from
// the wall time that passed, so a jump does not read as drift.

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <utility>

#include "base/clock.h"
#include "media/access_unit.h"

namespace steadycast::health {

// One publisher's ingest figures at one moment (a plain value: copied into the health
// history). Rates are 0 until units arrive.
struct IngestFigures {
  int64_t units = 0;  // access units since the publisher's first
  double bitrate_kbps = 0;
  double audio_kbps = 0;
  double fps = 0;
  std::optional<double> keyframe_interval_s;  // nullopt until two video keyframes arrived
  double drift_ms = 0;
  double drift_rate_ms_per_s = 0;
  double media_kbps = 0;
  double audio_media_kbps = 0;
  std::optional<media::Codec> video_codec;  // from the video configuration
  int width = 0;
  int height = 0;
};

class IngestMeter {
 public:
  using Time = base::Clock::MonotonicTime;
  static constexpr std::chrono::milliseconds kWindow{4000};
  // Units kept: 4 s of 240 fps video plus audio. More than this and the window shortens
  // (the rates stay right, measured over what is kept).
  static constexpr size_t kCapacity = 1024;

  // A new publisher: everything starts again.
  void Reset() { *this = IngestMeter(); }
  void OnVideoConfig(media::Codec codec, int width, int height);
  void OnAccessUnit(Time arrival, const media::AccessUnit& unit);
  IngestFigures Figures(Time now) const;

 private:
  // A media clock that survives timestamp jumps: `elapsed` advances with the dts while it
  // moves plausibly, and with the wall time that passed across a jump.
  struct MediaClock {
    bool started = false;
    int64_t newest = 0;   // newest dts seen (90 kHz)
    int64_t elapsed = 0;  // media time since the first unit (90 kHz)
    void Advance(int64_t dts, int64_t wall_gap_ticks);
  };
  struct Record {
    int64_t arrival_ns = 0;
    int64_t media_elapsed = 0;  // the all-track clock after this unit
    int64_t video_elapsed = 0;  // the video clock after this unit (video units)
    uint32_t bytes = 0;
    bool video = false;
  };
  const Record& At(size_t i) const { return ring_[(head_ + i) % kCapacity]; }
  double DriftMsAt(int64_t arrival_ns, int64_t media_elapsed) const;
  // (all bytes, audio bytes) of the records from index `first` to the newest.
  std::pair<int64_t, int64_t> BytesFrom(size_t first) const;
  void AddArrivalRates(IngestFigures& f, size_t first, int64_t now_ns, int64_t window_start) const;
  void AddMediaRates(IngestFigures& f, size_t base) const;
  void AddFrameRate(IngestFigures& f, size_t first) const;

  std::array<Record, kCapacity> ring_{};
  size_t head_ = 0;  // oldest record
  size_t size_ = 0;
  int64_t units_ = 0;
  int64_t first_arrival_ns_ = 0;
  int64_t last_arrival_ns_ = 0;
  MediaClock media_;
  MediaClock video_;
  std::optional<int64_t> last_keyframe_;  // video clock at the last keyframe
  std::optional<int64_t> keyframe_interval_;
  std::optional<media::Codec> video_codec_;
  int width_ = 0;
  int height_ = 0;
};

}  // namespace steadycast::health
