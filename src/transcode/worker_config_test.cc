#include "transcode/worker_config.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace steadycast::transcode {
namespace {

LadderPlan SamplePlan() {
  LadderPlan plan;
  plan.renditions.push_back({.name = "src", .passthrough = true, .width = 1280, .height = 720});
  RenditionPlan r480{.name = "480p",
                     .width = 854,
                     .height = 480,
                     .video_kbps = 1200,
                     .maxrate_kbps = 1320,
                     .bufsize_kbits = 2640,
                     .frame_rate_divisor = 2};
  r480.frame_rate = 30.0;
  plan.renditions.push_back(r480);
  plan.renditions.push_back({.name = "240p", .width = 426, .height = 240, .video_kbps = 350});
  return plan;
}

TEST(WorkerConfigTest, RoundTrip) {
  TranscoderOptions o;
  o.latency_mode = LatencyMode::kLow;
  o.preset = "superfast";
  o.threads_per_stream = 3;
  o.target_segment_seconds = 1.5;
  o.decode_queue_frames = 40;
  o.slate.enabled = true;
  o.slate.image_path = "slate.png";
  o.slate.passthrough_kbps = 600;
  o.watchdog.enabled = false;
  o.degrader.recover_seconds = 7;
  const std::string text = WorkerConfigToJson(SamplePlan(), o);
  auto back = WorkerConfigFromJson(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->plan.renditions, SamplePlan().renditions);
  const TranscoderOptions& b = back->options;
  EXPECT_EQ(b.latency_mode, LatencyMode::kLow);
  EXPECT_EQ(b.preset, "superfast");
  EXPECT_EQ(b.threads_per_stream, 3);
  EXPECT_DOUBLE_EQ(b.target_segment_seconds, 1.5);
  EXPECT_EQ(b.decode_queue_frames, 40u);
  EXPECT_TRUE(b.slate.enabled);
  EXPECT_EQ(b.slate.image_path, "slate.png");
  EXPECT_EQ(b.slate.passthrough_kbps, 600);
  EXPECT_FALSE(b.watchdog.enabled);
  EXPECT_DOUBLE_EQ(b.degrader.recover_seconds, 7);
  // And again: the text is stable.
  EXPECT_EQ(WorkerConfigToJson(back->plan, back->options), text);
}

TEST(WorkerConfigTest, MissingOptionsKeepDefaults) {
  auto back = WorkerConfigFromJson(
      R"({"renditions":[{"name":"360p","width":640,"height":360,"video_kbps":700}],"x":1})");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->options.preset, TranscoderOptions{}.preset);
  EXPECT_EQ(back->plan.renditions.size(), 1u);
}

TEST(WorkerConfigTest, RejectsBadInput) {
  const char* bad[] = {
      "",
      "not json",
      "[]",
      R"({"renditions":{}})",
      R"({"renditions":[]})",
      R"({"renditions":[{"name":"src","passthrough":true}]})",  // nothing to transcode
      R"({"renditions":[{"name":"a b","width":640,"height":360,"video_kbps":700}]})",
      R"({"renditions":[{"name":"x","width":"640","height":360,"video_kbps":700}]})",
      R"({"renditions":[{"name":"x","width":640,"height":360,"video_kbps":-1}]})",
      R"({"renditions":[{"name":"x","width":99999,"height":360,"video_kbps":700}]})",
      R"({"renditions":[{"name":"x","width":640,"height":360,"video_kbps":700},
                        {"name":"x","width":640,"height":360,"video_kbps":700}]})",
      R"({"renditions":[{"name":"x","width":640,"height":360,"video_kbps":700}],
          "options":{"preset":"warp"}})",
      R"({"renditions":[{"name":"x","width":640,"height":360,"video_kbps":700}],
          "options":{"threads_per_stream":0}})",
      R"({"renditions":[{"name":"x","width":640,"height":360,"video_kbps":700}],
          "options":{"target_segment_seconds":1e300}})",
      R"({"renditions":[{"name":"x","width":640,"height":360,"video_kbps":700}],
          "options":{"slate":[]}})",
      R"({"renditions":[{"name":"x","width":640,"height":360,"video_kbps":700}],
          "options":{"latency_mode":"instant"}})",
      R"({"renditions":[{"name":"x","width":640,"height":360,"video_kbps":700}],
          "options":{"decode_queue_frames":18446744073709551615}})",
  };
  for (const char* text : bad) {
    EXPECT_FALSE(WorkerConfigFromJson(text).ok()) << text;
  }
  EXPECT_FALSE(WorkerConfigFromJson(std::string(kMaxWorkerConfigBytes + 1, ' ')).ok());
}

}  // namespace
}  // namespace steadycast::transcode
