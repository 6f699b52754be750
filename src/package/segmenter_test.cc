#include "package/segmenter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "formats/fmp4/fmp4_test_util.h"

namespace steadycast::package {
namespace {

using formats::fmp4::testing::AudioUnit;
using formats::fmp4::testing::VideoUnit;
using media::AccessUnit;

constexpr int64_t kFrame = 3000;       // 30 fps
constexpr int64_t kAudioFrame = 1920;  // 1024 samples at 48 kHz

// 30 fps video with a keyframe every 60 frames starting at `t0`.
std::vector<AccessUnit> Video(int frames, int64_t t0 = 0, int gop = 60) {
  std::vector<AccessUnit> units;
  for (int i = 0; i < frames; ++i) {
    const int64_t dts = t0 + i * kFrame;
    units.push_back(VideoUnit(dts, dts, i % gop == 0, static_cast<uint8_t>(i)));
  }
  return units;
}

std::vector<AccessUnit> Audio(int64_t t0, int64_t until) {
  std::vector<AccessUnit> units;
  for (int64_t dts = t0; dts < until; dts += kAudioFrame) {
    units.push_back(AudioUnit(dts, static_cast<uint8_t>(dts / kAudioFrame)));
  }
  return units;
}

// Interleaves by arrival time = dts (+ `audio_lag` for audio), stable for ties.
std::vector<AccessUnit> Interleave(const std::vector<AccessUnit>& video,
                                   const std::vector<AccessUnit>& audio, int64_t audio_lag) {
  std::vector<AccessUnit> out;
  size_t v = 0, a = 0;
  while (v < video.size() || a < audio.size()) {
    const bool take_video =
        a == audio.size() || (v < video.size() && video[v].dts <= audio[a].dts + audio_lag);
    out.push_back(take_video ? video[v++] : audio[a++]);
  }
  return out;
}

struct FeedResult {
  std::vector<SegmentMedia> segments;
  SegmenterStats stats;
};

FeedResult Feed(const std::vector<AccessUnit>& units, bool video = true, bool audio = true,
                SegmenterOptions options = {}, bool flush = true, bool wait_for_video = false) {
  Segmenter segmenter(options);
  segmenter.SetTracks(video, audio, kAudioFrame, wait_for_video);
  FeedResult run;
  for (const AccessUnit& unit : units) segmenter.Add(unit, unit.dts / 90, run.segments);
  if (flush) segmenter.Flush(run.segments);
  run.stats = segmenter.stats();
  return run;
}

// "[start,end) v=N a=M" per segment, plus flags.
std::string Describe(const std::vector<SegmentMedia>& segments) {
  std::string out;
  for (const SegmentMedia& s : segments) {
    out += "[" + std::to_string(s.start_dts) + "," + std::to_string(s.end_dts) +
           ") v=" + std::to_string(s.video.size());
    if (!s.audio.empty()) out += " a=" + std::to_string(s.audio.size());
    if (s.forced) out += " forced";
    if (s.discontinuity) out += " disc";
    out += "\n";
  }
  return out;
}

void ExpectAudioInsideSegments(const std::vector<SegmentMedia>& segments) {
  for (const SegmentMedia& s : segments) {
    for (const AccessUnit& a : s.audio) {
      EXPECT_GE(a.dts, s.start_dts);
      EXPECT_LT(a.dts, s.end_dts);
    }
    for (size_t i = 1; i < s.audio.size(); ++i) EXPECT_LT(s.audio[i - 1].dts, s.audio[i].dts);
  }
}

TEST(SegmenterTest, CutsAtKeyframesAfterTarget) {
  const auto video = Video(300);  // 10 s
  const FeedResult run = Feed(Interleave(video, Audio(0, 900000), 0));
  EXPECT_EQ(Describe(run.segments),
            "[0,180000) v=60 a=94\n"
            "[180000,360000) v=60 a=94\n"
            "[360000,540000) v=60 a=94\n"
            "[540000,720000) v=60 a=93\n"
            "[720000,900000) v=60 a=94\n");
  ExpectAudioInsideSegments(run.segments);
  EXPECT_EQ(run.segments[0].next_video_dts, 180000);
  EXPECT_EQ(run.segments[0].start_wall_ms, 0);
  EXPECT_EQ(run.segments[1].start_wall_ms, 2000);
  EXPECT_FALSE(run.segments[4].next_video_dts.has_value());  // flushed at the end
}

// The interleaving of audio and video (audio ahead or behind by up to 0.5 s) must not change
// which segment any unit lands in: the segmenter's analogue of "any split, same result".
TEST(SegmenterTest, SameSegmentsForAnyInterleaving) {
  const auto video = Video(240);
  const auto audio = Audio(0, 720000);
  const FeedResult reference = Feed(Interleave(video, audio, 0));
  ASSERT_EQ(reference.segments.size(), 4u);
  for (int64_t lag : {-45000, -9000, -1, 1, 4000, 20000, 45000}) {
    const FeedResult run = Feed(Interleave(video, audio, lag));
    EXPECT_EQ(Describe(run.segments), Describe(reference.segments)) << "lag " << lag;
    ExpectAudioInsideSegments(run.segments);
    EXPECT_EQ(run.stats.dropped_audio, 0u) << "lag " << lag;
  }
}

TEST(SegmenterTest, LongKeyframeIntervalMakesLongerSegments) {
  const FeedResult run = Feed(Video(300, 0, 75), true, false);  // keyframe every 2.5 s
  EXPECT_EQ(Describe(run.segments),
            "[0,225000) v=75\n[225000,450000) v=75\n[450000,675000) v=75\n"
            "[675000,900000) v=75\n");
}

// A keyframe marked segment_start cuts before the target (the transcoder's slate switch
// points) and starts a discontinuity (every rendition marks it, as the passthrough must);
// an unmarked one at the same place does not cut.
TEST(SegmenterTest, SegmentStartKeyframeCutsEarlyAsADiscontinuity) {
  auto video = Video(150);         // keyframes at 0, 2, 4 s
  video[20].keyframe = true;       // at 0.667 s: not a cut
  video[70].keyframe = true;       // at 2.333 s
  video[70].segment_start = true;  // a cut although only 0.333 s after the last one
  const FeedResult run = Feed(Interleave(video, Audio(0, 450000), 0));
  EXPECT_EQ(Describe(run.segments),
            "[0,180000) v=60 a=94\n"
            "[180000,210000) v=10 a=16\n"
            "[210000,450000) v=80 a=125 disc\n");  // 4 s is < 2 s after the early cut
  ExpectAudioInsideSegments(run.segments);
  // A segment_start keyframe that opens a segment is not a second cut.
  auto first = Video(90);
  first[0].segment_start = true;
  EXPECT_EQ(Describe(Feed(first, true, false).segments), "[0,180000) v=60\n[180000,270000) v=30\n");
}

TEST(SegmenterTest, DropsUnitsBeforeTheFirstKeyframeButKeepsAudioAfterIt) {
  std::vector<AccessUnit> units;
  units.push_back(AudioUnit(-3840, 1));
  units.push_back(VideoUnit(-3000, -3000, false, 1));
  units.push_back(AudioUnit(1920, 2));  // ahead of the keyframe: kept
  units.push_back(VideoUnit(0, 0, true, 2));
  units.push_back(VideoUnit(3000, 3000, false, 3));
  const FeedResult run = Feed(units);
  ASSERT_EQ(run.segments.size(), 1u);
  EXPECT_EQ(run.segments[0].start_dts, 0);
  EXPECT_EQ(run.segments[0].video.size(), 2u);
  ASSERT_EQ(run.segments[0].audio.size(), 1u);
  EXPECT_EQ(run.segments[0].audio[0].dts, 1920);
  EXPECT_EQ(run.stats.dropped_before_keyframe, 1u);
  EXPECT_EQ(run.stats.dropped_audio, 1u);
}

TEST(SegmenterTest, AudioOnlyCutsOnTime) {
  const FeedResult run = Feed(Audio(0, 450000), false, true);
  ASSERT_EQ(run.segments.size(), 3u);
  // 94 frames reach 2 s (180480 ticks); the cut is at the first frame ≥ 2 s.
  EXPECT_EQ(Describe(run.segments),
            "[0,180480) v=0 a=94\n[180480,360960) v=0 a=94\n[360960,451200) v=0 a=47\n");
}

TEST(SegmenterTest, AudioOnlyWaitsForAVideoTrackThatMayAppear) {
  SegmenterOptions options;
  options.audio_only_wait_ticks = 180000;
  Segmenter segmenter(options);
  segmenter.SetTracks(false, true, kAudioFrame, /*wait_for_video=*/true);
  std::vector<SegmentMedia> closed;
  for (const AccessUnit& a : Audio(0, 90000)) segmenter.Add(a, 0, closed);
  EXPECT_FALSE(segmenter.open());  // still holding audio
  // Video shows up (MPEG-TS learns the SPS at the first IDR): held audio before it is dropped.
  segmenter.SetTracks(true, true, kAudioFrame, false);
  segmenter.Add(VideoUnit(45000, 45000, true, 1), 0, closed);
  EXPECT_TRUE(segmenter.open());
  segmenter.Flush(closed);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].start_dts, 45000);
  EXPECT_EQ(closed[0].audio.front().dts, 46080);

