#include "transcode/ladder.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace steadycast::transcode {
namespace {

media::VideoTrackConfig Source(int width, int height, std::optional<double> fps = 30.0,
                               media::Codec codec = media::Codec::kH264) {
  media::VideoTrackConfig c;
  c.codec = codec;
  c.width = width;
  c.height = height;
  c.frame_rate = fps;
  return c;
}

LadderPlan Plan(const LadderSetting& setting, const media::VideoTrackConfig& source,
                SourceCadence cadence = {}) {
  auto plan = PlanLadder(setting, source, cadence);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  return plan.ok() ? *plan : LadderPlan{};
}

std::vector<std::string> Names(const LadderPlan& plan) {
  std::vector<std::string> names;
  for (const auto& r : plan.renditions) names.push_back(r.name);
  return names;
}

TEST(ParseLadderSetting, NamedSettings) {
  for (const char* text : {"\"default\"", "default", "", "  \"default\" \n"}) {
    auto s = ParseLadderSetting(text);
    ASSERT_TRUE(s.ok()) << text;
    EXPECT_EQ(s->kind, LadderKind::kDefault) << text;
  }
  for (const char* text : {"\"passthrough\"", "passthrough"}) {
    auto s = ParseLadderSetting(text);
    ASSERT_TRUE(s.ok()) << text;
    EXPECT_EQ(s->kind, LadderKind::kPassthrough);
  }
}

TEST(ParseLadderSetting, CustomListSortedHighestFirst) {
  auto s = ParseLadderSetting(
      R"([{"height":360,"video_kbps":700},{"video_kbps":3000,"height":720,"note":"x"}])");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->kind, LadderKind::kCustom);
  EXPECT_EQ(s->rungs, (std::vector<RungSpec>{{720, 3000}, {360, 700}}));
}

TEST(ParseLadderSetting, RejectsMalformed) {
  const char* bad[] = {
      "\"fancy\"",
      "{\"height\":720}",
      "[]",
      "[1]",
      "[{\"height\":720}]",
      "[{\"height\":720,\"video_kbps\":99}]",
      "[{\"height\":100,\"video_kbps\":500}]",
      "[{\"height\":4320,\"video_kbps\":500}]",
      "[{\"height\":720.5,\"video_kbps\":500}]",
      "[{\"height\":\"720\",\"video_kbps\":500}]",
      "[{\"height\":-720,\"video_kbps\":500}]",
      "[{\"height\":720,\"video_kbps\":18446744073709551615}]",
      "[{\"height\":720,\"video_kbps\":500},{\"height\":720,\"video_kbps\":900}]",
      "[{\"height\":720,\"video_kbps\":500}",
      "null",
  };
  for (const char* text : bad) {
    auto s = ParseLadderSetting(text);
    EXPECT_FALSE(s.ok()) << text;
    if (!s.ok()) {
      EXPECT_EQ(s.status().code(), base::ErrorCode::kInvalidArgument) << text;
    }
  }
  std::string nine = "[";
  for (int i = 0; i < 9; ++i)
    nine += (i ? "," : "") + std::string("{\"height\":") + std::to_string(200 + i * 10) +
            ",\"video_kbps\":500}";
  EXPECT_FALSE(ParseLadderSetting(nine + "]").ok());
  EXPECT_FALSE(ParseLadderSetting(std::string(kMaxLadderJsonBytes + 1, ' ')).ok());
  EXPECT_FALSE(ParseLadderSetting(std::string(2000, '[') + std::string(2000, ']')).ok());
}

TEST(PlanLadder, Default720pSource) {
  const LadderPlan plan = Plan({}, Source(1280, 720));
  EXPECT_EQ(Names(plan), (std::vector<std::string>{"src", "720p", "480p", "360p", "240p"}));
  EXPECT_TRUE(plan.has_passthrough());
  EXPECT_EQ(plan.transcoded_count(), 4u);
  EXPECT_TRUE(plan.warnings.empty());
  const auto& r = plan.renditions;
  EXPECT_EQ(r[0].width, 1280);
  EXPECT_EQ(r[0].height, 720);
  EXPECT_EQ(r[0].video_kbps, 0);
  EXPECT_EQ(r[1].width, 1280);
  EXPECT_EQ(r[1].height, 720);
  EXPECT_EQ(r[1].video_kbps, 3000);
  EXPECT_EQ(r[1].maxrate_kbps, 3300);
  EXPECT_EQ(r[1].bufsize_kbits, 6600);
  EXPECT_EQ(r[2].width, 854);
  EXPECT_EQ(r[2].height, 480);
  EXPECT_EQ(r[3].width, 640);
  EXPECT_EQ(r[3].height, 360);
  EXPECT_EQ(r[4].width, 426);
  EXPECT_EQ(r[4].height, 240);
  for (const auto& rendition : r) {
    EXPECT_EQ(rendition.frame_rate_divisor, 1);
    EXPECT_EQ(rendition.frame_rate, 30.0);
  }
}

