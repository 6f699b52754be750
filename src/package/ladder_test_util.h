#pragma once
// Drives a multi-rendition StreamPackager the way the transcoder will: every rendition gets its
// own H.264 configuration and frame sizes, keyframes at the same times (every 60 frames of
// 30 fps from the GOP origin) and the same AAC-LC 48 kHz audio, interleaved by dts. Also
// usable per rendition from separate threads (FeedRendition). Header-only; tests only.

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "base/clock.h"
#include "formats/fmp4/fmp4_test_util.h"
#include "media/media_sink.h"
#include "package/stream_packager.h"

namespace steadycast::package::testing {

struct LadderRung {
  std::string name;
  int width = 640;
  int height = 360;
  uint8_t profile_idc = 0x64;
  uint8_t constraint_flags = 0;
  uint8_t level_idc = 0x1e;
  size_t key_bytes = 2000;    // payload bytes of a keyframe
  size_t delta_bytes = 1000;  // of any other frame
};

inline media::VideoTrackConfig RungConfig(const LadderRung& rung) {
  media::VideoTrackConfig c = formats::fmp4::testing::TestVideoConfig();
  c.width = rung.width;
  c.height = rung.height;
  c.profile_idc = rung.profile_idc;
  c.constraint_flags = rung.constraint_flags;
  c.level_idc = rung.level_idc;
  return c;
}

// One 4-byte-length-prefixed NAL unit of `bytes` payload bytes filled with `tag`.
inline media::AccessUnit SizedVideoUnit(int64_t dts, bool keyframe, uint8_t tag, size_t bytes) {
  std::vector<uint8_t> data(4 + bytes, tag);
  const uint32_t n = static_cast<uint32_t>(bytes);
  data[0] = static_cast<uint8_t>(n >> 24);
  data[1] = static_cast<uint8_t>(n >> 16);
  data[2] = static_cast<uint8_t>(n >> 8);
  data[3] = static_cast<uint8_t>(n);
  data[4] = keyframe ? 0x65 : 0x41;
  media::AccessUnit unit;
  unit.kind = media::TrackKind::kVideo;
  unit.codec = media::Codec::kH264;
  unit.dts = dts;
  unit.pts = dts + 3000;
  unit.keyframe = keyframe;
  unit.data = base::Buffer::Take(std::move(data));
  return unit;
}

// The media of one rendition on a shared timeline; cheap to copy (one per writer thread).
class RungFeed {
 public:
  explicit RungFeed(LadderRung rung, int64_t start_dts = 0)
      : rung_(std::move(rung)), base_(start_dts), audio_base_(start_dts), dts_(start_dts) {}

  void Configure(media::MediaSink& sink) const {
    sink.OnVideoConfig(RungConfig(rung_));
    sink.OnAudioConfig(formats::fmp4::testing::TestAudioConfig());
  }

  // dts of the next unit, or INT64_MAX.
  int64_t NextDts() const { return std::min(VideoDts(), AudioDts()); }

  // Feeds the next unit (video first on equal dts, as PackagerDriver does).
  void FeedOne(media::MediaSink& sink) {
    if (VideoDts() <= AudioDts()) {
      const bool key = (frames_ - gop_origin_) % 60 == 0;
      sink.OnAccessUnit(SizedVideoUnit(VideoDts(), key, static_cast<uint8_t>(frames_),
                                       key ? rung_.key_bytes : rung_.delta_bytes));
      ++frames_;
    } else {
      sink.OnAccessUnit(
          formats::fmp4::testing::AudioUnit(AudioDts(), static_cast<uint8_t>(audio_frames_), 20));
      ++audio_frames_;
    }
  }

  // Feeds everything with dts in [now, until).
  void FeedUntil(media::MediaSink& sink, int64_t until) {
    while (NextDts() < until) FeedOne(sink);
    dts_ = std::max(dts_, until);
  }