  // Without video the held audio starts an audio-only stream once the wait is over.
  Segmenter alone(options);
  alone.SetTracks(false, true, kAudioFrame, true);
  std::vector<SegmentMedia> out;
  for (const AccessUnit& a : Audio(0, 400000)) alone.Add(a, 0, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].start_dts, 0);
  EXPECT_EQ(out[0].audio.size(), 94u);
}

TEST(SegmenterTest, ForcesCutsWithoutKeyframes) {
  SegmenterOptions options;
  options.max_ticks = 5 * 90000;
  auto video = Video(600, 0, 100000);  // one keyframe, then 20 s without
  const FeedResult run = Feed(video, true, false, options);
  EXPECT_EQ(Describe(run.segments),
            "[0,450000) v=150 forced\n[450000,900000) v=150 forced\n"
            "[900000,1350000) v=150 forced\n[1350000,1800000) v=150\n");
  EXPECT_EQ(run.stats.forced_cuts, 3u);

  SegmenterOptions small;
  small.max_bytes = 1000;  // each unit is 16 bytes: 62 fit
  const FeedResult by_bytes = Feed(Video(100, 0, 1000), true, false, small);
  ASSERT_GE(by_bytes.segments.size(), 2u);
  EXPECT_TRUE(by_bytes.segments[0].forced);
  for (const SegmentMedia& s : by_bytes.segments) EXPECT_LE(s.bytes, 1000u);
}

