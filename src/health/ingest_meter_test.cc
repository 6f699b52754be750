#include "health/ingest_meter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace steadycast::health {
namespace {

using namespace std::chrono_literals;
using Time = IngestMeter::Time;

constexpr int64_t kVideoBytes = 5000;  // 30 fps → 1200 kb/s
constexpr int64_t kAudioBytes = 250;   // 46.875 frames/s → 93.75 kb/s
constexpr double kTotalKbps = 1200 + 93.75;

// `seconds` of 30 fps video (keyframe every 60 frames) and 48 kHz AAC, in dts order, starting at
// dts `first_dts` (any 90 kHz value: timestamps are not rebased).
std::vector<media::AccessUnit> Units(double seconds, int64_t first_dts = 123'456) {
  std::vector<media::AccessUnit> out;
  const int frames = static_cast<int>(seconds * 30);
  const int audio = static_cast<int>(seconds * 48000 / 1024);
  for (int i = 0; i < frames; ++i) {
    media::AccessUnit u;
    u.kind = media::TrackKind::kVideo;
    u.dts = u.pts = first_dts + int64_t{i} * 3000;
    u.keyframe = i % 60 == 0;
    u.data = base::Buffer::Copy(std::vector<uint8_t>(kVideoBytes));
    out.push_back(u);
  }
  for (int i = 0; i < audio; ++i) {
    media::AccessUnit u;
    u.kind = media::TrackKind::kAudio;
    u.codec = media::Codec::kAac;
    u.dts = u.pts = first_dts + int64_t{i} * 1024 * 90'000 / 48'000;
    u.keyframe = true;
    u.data = base::Buffer::Copy(std::vector<uint8_t>(kAudioBytes));
    out.push_back(u);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.dts < b.dts; });
  return out;
}

// The wall time at which a unit's media time is reached, starting at `start`, with media
// arriving at `speed` × real time.
Time MediaTime(Time start, const media::AccessUnit& u, int64_t first_dts, double speed = 1.0) {
  const double seconds = static_cast<double>(u.dts - first_dts) / media::kTimescale / speed;
  return start + std::chrono::duration_cast<Time::duration>(std::chrono::duration<double>(seconds));
}

constexpr Time kStart = Time(100s);

