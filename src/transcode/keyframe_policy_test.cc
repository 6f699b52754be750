#include "transcode/keyframe_policy.h"

#include <vector>

#include <gtest/gtest.h>

namespace steadycast::transcode {
namespace {

media::AccessUnit Video(int64_t dts, bool key) {
  media::AccessUnit u;
  u.pts = dts;
  u.dts = dts;
  u.keyframe = key;
  return u;
}

constexpr int64_t kSecond = media::kTimescale;

TEST(SegmentCutMirror, CutsAtFirstKeyframeAtOrAfterTarget) {
  SegmentCutMirror mirror(2 * kSecond, 12 * kSecond);
  EXPECT_FALSE(mirror.OnSourceVideo(Video(0, false)));  // before the first keyframe
  EXPECT_TRUE(mirror.OnSourceVideo(Video(3000, true)));
  EXPECT_FALSE(mirror.OnSourceVideo(Video(3000 + kSecond, true)));     // 1 s: too early
  EXPECT_TRUE(mirror.OnSourceVideo(Video(3000 + 2 * kSecond, true)));  // exactly target
  EXPECT_FALSE(mirror.OnSourceVideo(Video(3000 + 3 * kSecond, false)));
  EXPECT_FALSE(mirror.OnSourceVideo(Video(3000 + 4 * kSecond - 1, true)));  // 1 tick short
  EXPECT_TRUE(mirror.OnSourceVideo(Video(3000 + 5 * kSecond, true)));
}

TEST(SegmentCutMirror, TimelineBreakAndResetStartAfresh) {
  SegmentCutMirror mirror(2 * kSecond, 12 * kSecond);
  EXPECT_TRUE(mirror.OnSourceVideo(Video(100 * kSecond, true)));
  EXPECT_FALSE(mirror.OnSourceVideo(Video(101 * kSecond, true)));
  EXPECT_TRUE(mirror.IsTimelineBreak(Video(5 * kSecond, true)));
  EXPECT_TRUE(mirror.OnSourceVideo(Video(5 * kSecond, true)));  // backwards: new timeline
  EXPECT_FALSE(mirror.IsTimelineBreak(Video(17 * kSecond, false)));
  EXPECT_TRUE(mirror.IsTimelineBreak(Video(17 * kSecond + 1, false)));
  EXPECT_TRUE(mirror.OnSourceVideo(Video(30 * kSecond, true)));  // forward jump
  mirror.Reset();
  EXPECT_TRUE(mirror.OnSourceVideo(Video(30 * kSecond + 3000, true)));
}

TEST(CadenceCutter, FixedCadenceByPts) {
  CadenceCutter cutter(2 * kSecond);
  std::vector<int64_t> cuts;
  for (int64_t pts = 7; pts < 7 + 7 * kSecond; pts += 3003) {
    if (cutter.OnFrame(pts)) cuts.push_back(pts);
  }
  ASSERT_EQ(cuts.size(), 4u);
  for (size_t i = 1; i < cuts.size(); ++i) {
    EXPECT_GE(cuts[i] - cuts[i - 1], 2 * kSecond);
    EXPECT_LT(cuts[i] - cuts[i - 1], 2 * kSecond + 3003);
  }
  EXPECT_TRUE(cutter.OnFrame(0));  // backwards restarts
  cutter.Reset();
  EXPECT_TRUE(cutter.OnFrame(3003));
}

TEST(FrameDecimator, KeepsEveryNthAndAlwaysForced) {
  FrameDecimator half(2);
  std::vector<bool> kept;
  for (int i = 0; i < 5; ++i) kept.push_back(half.Keep(false));
  EXPECT_EQ(kept, (std::vector<bool>{true, false, true, false, true}));
  EXPECT_FALSE(half.Keep(false));
  EXPECT_TRUE(half.Keep(true));  // forced frame restarts the phase even when it was odd
  EXPECT_FALSE(half.Keep(false));
  FrameDecimator all(1);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(all.Keep(false));
}

}  // namespace
}  // namespace steadycast::transcode
