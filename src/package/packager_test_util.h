#pragma once
// Drives a StreamPackager with synthetic media in real-time order: 30 fps H.264 (keyframe every
// 60 frames from the last GOP origin) and AAC-LC 48 kHz, interleaved by dts, with a FakeClock
// moved along with the timestamps. Header-only; tests only.

#include <cstdint>
#include <string>

#include "base/clock.h"
#include "formats/fmp4/fmp4_test_util.h"
#include "package/stream_packager.h"

namespace steadycast::package::testing {

class PackagerDriver {
 public:
  explicit PackagerDriver(PackagerOptions options = {}) : packager_(options, clock_) {}

  StreamPackager& packager() { return packager_; }
  base::FakeClock& clock() { return clock_; }

  void Configure(bool video = true, bool audio = true) {
    if (video) packager_.OnVideoConfig(formats::fmp4::testing::TestVideoConfig());
    if (audio) packager_.OnAudioConfig(formats::fmp4::testing::TestAudioConfig());
    video_ = video;
    audio_ = audio;
  }

  // Feeds media with dts in [now, now + seconds).
  void Feed(double seconds) {
    const int64_t until = dts_ + static_cast<int64_t>(seconds * 90000);
    while (true) {
      const int64_t video_dts = video_ ? frame_dts() : INT64_MAX;
      const int64_t audio_dts = audio_ ? audio_base_ + audio_frames_ * 1920 : INT64_MAX;
      const int64_t next = std::min(video_dts, audio_dts);
      if (next >= until) break;
      MoveClockTo(next);
      if (video_dts <= audio_dts) {
        const bool key = (frames_ - gop_origin_) % 60 == 0;
        packager_.OnAccessUnit(formats::fmp4::testing::VideoUnit(
            video_dts, video_dts + 3000, key, static_cast<uint8_t>(frames_), key ? 200 : 40));
        ++frames_;
      } else {
        packager_.OnAccessUnit(
            formats::fmp4::testing::AudioUnit(audio_dts, static_cast<uint8_t>(audio_frames_), 20));
        ++audio_frames_;
      }
    }
    dts_ = until;
  }

  // The next video frame is a keyframe (a new GOP, e.g. after a configuration change).
  void StartGop() { gop_origin_ = frames_; }

  // The publisher comes back with timestamps starting again at `dts` (wall clock runs on).
  void RestartTimestamps(int64_t dts) {
    wall_offset_ns_ += TicksToNs(dts_) - TicksToNs(dts);
    base_ = dts;
    dts_ = dts;
    frames_ = 0;
    gop_origin_ = 0;
    audio_frames_ = 0;
    audio_base_ = dts;
  }

 private:
  static int64_t TicksToNs(int64_t ticks) { return ticks * 100'000 / 9; }
  int64_t frame_dts() const { return base_ + frames_ * 3000; }
  void MoveClockTo(int64_t dts) {
    const int64_t target = TicksToNs(dts) + wall_offset_ns_;
    if (target > clock_ns_) {
      clock_.Advance(std::chrono::nanoseconds(target - clock_ns_));
      clock_ns_ = target;
    }
  }

  base::FakeClock clock_;
  StreamPackager packager_;
  bool video_ = true;
  bool audio_ = true;
  int64_t dts_ = 0;
  int64_t base_ = 0;
  int64_t frames_ = 0;
  int64_t gop_origin_ = 0;
  int64_t audio_frames_ = 0;
  int64_t audio_base_ = 0;
  int64_t clock_ns_ = 0;
  int64_t wall_offset_ns_ = 0;
};

}  // namespace steadycast::package::testing
