#include "transcode/video_encoder.h"

#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "transcode/transcode_test_util.h"

namespace steadycast::transcode {
namespace {

struct Encoded {
  std::vector<media::AccessUnit> units;
  media::VideoTrackConfig config;
};

// Encodes `frames` pictures of 320x180 at 30 fps, forcing IDRs at `forced` indices whose
// anchors are pts − 1500 + jitter (a source whose dts trail pts, with ±1 ms jitter).
Encoded Encode(const char* preset, const std::set<int>& forced, int frames = 90) {
  EncoderSettings s;
  s.width = 320;
  s.height = 180;
  s.video_kbps = 300;
  s.maxrate_kbps = 330;
  s.bufsize_kbits = 660;
  s.frame_rate = 30;
  s.preset = preset;
  av_log_set_level(AV_LOG_ERROR);
  auto encoder = VideoEncoder::Open(s);
  EXPECT_TRUE(encoder.ok()) << encoder.status().ToString();
  if (!encoder.ok()) return {};
  Encoded run;
  run.config = (*encoder)->config();
  av::FramePtr frame(av_frame_alloc());
  frame->width = 320;
  frame->height = 180;
  frame->format = AV_PIX_FMT_YUV420P;
  EXPECT_GE(av_frame_get_buffer(frame.get(), 0), 0);
  for (int i = 0; i < frames; ++i) {
    EXPECT_GE(av_frame_make_writable(frame.get()), 0);
    testing::FillPattern(*frame, i);
    frame->pts = 1000 + i * 3000;
    const int64_t anchor = frame->pts - 1500 + (i % 2 ? 90 : -90);
    EXPECT_TRUE((*encoder)->Encode(*frame, forced.count(i) > 0, anchor, run.units).ok());
  }
  EXPECT_TRUE((*encoder)->Drain(run.units).ok());
  return run;
}

void ExpectValidTimestamps(const std::vector<media::AccessUnit>& units) {
  for (size_t i = 0; i < units.size(); ++i) {
    EXPECT_LE(units[i].dts, units[i].pts) << i;
    if (i > 0) {
      EXPECT_GT(units[i].dts, units[i - 1].dts) << i;
    }
  }
}

TEST(VideoEncoder, IdrOnlyWhereForcedAndConfigFromSps) {
  const std::set<int> forced = {0, 31, 77};
  Encoded run = Encode("ultrafast", forced);
  ASSERT_EQ(run.units.size(), 90u);
  EXPECT_EQ(run.config.width, 320);
  EXPECT_EQ(run.config.height, 180);
  ASSERT_TRUE(run.config.frame_rate.has_value());
  EXPECT_NEAR(*run.config.frame_rate, 30.0, 1e-6);
  EXPECT_EQ(run.config.codec, media::Codec::kH264);
  std::set<int64_t> key_pts;
  for (const auto& u : run.units) {
    if (u.keyframe) key_pts.insert(u.pts);
  }
  EXPECT_EQ(key_pts, (std::set<int64_t>{1000, 1000 + 31 * 3000, 1000 + 77 * 3000}));
  ExpectValidTimestamps(run.units);
  auto decoded = testing::DecodeBack(run.config, run.units);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->frames, 90);
  EXPECT_EQ(decoded->width, 320);
}

TEST(VideoEncoder, BFramesKeepIdrDtsSpacingOfAnchors) {
  const std::set<int> forced = {0, 30, 61};
  Encoded run = Encode("veryfast", forced);
  ASSERT_EQ(run.units.size(), 90u);
  ExpectValidTimestamps(run.units);
  bool reordered = false;
  std::vector<const media::AccessUnit*> keys;
  for (const auto& u : run.units) {
    reordered = reordered || u.pts != u.dts;
    if (u.keyframe) keys.push_back(&u);
  }
  EXPECT_TRUE(reordered) << "veryfast should use B-frames";
  ASSERT_EQ(keys.size(), 3u);
  // Anchors: pts − 1500 ± 90 (index parity): spacing of dts equals spacing of anchors.
  auto anchor = [](const media::AccessUnit* u) {
    const int64_t i = (u->pts - 1000) / 3000;
    return u->pts - 1500 + (i % 2 ? 90 : -90);
  };
  for (size_t i = 1; i < keys.size(); ++i) {
    EXPECT_EQ(keys[i]->dts - keys[0]->dts, anchor(keys[i]) - anchor(keys[0]));
  }
}

TEST(VideoEncoder, RejectsBadSettingsAndExtradata) {
  EncoderSettings odd;
  odd.width = 321;
  odd.height = 180;
  EXPECT_FALSE(VideoEncoder::Open(odd).ok());
  EXPECT_FALSE(ConfigFromExtradata({}).ok());
  const uint8_t junk[] = {0, 0, 0, 1, 0x09, 0xF0};
  EXPECT_FALSE(ConfigFromExtradata(junk).ok());
}

TEST(VideoEncoder, MatchConstraintFlagsClaimsOnlyWhatHolds) {
  // Clearing is always fine; x264's own flags stay claimable.
  EXPECT_EQ(MatchConstraintFlags(0x40, {77, 0x00, 31}, false), 0x00);
  EXPECT_EQ(MatchConstraintFlags(0xC0, {66, 0xC0, 30}, false), 0xC0);
  // Baseline: Extended conformance holds for x264's output.
  EXPECT_EQ(MatchConstraintFlags(0xC0, {66, 0xE0, 30}, false), 0xE0);
  // Main/High: progressive always, no B slices only without B-frames.
  EXPECT_EQ(MatchConstraintFlags(0x00, {100, 0x08, 40}, false), 0x08);
  EXPECT_EQ(MatchConstraintFlags(0x00, {100, 0x0C, 40}, true), 0x0C);
  EXPECT_EQ(MatchConstraintFlags(0x00, {100, 0x0C, 40}, false), std::nullopt);
  EXPECT_EQ(MatchConstraintFlags(0x40, {77, 0x4C, 31}, true), 0x4C);
  // Never: Baseline/Main conformance x264 did not claim, level 1b / intra-only.
  EXPECT_EQ(MatchConstraintFlags(0x00, {100, 0x40, 40}, true), std::nullopt);
  EXPECT_EQ(MatchConstraintFlags(0x00, {100, 0x10, 40}, true), std::nullopt);
  EXPECT_EQ(MatchConstraintFlags(0x40, {77, 0x80, 31}, true), std::nullopt);
}

TEST(VideoEncoder, MatchesAnotherStreamsCodecStringAtAnyPreset) {
  av_log_set_level(AV_LOG_ERROR);
  const H264Signature cases[] = {
      {100, 0x00, 30}, {100, 0x0C, 31}, {77, 0x40, 30}, {66, 0xC0, 30}, {66, 0xE0, 21}};
  for (const char* preset : {"ultrafast", "veryfast"}) {
    for (const H264Signature& want : cases) {
      EncoderSettings s;
      s.width = 640;
      s.height = 360;
      s.video_kbps = 800;
      s.maxrate_kbps = 880;
      s.bufsize_kbits = 1760;
      s.preset = preset;
      s.low_latency = true;
      s.match = want;
      auto encoder = VideoEncoder::Open(s);
      ASSERT_TRUE(encoder.ok()) << encoder.status().ToString();
      const media::VideoTrackConfig& config = (*encoder)->config();
      SCOPED_TRACE(std::string(preset) + " " + config.CodecString());
      EXPECT_EQ(config.profile_idc, want.profile_idc);
      EXPECT_EQ(config.constraint_flags, want.constraint_flags);
      EXPECT_EQ(config.level_idc, want.level_idc);
      // The avcC record says the same as its SPS.
      ASSERT_GE(config.avcc.size(), 4u);
      EXPECT_EQ(config.avcc.data()[1], want.profile_idc);
      EXPECT_EQ(config.avcc.data()[2], want.constraint_flags);
      EXPECT_EQ(config.avcc.data()[3], want.level_idc);
    }
  }
}

}  // namespace
}  // namespace steadycast::transcode