TEST(SegmenterTest, TimelineBreakClosesAndMarksDiscontinuity) {
  std::vector<AccessUnit> units = Video(90);
  const auto restart = Video(90, 0);  // the publisher came back with timestamps from 0
  units.insert(units.end(), restart.begin(), restart.end());
  const FeedResult run = Feed(units, true, false);
  EXPECT_EQ(Describe(run.segments),
            "[0,180000) v=60\n[180000,270000) v=30\n[0,180000) v=60 disc\n"
            "[180000,270000) v=30\n");
  EXPECT_EQ(run.stats.timeline_breaks, 1u);

  // A forward jump beyond max_ticks is a break too.
  std::vector<AccessUnit> jump = Video(30);
  const auto later = Video(30, 50 * 90000);
  jump.insert(jump.end(), later.begin(), later.end());
  EXPECT_EQ(Describe(Feed(jump, true, false).segments),
            "[0,90000) v=30\n[4500000,4590000) v=30 disc\n");
}

TEST(SegmenterTest, CutStopsWaitingForAudioThatStopped) {
  auto video = Video(150);
  auto audio = Audio(0, 100000);  // audio ends after ~1.1 s
  const FeedResult run = Feed(Interleave(video, audio, 0), true, true, {}, /*flush=*/false);
  // The cut at 2 s closes once video ran interleave_wait (1 s) past it.
  ASSERT_EQ(run.segments.size(), 2u);
  EXPECT_EQ(run.segments[0].end_dts, 180000);
  EXPECT_EQ(run.segments[0].audio.size(), 53u);
  // With no audio at all in the next segment, its cut does not wait.
  EXPECT_EQ(run.segments[1].end_dts, 360000);
}

}  // namespace
}  // namespace steadycast::package