TEST(PlanLadder, Default360pSourceNeverUpscales) {
  const LadderPlan plan = Plan({}, Source(640, 360));
  EXPECT_EQ(Names(plan), (std::vector<std::string>{"src", "360p", "240p"}));
}

TEST(PlanLadder, Default1080p60HalvesFrameRateAtAndBelow480p) {
  const LadderPlan plan = Plan({}, Source(1920, 1080, 60.0));
  EXPECT_EQ(Names(plan), (std::vector<std::string>{"src", "720p", "480p", "360p", "240p"}));
  EXPECT_EQ(plan.renditions[0].frame_rate, 60.0);
  EXPECT_EQ(plan.renditions[1].frame_rate_divisor, 1);
  EXPECT_EQ(plan.renditions[1].frame_rate, 60.0);
  for (size_t i = 2; i < plan.renditions.size(); ++i) {
    EXPECT_EQ(plan.renditions[i].frame_rate_divisor, 2) << plan.renditions[i].name;
    EXPECT_EQ(plan.renditions[i].frame_rate, 30.0) << plan.renditions[i].name;
  }
  const LadderPlan ntsc = Plan({}, Source(1920, 1080, 59.94));
  EXPECT_EQ(ntsc.renditions[2].frame_rate_divisor, 2);
  const LadderPlan p25 = Plan({}, Source(1920, 1080, 29.97));
  EXPECT_EQ(p25.renditions[4].frame_rate_divisor, 1);
  const LadderPlan fast = Plan({}, Source(1920, 1080, 120.0));
  EXPECT_EQ(fast.renditions[4].frame_rate_divisor, 4);
  const LadderPlan unknown = Plan({}, Source(1920, 1080, std::nullopt));
  EXPECT_EQ(unknown.renditions[4].frame_rate_divisor, 1);
  EXPECT_FALSE(unknown.renditions[4].frame_rate.has_value());
}

TEST(PlanLadder, LargerThan1080pIsNotPassedThrough) {
  const LadderPlan plan = Plan({}, Source(2560, 1440));
  EXPECT_EQ(Names(plan), (std::vector<std::string>{"720p", "480p", "360p", "240p"}));
  ASSERT_EQ(plan.warnings.size(), 1u);
  EXPECT_NE(plan.warnings[0].find("larger than 1080p"), std::string::npos);
}

TEST(PlanLadder, OddAspectUsesDisplayAspectAndEvenSizes) {
  // 1440x1080 anamorphic with SAR 4:3 displays as 16:9.
  media::VideoTrackConfig hdv = Source(1440, 1080);
  hdv.sar_num = 4;
  hdv.sar_den = 3;
  const LadderPlan plan = Plan({}, hdv);
  ASSERT_EQ(plan.renditions.size(), 5u);
  EXPECT_EQ(plan.renditions[1].width, 1280);
  EXPECT_EQ(plan.renditions[1].height, 720);
  // 2.39:1 cinema scope, 1000x418.
  const LadderPlan scope = Plan({}, Source(1000, 418));
  EXPECT_EQ(Names(scope), (std::vector<std::string>{"src", "360p", "240p"}));
  EXPECT_EQ(scope.renditions[1].width, 862);  // 360 × 1000/418 = 861.2 → 862
  EXPECT_EQ(scope.renditions[2].width, 574);  // 240 × 2.392 = 574.2
  for (const auto& r : scope.renditions) {
    EXPECT_EQ(r.width % 2, 0);
    EXPECT_EQ(r.height % 2, 0);
  }
}

TEST(PlanLadder, PortraitRungsUseTheShortSide) {
  const LadderPlan plan = Plan({}, Source(720, 1280));
  EXPECT_EQ(Names(plan), (std::vector<std::string>{"src", "720p", "480p", "360p", "240p"}));
  EXPECT_EQ(plan.renditions[1].width, 720);
  EXPECT_EQ(plan.renditions[1].height, 1280);
  EXPECT_EQ(plan.renditions[2].width, 480);
  EXPECT_EQ(plan.renditions[2].height, 854);
}

TEST(PlanLadder, CustomListHasNoPassthroughAndSkipsUpscales) {
  auto setting = ParseLadderSetting(
      R"([{"height":1080,"video_kbps":6000},{"height":541,"video_kbps":1500},{"height":360,"video_kbps":600}])");
  ASSERT_TRUE(setting.ok());
  const LadderPlan plan = Plan(*setting, Source(1280, 720));
  EXPECT_EQ(Names(plan), (std::vector<std::string>{"540p", "360p"}));
  EXPECT_EQ(plan.renditions[0].width, 960);
  EXPECT_EQ(plan.renditions[0].video_kbps, 1500);
  EXPECT_EQ(plan.renditions[1].video_kbps, 600);
  EXPECT_FALSE(plan.has_passthrough());
}