TEST(IngestMeter, RealTimeFigures) {
  IngestMeter meter;
  meter.OnVideoConfig(media::Codec::kH264, 640, 360);
  const auto units = Units(10);
  for (const auto& u : units) meter.OnAccessUnit(MediaTime(kStart, u, 123'456), u);
  const IngestFigures f = meter.Figures(kStart + 10s);
  EXPECT_EQ(f.units, static_cast<int64_t>(units.size()));
  EXPECT_NEAR(f.fps, 30, 0.01);
  EXPECT_NEAR(f.bitrate_kbps, kTotalKbps, kTotalKbps * 0.03);
  EXPECT_NEAR(f.audio_kbps, 93.75, 5);
  EXPECT_NEAR(f.media_kbps, kTotalKbps, kTotalKbps * 0.03);
  EXPECT_NEAR(f.audio_media_kbps, 93.75, 5);
  ASSERT_TRUE(f.keyframe_interval_s);
  EXPECT_DOUBLE_EQ(*f.keyframe_interval_s, 2.0);
  EXPECT_NEAR(f.drift_ms, 0, 40);  // the wall time since the last unit
  EXPECT_NEAR(f.drift_rate_ms_per_s, 0, 10);
  EXPECT_EQ(f.video_codec, media::Codec::kH264);
  EXPECT_EQ(f.width, 640);
  EXPECT_EQ(f.height, 360);
}

TEST(IngestMeter, EmptyAndFirstSecond) {
  IngestMeter meter;
  IngestFigures f = meter.Figures(kStart);
  EXPECT_EQ(f.units, 0);
  EXPECT_EQ(f.bitrate_kbps, 0);
  EXPECT_FALSE(f.keyframe_interval_s);
  EXPECT_FALSE(f.video_codec);
  // One keyframe: no interval yet; its bytes count over at least 1 s, not over 0 s.
  const auto units = Units(1);
  meter.OnAccessUnit(kStart, units[0]);
  f = meter.Figures(kStart);
  EXPECT_FALSE(f.keyframe_interval_s);
  EXPECT_NEAR(f.bitrate_kbps, kVideoBytes * 8 / 1000.0, 1e-9);
  EXPECT_EQ(f.fps, 0);
}

// The same media arriving whole (on time), in half-second bursts and with random jitter gives
// the same frame rate and keyframe interval, about the same bitrate and a small drift.
TEST(IngestMeter, IrregularArrivalGivesTheSameFigures) {
  const auto units = Units(12);
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> jitter_ms(0, 300);
  IngestMeter whole, bursts, jittered;
  Time last = kStart;
  for (const auto& u : units) {
    const Time on_time = MediaTime(kStart, u, 123'456);
    whole.OnAccessUnit(on_time, u);
    // Bursts: everything of a half second arrives at its end.
    const auto since = on_time - kStart;
    bursts.OnAccessUnit(kStart + (since / 500ms + 1) * 500ms, u);
    // Jitter: up to 300 ms late, never before the previous unit (TCP keeps order).
    last = std::max(last, on_time + std::chrono::milliseconds(jitter_ms(rng)));
    jittered.OnAccessUnit(last, u);
  }
  const Time now = kStart + 12s + 500ms;
  const IngestFigures a = whole.Figures(now), b = bursts.Figures(now), c = jittered.Figures(now);
  for (const IngestFigures* f : {&a, &b, &c}) {
    EXPECT_NEAR(f->fps, 30, 0.01);
    ASSERT_TRUE(f->keyframe_interval_s);
    EXPECT_DOUBLE_EQ(*f->keyframe_interval_s, 2.0);
    EXPECT_NEAR(f->bitrate_kbps, kTotalKbps, kTotalKbps * 0.15);
    EXPECT_NEAR(f->media_kbps, kTotalKbps, kTotalKbps * 0.05);
    EXPECT_GT(f->drift_ms, -100);
    EXPECT_LT(f->drift_ms, 900);
    EXPECT_LT(std::abs(f->drift_rate_ms_per_s), 100);
  }
}

// A starved link (RTMP over a throttled TCP path): media arrives at 60 % of real time. Drift
// grows by 0.4 s every second, the arrival rate is 60 % of what the encoder produces, and the
// frame rate (media time) stays the encoder's.
TEST(IngestMeter, DriftGrowsWhenMediaArrivesSlowerThanItsTimestamps) {
  IngestMeter meter;
  const auto units = Units(20);
  std::vector<double> drifts;
  for (const auto& u : units) {
    const Time at = MediaTime(kStart, u, 123'456, 0.6);
    meter.OnAccessUnit(at, u);
    if (u.kind == media::TrackKind::kVideo && u.keyframe)
      drifts.push_back(meter.Figures(at).drift_ms);
  }
  ASSERT_GE(drifts.size(), 5u);
  for (size_t i = 1; i < drifts.size(); ++i) EXPECT_GT(drifts[i], drifts[i - 1]);
  const Time end = MediaTime(kStart, units.back(), 123'456, 0.6);
  const IngestFigures f = meter.Figures(end);
  const double wall_s = std::chrono::duration<double>(end - kStart).count();
  EXPECT_NEAR(f.drift_ms, wall_s * 1000 * 0.4, 100);  // 20 s of media over 33 s
  EXPECT_NEAR(f.drift_rate_ms_per_s, 400, 20);
  EXPECT_NEAR(f.bitrate_kbps, 0.6 * kTotalKbps, kTotalKbps * 0.05);
  EXPECT_NEAR(f.media_kbps, kTotalKbps, kTotalKbps * 0.05);
  EXPECT_NEAR(f.fps, 30, 0.01);
}

TEST(IngestMeter, StallEmptiesTheWindowAndDriftKeepsGrowing) {
  IngestMeter meter;
  const auto units = Units(5);
  for (const auto& u : units) meter.OnAccessUnit(MediaTime(kStart, u, 123'456), u);
  const IngestFigures f = meter.Figures(kStart + 11s);  // 6 s without media
  EXPECT_EQ(f.bitrate_kbps, 0);
  EXPECT_EQ(f.fps, 0);
  EXPECT_NEAR(f.drift_ms, 6000, 50);
  ASSERT_TRUE(f.keyframe_interval_s);  // the last known interval stays
}

// A publisher whose timestamps jump (an encoder restarting its clock inside one connection)
// is not reported as drifting: the jump is bridged by the wall time that passed.
TEST(IngestMeter, TimestampJumpsAreNotDrift) {
  IngestMeter meter;
  const auto before = Units(5, 1'000'000);
  for (const auto& u : before) meter.OnAccessUnit(MediaTime(kStart, u, 1'000'000), u);
  const Time resume = kStart + 5s;
  for (int64_t first : {int64_t{1'000'000} + 3600 * media::kTimescale, int64_t{10}}) {
    const auto after = Units(5, first);
    const Time base = resume + (first == 10 ? 5s : 0s);
    for (const auto& u : after) meter.OnAccessUnit(MediaTime(base, u, first), u);
  }
  const IngestFigures f = meter.Figures(resume + 10s);
  EXPECT_LT(std::abs(f.drift_ms), 200);
  EXPECT_NEAR(f.fps, 30, 0.5);
}

TEST(IngestMeter, ResetStartsANewConnection) {
  IngestMeter meter;
  meter.OnVideoConfig(media::Codec::kH265, 1920, 1080);
  const auto units = Units(5);
  for (const auto& u : units) meter.OnAccessUnit(MediaTime(kStart, u, 123'456, 0.5), u);
  EXPECT_GT(meter.Figures(kStart + 10s).drift_ms, 4000);
  meter.Reset();
  const Time again = kStart + 60s;
  for (const auto& u : units) meter.OnAccessUnit(MediaTime(again, u, 123'456), u);
  const IngestFigures f = meter.Figures(again + 5s);
  EXPECT_LT(std::abs(f.drift_ms), 50);
  EXPECT_FALSE(f.video_codec);
  EXPECT_EQ(f.units, static_cast<int64_t>(units.size()));
}

// More units than the ring keeps (300 fps): the window shortens, the rates stay right.
TEST(IngestMeter, HighFrameRateBeyondTheRing) {
  IngestMeter meter;
  for (int i = 0; i < 300 * 6; ++i) {
    media::AccessUnit u;
    u.dts = int64_t{i} * 300;
    u.keyframe = i % 300 == 0;
    u.data = base::Buffer::Copy(std::vector<uint8_t>(1000));
    meter.OnAccessUnit(kStart + std::chrono::microseconds(int64_t{i} * 10'000 / 3), u);
  }
  const IngestFigures f = meter.Figures(kStart + 6s);
  EXPECT_NEAR(f.fps, 300, 0.5);
  EXPECT_NEAR(f.bitrate_kbps, 2400, 2400 * 0.02);
  EXPECT_NEAR(*f.keyframe_interval_s, 1.0, 1e-9);
}

}  // namespace
}  // namespace steadycast::health