  // The next video frame is a keyframe (a new GOP).
  void StartGop() { gop_origin_ = frames_; }
  // The publisher comes back with timestamps starting again at `dts`.
  void RestartTimestamps(int64_t dts) {
    base_ = dts;
    audio_base_ = dts;
    dts_ = dts;
    frames_ = 0;
    gop_origin_ = 0;
    audio_frames_ = 0;
  }
  int64_t dts() const { return dts_; }

 private:
  int64_t VideoDts() const { return base_ + frames_ * 3000; }
  int64_t AudioDts() const { return audio_base_ + audio_frames_ * 1920; }

  LadderRung rung_;
  int64_t base_ = 0;
  int64_t audio_base_ = 0;
  int64_t dts_ = 0;
  int64_t frames_ = 0;
  int64_t gop_origin_ = 0;
  int64_t audio_frames_ = 0;
};

// One thread feeding every rendition in dts order, moving a FakeClock along.
class LadderDriver {
 public:
  explicit LadderDriver(std::vector<LadderRung> rungs, PackagerOptions options = {})
      : packager_(options, Specs(rungs), clock_) {
    for (auto& rung : rungs) feeds_.emplace_back(std::move(rung));
  }

  StreamPackager& packager() { return packager_; }
  base::FakeClock& clock() { return clock_; }
  RungFeed& feed(size_t i) { return feeds_[i]; }

  void Configure() {
    for (size_t i = 0; i < feeds_.size(); ++i) feeds_[i].Configure(packager_.Rendition(i));
  }
  void Configure(size_t i) { feeds_[i].Configure(packager_.Rendition(i)); }

  // Feeds [now, now + seconds) of every rendition in `only` (all when empty), in dts order;
  // the others skip that span.
  void Feed(double seconds, const std::vector<size_t>& only = {}) {
    const int64_t until = now_ + static_cast<int64_t>(seconds * 90000);
    while (true) {
      int64_t next = INT64_MAX;
      for (auto& f : feeds_) next = std::min(next, f.NextDts());
      if (next >= until) break;
      MoveClockTo(next);
      for (size_t i = 0; i < feeds_.size(); ++i) {
        if (feeds_[i].NextDts() != next) continue;
        if (only.empty() || std::count(only.begin(), only.end(), i)) {
          feeds_[i].FeedOne(packager_.Rendition(i));
        } else {
          NullSink skip;
          feeds_[i].FeedOne(skip);
        }
      }
    }
    now_ = until;
  }

  void StartGop() {
    for (auto& f : feeds_) f.StartGop();
  }
  void RestartTimestamps(int64_t dts) {
    wall_offset_ns_ += TicksToNs(now_) - TicksToNs(dts);
    now_ = dts;
    for (auto& f : feeds_) f.RestartTimestamps(dts);
  }

 private:
  class NullSink final : public media::MediaSink {
   public:
    void OnVideoConfig(const media::VideoTrackConfig&) override {}
    void OnAudioConfig(const media::AudioTrackConfig&) override {}
    void OnAccessUnit(const media::AccessUnit&) override {}
  };

  static std::vector<RenditionSpec> Specs(const std::vector<LadderRung>& rungs) {
    std::vector<RenditionSpec> specs;
    specs.reserve(rungs.size());
    for (const auto& r : rungs) specs.push_back({r.name});
    return specs;
  }
  static int64_t TicksToNs(int64_t ticks) { return ticks * 100'000 / 9; }
  void MoveClockTo(int64_t dts) {
    const int64_t target = TicksToNs(dts) + wall_offset_ns_;
    if (target > clock_ns_) {
      clock_.Advance(std::chrono::nanoseconds(target - clock_ns_));
      clock_ns_ = target;
    }
  }

  base::FakeClock clock_;
  StreamPackager packager_;
  std::vector<RungFeed> feeds_;
  int64_t now_ = 0;
  int64_t clock_ns_ = 0;
  int64_t wall_offset_ns_ = 0;
};

}  // namespace steadycast::package::testing
