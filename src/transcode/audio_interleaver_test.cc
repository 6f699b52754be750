#include "transcode/audio_interleaver.h"

#include <vector>

#include <gtest/gtest.h>

namespace steadycast::transcode {
namespace {

media::AccessUnit Audio(int64_t dts) {
  media::AccessUnit u;
  u.kind = media::TrackKind::kAudio;
  u.pts = u.dts = dts;
  return u;
}

std::vector<int64_t> Dts(const std::vector<media::AccessUnit>& units) {
  std::vector<int64_t> out;
  for (const auto& u : units) out.push_back(u.dts);
  return out;
}

TEST(AudioInterleaver, HoldsAudioUntilVideoCatchesUp) {
  AudioInterleaver il(5 * media::kTimescale);
  std::vector<media::AccessUnit> out;
  il.AddAudio(Audio(1000), out);
  il.AddAudio(Audio(2920), out);
  il.AddAudio(Audio(4840), out);
  EXPECT_TRUE(out.empty());  // no video yet
  il.BeforeVideo(3000, out);
  EXPECT_EQ(Dts(out), (std::vector<int64_t>{1000, 2920}));
  out.clear();
  il.AddAudio(Audio(6760), out);
  EXPECT_TRUE(out.empty());
  il.BeforeVideo(6000, out);
  EXPECT_EQ(Dts(out), (std::vector<int64_t>{4840}));
  out.clear();
  il.BeforeVideo(9000, out);
  il.AddAudio(Audio(8680), out);  // video already past it: out at once
  EXPECT_EQ(Dts(out), (std::vector<int64_t>{6760, 8680}));
  EXPECT_EQ(il.held(), 0u);
}

TEST(AudioInterleaver, BoundedHoldAndDrain) {
  AudioInterleaver il(media::kTimescale);  // 1 s
  std::vector<media::AccessUnit> out;
  for (int64_t t = 0; t <= 2 * media::kTimescale; t += 1920) il.AddAudio(Audio(t), out);
  EXPECT_FALSE(out.empty());
  EXPECT_LE(il.held() * 1920, static_cast<size_t>(media::kTimescale) + 1920);
  const size_t released = out.size();
  il.Drain(out);
  EXPECT_GT(out.size(), released);
  EXPECT_EQ(il.held(), 0u);
  for (size_t i = 1; i < out.size(); ++i) EXPECT_LT(out[i - 1].dts, out[i].dts);
}

TEST(AudioInterleaver, AudioOfANewTimelineWaitsForTheFlush) {
  AudioInterleaver il(media::kTimescale);
  std::vector<media::AccessUnit> out;
  il.BeforeVideo(100 * media::kTimescale, out);
  il.AddAudio(Audio(5), out);  // a returning publisher's clock starts over
  EXPECT_TRUE(out.empty());
  il.Drain(out);
  EXPECT_EQ(Dts(out), (std::vector<int64_t>{5}));
}

}  // namespace
}  // namespace steadycast::transcode