TEST(PlanLadder, PassthroughOnly) {
  const LadderPlan plan = Plan({.kind = LadderKind::kPassthrough, .rungs = {}}, Source(1920, 1080));
  EXPECT_EQ(Names(plan), (std::vector<std::string>{"src"}));
  EXPECT_EQ(plan.transcoded_count(), 0u);
  // Even a bad cadence keeps it (nothing to misalign with), with a warning.
  const LadderPlan slow = Plan({.kind = LadderKind::kPassthrough, .rungs = {}}, Source(1920, 1080),
                               {.keyframe_interval_seconds = 10.0, .irregular = false});
  EXPECT_EQ(Names(slow), (std::vector<std::string>{"src"}));
  EXPECT_EQ(slow.warnings.size(), 1u);
}

TEST(PlanLadder, H265SourceGetsNoPassthrough) {
  const LadderPlan plan = Plan({}, Source(1280, 720, 30.0, media::Codec::kH265));
  EXPECT_EQ(Names(plan), (std::vector<std::string>{"720p", "480p", "360p", "240p"}));
  ASSERT_EQ(plan.warnings.size(), 1u);
  EXPECT_NE(plan.warnings[0].find("not H.264"), std::string::npos);
}

TEST(PlanLadder, LongOrIrregularKeyframesDropPassthroughWithWarning) {
  const LadderPlan slow = Plan({}, Source(1280, 720), {.keyframe_interval_seconds = 5.0});
  EXPECT_EQ(Names(slow), (std::vector<std::string>{"720p", "480p", "360p", "240p"}));
  ASSERT_EQ(slow.warnings.size(), 1u);
  EXPECT_NE(slow.warnings[0].find("longer than 4 s"), std::string::npos);
  const LadderPlan ok = Plan({}, Source(1280, 720), {.keyframe_interval_seconds = 4.0});
  EXPECT_TRUE(ok.has_passthrough());
  const LadderPlan irregular =
      Plan({}, Source(1280, 720), {.keyframe_interval_seconds = 2.0, .irregular = true});
  EXPECT_FALSE(irregular.has_passthrough());
  ASSERT_EQ(irregular.warnings.size(), 1u);
  EXPECT_NE(irregular.warnings[0].find("irregular"), std::string::npos);
}

TEST(PlanLadder, TinySourceGetsOneRungAtItsOwnSize) {
  const LadderPlan plan = Plan({}, Source(176, 144, 30.0, media::Codec::kH265));
  EXPECT_EQ(Names(plan), (std::vector<std::string>{"144p"}));
  EXPECT_EQ(plan.renditions[0].width, 176);
  EXPECT_EQ(plan.renditions[0].video_kbps, 350);
  EXPECT_EQ(plan.warnings.size(), 2u);
}

TEST(PlanLadder, ConfigurableDefaults) {
  LadderDefaults defaults;
  defaults.rungs = {{540, 2000}, {270, 400}};
  defaults.passthrough = false;
  defaults.maxrate_factor = 1.5;
  defaults.bufsize_seconds = 1.0;
  auto plan = PlanLadder({}, Source(1920, 1080), {}, defaults);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(Names(*plan), (std::vector<std::string>{"540p", "270p"}));
  EXPECT_EQ(plan->renditions[0].maxrate_kbps, 3000);
  EXPECT_EQ(plan->renditions[0].bufsize_kbits, 3000);
  EXPECT_EQ(plan->renditions[1].width, 480);
}

TEST(PlanLadder, UnknownSourceSizeFails) {
  auto plan = PlanLadder({}, Source(0, 0), {});
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), base::ErrorCode::kFailedPrecondition);
  // Passthrough needs no size.
  EXPECT_TRUE(PlanLadder({.kind = LadderKind::kPassthrough, .rungs = {}}, Source(0, 0), {}).ok());
}

TEST(KeyframeCadenceMeter, RegularIrregularAndReset) {
  KeyframeCadenceMeter meter(4);
  EXPECT_FALSE(meter.Cadence().keyframe_interval_seconds.has_value());
  for (int i = 0; i < 6; ++i) meter.AddKeyframe(1000 + i * 180'000 + (i % 2) * 90);  // ±1 ms
  SourceCadence c = meter.Cadence();
  ASSERT_TRUE(c.keyframe_interval_seconds.has_value());
  EXPECT_NEAR(*c.keyframe_interval_seconds, 2.0, 0.01);
  EXPECT_FALSE(c.irregular);
  EXPECT_EQ(meter.intervals(), 4u);
  meter.AddKeyframe(1000 + 5 * 180'000 + 40'000);  // a scene cut 0.44 s later
  EXPECT_TRUE(meter.Cadence().irregular);
  meter.AddKeyframe(5);  // backwards: timeline break
  EXPECT_EQ(meter.intervals(), 0u);
  meter.AddKeyframe(5 + 6 * 90'000);
  EXPECT_NEAR(*meter.Cadence().keyframe_interval_seconds, 6.0, 1e-9);
  EXPECT_FALSE(meter.Cadence().irregular);
}

}  // namespace
}  // namespace steadycast::transcode
