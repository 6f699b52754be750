#include "transcode/transcoder.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "transcode/transcode_test_util.h"

namespace steadycast::transcode {
namespace {

using testing::RecordingSink;
using testing::SourceSpec;
using testing::SourceStream;

constexpr int64_t kTarget = 2 * media::kTimescale;

struct Outcome {
  LadderPlan plan;
  std::vector<std::unique_ptr<RecordingSink>> sinks;
  TranscoderStats stats;
};

SourceStream Source(const SourceSpec& spec) {
  auto source = testing::MakeSource(spec);
  EXPECT_TRUE(source.ok()) << source.status().ToString();
  return source.ok() ? *source : SourceStream{};
}

TranscoderOptions FastOptions() {
  TranscoderOptions o;
  o.preset = "ultrafast";
  o.block_when_full = true;  // no drops: the test feeds faster than real time
  // These tests check one output config per rendition; a loaded test machine must not make
  // the watchdog change presets under them (the watchdog has its own test).
  o.watchdog.enabled = false;
  return o;
}

// Feeds `units` (video and audio interleaved) after the configs, then flushes.
Outcome RunLadder(const LadderPlan& plan, const TranscoderOptions& options,
                  const media::VideoTrackConfig& video_config,
                  const std::vector<media::AccessUnit>& units, bool with_audio = true) {
  Outcome out;
  out.plan = plan;
  std::vector<media::MediaSink*> sinks;
  for (size_t i = 0; i < plan.renditions.size(); ++i) {
    out.sinks.push_back(std::make_unique<RecordingSink>());
    sinks.push_back(out.sinks.back().get());
  }
  auto transcoder = Transcoder::Create(plan, options, sinks);
  EXPECT_TRUE(transcoder.ok()) << transcoder.status().ToString();
  if (!transcoder.ok()) return out;
  (*transcoder)->OnVideoConfig(video_config);
  if (with_audio) (*transcoder)->OnAudioConfig(testing::AacConfig());
  for (const auto& unit : units) (*transcoder)->OnAccessUnit(unit);
  (*transcoder)->Flush();
  out.stats = (*transcoder)->Stats();
  return out;
}

LadderPlan PlanFor(const media::VideoTrackConfig& config, const LadderSetting& setting = {},
                   const SourceCadence& cadence = {},
                   const LadderDefaults& defaults = LadderDefaults()) {
  auto plan = PlanLadder(setting, config, cadence, defaults);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  return plan.ok() ? *plan : LadderPlan{};
}

std::vector<int64_t> KeyPts(const std::vector<media::AccessUnit>& video) {
  std::vector<int64_t> out;
  for (const auto& u : video) {
    if (u.keyframe) out.push_back(u.pts);
  }
  return out;
}

// The packager's segmenter rule: cut at the first keyframe, then at each keyframe whose dts
// is ≥ target after the last cut. Returns the cut frames' pts.
std::vector<int64_t> SegmenterCuts(const std::vector<media::AccessUnit>& video) {
  std::vector<int64_t> cuts;
  std::optional<int64_t> last;
  for (const auto& u : video) {
    if (!u.keyframe || (last && u.dts - *last < kTarget)) continue;
    last = u.dts;
    cuts.push_back(u.pts);
  }
  return cuts;
}

void ExpectMonotonic(const std::vector<media::AccessUnit>& video, const std::string& name) {
  for (size_t i = 0; i < video.size(); ++i) {
    EXPECT_LE(video[i].dts, video[i].pts) << name << " unit " << i;
    if (i > 0) {
      EXPECT_GT(video[i].dts, video[i - 1].dts) << name << " unit " << i;
    }
  }
}

// Audio and video leave each sink merged by dts, as from a live publisher.
void ExpectInterleaved(const RecordingSink& sink, const std::string& name) {
  int64_t high = INT64_MIN;
  for (const auto& u : sink.units) {
    EXPECT_GE(u.dts, high) << name << (u.kind == media::TrackKind::kAudio ? " audio" : " video");
    high = std::max(high, u.dts);
  }
}

// Every rendition: one config of the planned size, frames decode back at that size, the
// expected frame count, valid timestamps, identical segment cuts, all audio interleaved.
void ExpectLadder(const Outcome& out, size_t source_frames, size_t audio_units,
                  const std::vector<int64_t>& expected_cuts) {
  ASSERT_EQ(out.sinks.size(), out.plan.renditions.size());
  for (size_t i = 0; i < out.sinks.size(); ++i) {
    const RenditionPlan& r = out.plan.renditions[i];
    const RecordingSink& sink = *out.sinks[i];
    SCOPED_TRACE(r.name);
    ASSERT_EQ(sink.video_configs.size(), 1u);
    EXPECT_EQ(sink.video_configs[0].width, r.width);
    EXPECT_EQ(sink.video_configs[0].height, r.height);
    EXPECT_EQ(sink.threads_seen, 1u);
    const auto video = sink.Video();
    EXPECT_EQ(video.size(), source_frames / r.frame_rate_divisor);
    ExpectMonotonic(video, r.name);
    EXPECT_EQ(SegmenterCuts(video), expected_cuts);
    if (!r.passthrough) {
      EXPECT_EQ(KeyPts(video), expected_cuts);  // IDRs only at cuts
    }
    auto decoded = testing::DecodeBack(sink.video_configs[0], video);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(decoded->frames, static_cast<int>(video.size()));
    EXPECT_EQ(decoded->width, r.width);
    EXPECT_EQ(decoded->height, r.height);
    EXPECT_TRUE(decoded->sizes_consistent);
    EXPECT_EQ(sink.audio_configs.size(), 1u);
    EXPECT_EQ(sink.Audio().size(), audio_units);
    if (!r.passthrough) {
      ExpectInterleaved(sink, r.name);
      const RenditionStats& stats = out.stats.renditions[i];
      EXPECT_EQ(stats.frames_out, video.size());
      EXPECT_EQ(stats.frames_dropped, 0u);
      EXPECT_GT(stats.encode_speed, 0);
      EXPECT_GT(stats.media_seconds, 0);
    }
  }
}

TEST(Transcoder, Ladder640x360SourceAlignsEveryRendition) {
  const SourceSpec spec{.width = 640, .height = 360, .fps = 30, .frames = 150, .keyint = 60};
  const SourceStream source = Source(spec);
  ASSERT_EQ(source.video.size(), 150u);
  const LadderPlan plan = PlanFor(source.config);
  ASSERT_EQ(plan.renditions.size(), 3u);  // src, 360p, 240p
  const auto audio = testing::MakeAudio(spec.first_pts, 5 * media::kTimescale);
  const Outcome out =
      RunLadder(plan, FastOptions(), source.config, testing::Interleave(source.video, audio));
  const int64_t t0 = spec.first_pts;
  ExpectLadder(out, 150, audio.size(), {t0, t0 + kTarget, t0 + 2 * kTarget});
  EXPECT_EQ(out.stats.video_in, 150u);
  EXPECT_EQ(out.stats.decoded_frames, 150u);
  EXPECT_EQ(out.stats.forced_idrs, 3u);
  EXPECT_EQ(out.stats.source_dropped, 0u);
}

TEST(Transcoder, Ladder1280x720WithBFramesCutsOnlyAtSegmenterKeyframes) {
  // Keyframes every second, B-frames: the renditions get IDRs at 0, 2 s, 4 s only.
  const SourceSpec spec{
      .width = 1280, .height = 720, .fps = 30, .frames = 150, .keyint = 30, .b_frames = 2};
  const SourceStream source = Source(spec);
  ASSERT_EQ(source.video.size(), 150u);
  const LadderPlan plan = PlanFor(source.config);
  ASSERT_EQ(plan.renditions.size(), 5u);  // src, 720p, 480p, 360p, 240p
  const auto audio = testing::MakeAudio(spec.first_pts - 3000, 5 * media::kTimescale);
  TranscoderOptions options = FastOptions();
  options.threads_per_stream = 2;
  const Outcome out =
      RunLadder(plan, options, source.config, testing::Interleave(source.video, audio));
  const int64_t t0 = spec.first_pts;
  ExpectLadder(out, 150, audio.size(), {t0, t0 + kTarget, t0 + 2 * kTarget});
  EXPECT_EQ(KeyPts(out.sinks[0]->Video()).size(), 5u);  // the source's own keyframes
}

TEST(Transcoder, StandardModeReordersOnBothSidesAndStaysAligned) {
  // B-frames in the source and in the renditions (veryfast): cuts still match the segmenter
  // rule on every rendition, at the passthrough's cut frames.
  const SourceSpec spec{
      .width = 640, .height = 360, .fps = 30, .frames = 135, .keyint = 30, .b_frames = 2};
  const SourceStream source = Source(spec);
  TranscoderOptions options = FastOptions();
  options.preset = "veryfast";
  const auto audio = testing::MakeAudio(spec.first_pts, 5 * media::kTimescale);
  const Outcome out = RunLadder(PlanFor(source.config), options, source.config,
                                testing::Interleave(source.video, audio));
  const int64_t t0 = spec.first_pts;
  ExpectLadder(out, 135, audio.size(), {t0, t0 + kTarget, t0 + 2 * kTarget});
  bool reordered = false;
  for (const auto& u : out.sinks[1]->Video()) reordered = reordered || u.dts != u.pts;
  EXPECT_TRUE(reordered);
}

TEST(Transcoder, LowLatencyHasNoReorderingAndStaysAligned) {
  const SourceSpec spec{.width = 640, .height = 360, .fps = 30, .frames = 90, .keyint = 60};
  const SourceStream source = Source(spec);
  TranscoderOptions options = FastOptions();
  options.latency_mode = LatencyMode::kLow;
  options.preset = "veryfast";  // would use B-frames if not for zerolatency
  const auto audio = testing::MakeAudio(spec.first_pts, 3 * media::kTimescale);
  const Outcome out = RunLadder(PlanFor(source.config), options, source.config,
                                testing::Interleave(source.video, audio));
  ExpectLadder(out, 90, audio.size(), {spec.first_pts, spec.first_pts + kTarget});
  for (size_t i = 1; i < out.sinks.size(); ++i) {
    for (const auto& u : out.sinks[i]->Video()) EXPECT_EQ(u.dts, u.pts);
  }
}

TEST(Transcoder, WithoutPassthroughIdrsFollowAFixedCadence) {
  // A 5 s source GOP: the plan drops the passthrough; IDRs every 2 s by pts instead.
  const SourceSpec spec{.width = 640, .height = 360, .fps = 30, .frames = 180, .keyint = 150};
  const SourceStream source = Source(spec);
  const LadderPlan plan = PlanFor(source.config, {}, {.keyframe_interval_seconds = 5.0});
  ASSERT_FALSE(plan.has_passthrough());
  ASSERT_EQ(plan.renditions.size(), 2u);
  const auto audio = testing::MakeAudio(spec.first_pts, 6 * media::kTimescale);
  const Outcome out =
      RunLadder(plan, FastOptions(), source.config, testing::Interleave(source.video, audio));
  const int64_t t0 = spec.first_pts;
  ExpectLadder(out, 180, audio.size(), {t0, t0 + kTarget, t0 + 2 * kTarget});
}

TEST(Transcoder, HalvedFrameRateRungKeepsTheSameIdrs) {
  const SourceSpec spec{.width = 640, .height = 360, .fps = 60, .frames = 300, .keyint = 120};
  const SourceStream source = Source(spec);
  media::VideoTrackConfig config = source.config;
  config.frame_rate = 60.0;
  LadderDefaults defaults;
  defaults.frame_rate_cap_max_height = 240;  // 360p keeps 60 fps, 240p gets 30
  const LadderPlan plan = PlanFor(config, {}, {}, defaults);
  ASSERT_EQ(plan.renditions.size(), 3u);
  ASSERT_EQ(plan.renditions[1].frame_rate_divisor, 1);
  ASSERT_EQ(plan.renditions[2].frame_rate_divisor, 2);
  const Outcome out = RunLadder(plan, FastOptions(), config, source.video, /*with_audio=*/false);
  const int64_t t0 = spec.first_pts;
  for (size_t i = 0; i < 3; ++i) {
    const auto video = out.sinks[i]->Video();
    EXPECT_EQ(video.size(), i == 2 ? 150u : 300u);
    EXPECT_EQ(SegmenterCuts(video), (std::vector<int64_t>{t0, t0 + kTarget, t0 + 2 * kTarget}));
    ExpectMonotonic(video, plan.renditions[i].name);
  }
  ASSERT_EQ(out.sinks[2]->video_configs.size(), 1u);
  ASSERT_TRUE(out.sinks[2]->video_configs[0].frame_rate.has_value());
  EXPECT_NEAR(*out.sinks[2]->video_configs[0].frame_rate, 30.0, 0.01);
  EXPECT_NEAR(*out.sinks[1]->video_configs[0].frame_rate, 60.0, 0.01);
}

TEST(Transcoder, TimelineBreakRestartsEncodersAtTheNewKeyframe) {
  SourceSpec spec{.width = 640, .height = 360, .fps = 30, .frames = 60, .keyint = 60};
  const SourceStream first = Source(spec);
  spec.first_pts = 0;  // the publisher came back with its clock at zero
  const SourceStream second = Source(spec);
  std::vector<media::AccessUnit> units = first.video;
  units.insert(units.end(), second.video.begin(), second.video.end());
  const Outcome out = RunLadder(PlanFor(first.config), FastOptions(), first.config, units, false);
  for (size_t i = 1; i < out.sinks.size(); ++i) {
    const auto video = out.sinks[i]->Video();
    ASSERT_EQ(video.size(), 120u);
    EXPECT_EQ(KeyPts(video), (std::vector<int64_t>{900'000, 0}));
    // Monotonic within each timeline.
    ExpectMonotonic({video.begin(), video.begin() + 60}, "first");
    ExpectMonotonic({video.begin() + 60, video.end()}, "second");
  }
}

TEST(Transcoder, SourceConfigChangeDrainsAndCallsTheHook) {
  SourceSpec spec{.width = 640, .height = 360, .fps = 30, .frames = 45, .keyint = 30};
  const SourceStream first = Source(spec);
  spec.width = 480;
  spec.height = 270;
  spec.first_pts += 45 * 3000;
  const SourceStream second = Source(spec);
  const LadderPlan plan = PlanFor(first.config);
  std::vector<RecordingSink> sinks(plan.renditions.size());
  std::vector<media::MediaSink*> pointers;
  for (auto& s : sinks) pointers.push_back(&s);
  std::atomic<int> hook_calls{0};
  std::mutex hook_mu;
  std::map<size_t, size_t> video_before_hook;
  TranscoderOptions options = FastOptions();
  options.on_source_changed = [&](size_t index) {
    ++hook_calls;
    std::lock_guard lock(hook_mu);
    video_before_hook[index] = sinks[index].Video().size();
  };
  auto transcoder = Transcoder::Create(plan, options, pointers);
  ASSERT_TRUE(transcoder.ok());
  (*transcoder)->OnVideoConfig(first.config);
  (*transcoder)->OnVideoConfig(first.config);  // a repeat is not a change
  for (const auto& u : first.video) (*transcoder)->OnAccessUnit(u);
  (*transcoder)->OnVideoConfig(second.config);
  for (const auto& u : second.video) (*transcoder)->OnAccessUnit(u);
  (*transcoder)->Flush();
  EXPECT_EQ(hook_calls.load(), 2);  // 360p and 240p
  for (size_t i = 1; i < sinks.size(); ++i) {
    EXPECT_EQ(video_before_hook[i], 45u);          // everything of the old config came first
    ASSERT_EQ(sinks[i].video_configs.size(), 1u);  // the rendition's own config is unchanged
    const auto video = sinks[i].Video();
    EXPECT_EQ(video.size(), 90u);
    const int64_t t0 = 900'000;
    EXPECT_EQ(KeyPts(video), (std::vector<int64_t>{t0, t0 + 45 * 3000}));
    auto decoded = testing::DecodeBack(sinks[i].video_configs[0], video);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded->frames, 90);
    EXPECT_EQ(decoded->width, plan.renditions[i].width);
  }
  // The passthrough sink sees every call (its packager ignores repeats).
  EXPECT_EQ(sinks[0].video_configs.size(), 3u);
}

TEST(Transcoder, OverloadDropsButKeepsMemoryBoundedAndCutsAligned) {
  const SourceSpec spec{.width = 640, .height = 360, .fps = 30, .frames = 150, .keyint = 30};
  const SourceStream source = Source(spec);
  TranscoderOptions options;
  options.preset = "ultrafast";
  options.decode_queue_frames = 4;
  options.rendition_queue_frames = 2;
  const LadderPlan plan = PlanFor(source.config);
  std::vector<RecordingSink> sinks(plan.renditions.size());
  std::vector<media::MediaSink*> pointers;
  for (auto& s : sinks) pointers.push_back(&s);
  auto transcoder = Transcoder::Create(plan, options, pointers);
  ASSERT_TRUE(transcoder.ok());
  (*transcoder)->OnVideoConfig(source.config);
  size_t max_queue = 0;
  for (const auto& u : source.video) {
    (*transcoder)->OnAccessUnit(u);
    const TranscoderStats stats = (*transcoder)->Stats();
    max_queue = std::max(max_queue, stats.decode_queue_frames);
    for (const auto& r : stats.renditions) max_queue = std::max(max_queue, r.queue_frames / 2);
  }
  (*transcoder)->Flush();
  const TranscoderStats stats = (*transcoder)->Stats();
  EXPECT_LE(max_queue, 8u);
  uint64_t dropped = stats.source_dropped;
  for (const auto& r : stats.renditions) dropped += r.frames_dropped;
  EXPECT_GT(dropped, 0u);
  const std::vector<int64_t> cuts = SegmenterCuts(source.video);
  const std::set<int64_t> cut_set(cuts.begin(), cuts.end());
  for (size_t i = 1; i < sinks.size(); ++i) {
    const auto video = sinks[i].Video();
    EXPECT_LT(video.size(), 150u);
    ExpectMonotonic(video, plan.renditions[i].name);
    for (int64_t pts : KeyPts(video)) EXPECT_TRUE(cut_set.count(pts)) << pts;
  }
}

// A clock that moves 50 ms at every reading: each picture then seems to take ≥ 100 ms of wall
// time (≥ 3× slower than real time at 30 fps), deterministically and whatever the machine.
class CrawlingClock final : public base::Clock {
 public:
  MonotonicTime Now() const override {
    return MonotonicTime(Duration(ns_.fetch_add(kStepNs) + kStepNs));
  }
  WallTime WallNow() const override { return WallTime{}; }

 private:
  static constexpr int64_t kStepNs = 50'000'000;
  mutable std::atomic<int64_t> ns_{0};
};

TEST(Transcoder, WatchdogStepsToFasterPresetsAtIdrsAndStaysAligned) {
  const SourceSpec spec{.width = 640, .height = 360, .fps = 30, .frames = 480, .keyint = 30};
  const SourceStream source = Source(spec);
  ASSERT_EQ(source.video.size(), 480u);
  const LadderPlan plan = PlanFor(source.config);
  ASSERT_EQ(plan.renditions.size(), 3u);  // src, 360p, 240p
  CrawlingClock clock;
  TranscoderOptions options;
  options.preset = "veryfast";
  options.block_when_full = true;      // every picture arrives; slowness comes from the clock
  options.rendition_queue_frames = 1;  // so the queue is always full when a picture is taken
  options.clock = &clock;
  options.degrader.enabled = false;  // step 1 alone (step 2: transcoder_degrade_test.cc)
  const auto audio = testing::MakeAudio(spec.first_pts, 16 * media::kTimescale);
  const Outcome out =
      RunLadder(plan, options, source.config, testing::Interleave(source.video, audio));
  const std::vector<int64_t> cuts = SegmenterCuts(source.video);
  ASSERT_EQ(cuts.size(), 8u);
  for (size_t i = 1; i < out.sinks.size(); ++i) {
    const RecordingSink& sink = *out.sinks[i];
    const RenditionStats& stats = out.stats.renditions[i];
    SCOPED_TRACE(stats.name);
    // veryfast → superfast → ultrafast, one step per cool-down, then nothing faster is left.
    EXPECT_EQ(stats.degradations, 2u);
    EXPECT_EQ(stats.preset, "ultrafast");
    EXPECT_GT(stats.realtime_speed, 0);
    EXPECT_LT(stats.realtime_speed, 1);
    const auto video = sink.Video();
    ASSERT_EQ(video.size(), 480u);
    ExpectMonotonic(video, stats.name);
    ExpectInterleaved(sink, stats.name);
    EXPECT_EQ(KeyPts(video), cuts);  // IDRs only at the cuts, before and after each step
    EXPECT_EQ(SegmenterCuts(video), cuts);
    // ultrafast without B-frames: a new SPS/PPS (pic_order_cnt_type), delivered right before a
    // forced IDR; the profile stays High (CABAC and 8x8 kept), so the master's CODECS holds.
    ASSERT_GE(sink.video_configs.size(), 2u);
    for (const auto& config : sink.video_configs) {
      EXPECT_EQ(config.profile_idc, sink.video_configs[0].profile_idc);
      EXPECT_EQ(config.profile_idc, 100);
    }
    ASSERT_EQ(sink.video_config_at.size(), sink.video_configs.size());
    EXPECT_EQ(sink.video_config_at[0], 0u);
    for (size_t k = 0; k < sink.video_configs.size(); ++k) {
      const size_t begin = sink.video_config_at[k];
      const size_t end =
          k + 1 < sink.video_configs.size() ? sink.video_config_at[k + 1] : video.size();
      ASSERT_LT(begin, end);
      EXPECT_TRUE(video[begin].keyframe);
      EXPECT_TRUE(std::count(cuts.begin(), cuts.end(), video[begin].pts)) << video[begin].pts;
      const std::vector<media::AccessUnit> span(video.begin() + static_cast<ptrdiff_t>(begin),
                                                video.begin() + static_cast<ptrdiff_t>(end));
      auto decoded = testing::DecodeBack(sink.video_configs[k], span);
      ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
      EXPECT_EQ(decoded->frames, static_cast<int>(span.size()));
      EXPECT_EQ(decoded->width, plan.renditions[i].width);
      EXPECT_EQ(decoded->height, plan.renditions[i].height);
    }
  }
}

TEST(Transcoder, H265SourceWithInBandParameterSets) {
  const SourceSpec spec{
      .width = 640, .height = 360, .fps = 30, .frames = 75, .keyint = 30, .encoder = "libx265"};
  const SourceStream source = Source(spec);
  ASSERT_EQ(source.video.size(), 75u);
  const LadderPlan plan = PlanFor(source.config);
  ASSERT_FALSE(plan.has_passthrough());
  const Outcome out = RunLadder(plan, FastOptions(), source.config, source.video, false);
  EXPECT_EQ(out.stats.decode_errors, 0u);
  ASSERT_EQ(out.sinks.size(), 2u);
  for (const auto& sink : out.sinks) {
    const auto video = sink->Video();
    EXPECT_EQ(video.size(), 75u);
    EXPECT_EQ(KeyPts(video), (std::vector<int64_t>{spec.first_pts, spec.first_pts + kTarget}));
    ASSERT_EQ(sink->video_configs.size(), 1u);
    EXPECT_EQ(sink->video_configs[0].codec, media::Codec::kH264);
  }
}

TEST(Transcoder, CorruptInputIsCountedNotFatal) {
  const SourceSpec spec{.width = 320, .height = 180, .fps = 30, .frames = 60, .keyint = 30};
  const SourceStream source = Source(spec);
  std::vector<media::AccessUnit> units;
  std::mt19937 rng(7);
  for (int i = 0; i < 40; ++i) {
    media::AccessUnit junk;
    junk.pts = junk.dts = spec.first_pts - (40 - i) * 3000;
    junk.keyframe = i % 10 == 0;
    std::vector<uint8_t> bytes(1 + rng() % 300);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    if (i % 3 == 0) {  // a well-formed length prefix around garbage NAL bytes
      const uint32_t n = static_cast<uint32_t>(bytes.size());
      bytes.insert(bytes.begin(),
                   {uint8_t(n >> 24), uint8_t(n >> 16), uint8_t(n >> 8), uint8_t(n)});
      bytes[4] = static_cast<uint8_t>(0x65);  // IDR slice header byte
    }
    junk.data = base::Buffer::Take(std::move(bytes));
    units.push_back(std::move(junk));
  }
  units.insert(units.end(), source.video.begin(), source.video.end());
  LadderSetting custom{.kind = LadderKind::kCustom, .rungs = {{144, 200}}};
  const Outcome out =
      RunLadder(PlanFor(source.config, custom), FastOptions(), source.config, units, false);
  EXPECT_GT(out.stats.decode_errors, 0u);
  const auto video = out.sinks[0]->Video();
  EXPECT_GE(video.size(), 60u);  // the valid part all came through
  ExpectMonotonic(video, "144p");
}

TEST(Transcoder, ConfigFloodStaysBounded) {
  const SourceStream source = Source({.width = 320, .height = 180, .frames = 30, .keyint = 30});
  media::VideoTrackConfig other = source.config;
  other.level_idc = static_cast<uint8_t>(other.level_idc + 1);
  TranscoderOptions options;
  options.preset = "ultrafast";
  options.decode_queue_bytes = 64 * 1024;  // four control items
  const LadderPlan plan =
      PlanFor(source.config, {.kind = LadderKind::kCustom, .rungs = {{144, 200}}});
  RecordingSink sink;
  auto transcoder = Transcoder::Create(plan, options, {&sink});
  ASSERT_TRUE(transcoder.ok());
  for (int i = 0; i < 2000; ++i) (*transcoder)->OnVideoConfig(i % 2 ? other : source.config);
  (*transcoder)->OnVideoConfig(source.config);
  for (const auto& u : source.video) (*transcoder)->OnAccessUnit(u);
  (*transcoder)->Flush();
  const TranscoderStats stats = (*transcoder)->Stats();
  EXPECT_GT(stats.source_dropped, 0u);
  EXPECT_EQ(stats.decode_queue_frames, 0u);
}

TEST(Transcoder, PassthroughOnlyForwardsWithoutThreads) {
  const SourceStream source = Source({.width = 320, .height = 180, .frames = 10, .keyint = 5});
  const LadderPlan plan = PlanFor(source.config, {.kind = LadderKind::kPassthrough, .rungs = {}});
  const Outcome out = RunLadder(plan, FastOptions(), source.config, source.video);
  ASSERT_EQ(out.sinks.size(), 1u);
  EXPECT_EQ(out.sinks[0]->Video().size(), 10u);
  EXPECT_EQ(out.sinks[0]->video_configs[0], source.config);
  EXPECT_EQ(out.stats.renditions[0].frames_out, 10u);
}

TEST(Transcoder, CreateValidatesItsArguments) {
  media::VideoTrackConfig config;
  config.width = 640;
  config.height = 360;
  const LadderPlan plan = PlanFor(config);
  RecordingSink sink;
  EXPECT_EQ(Transcoder::Create(plan, {}, {&sink}).status().code(),
            base::ErrorCode::kInvalidArgument);
  EXPECT_FALSE(Transcoder::Create(plan, {}, {&sink, &sink, nullptr}).ok());
  TranscoderOptions bad;
  bad.target_segment_seconds = 0;
  EXPECT_FALSE(Transcoder::Create(plan, bad, {&sink, &sink, &sink}).ok());
  LadderPlan odd = plan;
  odd.renditions[1].width = 641;
  EXPECT_FALSE(Transcoder::Create(odd, {}, {&sink, &sink, &sink}).ok());
  // Destroying without Flush stops cleanly.
  auto transcoder = Transcoder::Create(plan, {}, {&sink, &sink, &sink});
  ASSERT_TRUE(transcoder.ok());
}

TEST(FrameRateFromInterval, SnapsToStandardRates) {
  EXPECT_DOUBLE_EQ(FrameRateFromInterval(3000), 30);
  EXPECT_DOUBLE_EQ(FrameRateFromInterval(3003), 29.97);
  EXPECT_DOUBLE_EQ(FrameRateFromInterval(2970), 30);  // 33 ms RTMP rounding
  EXPECT_DOUBLE_EQ(FrameRateFromInterval(1500), 60);
  EXPECT_DOUBLE_EQ(FrameRateFromInterval(3600), 25);
  EXPECT_NEAR(FrameRateFromInterval(6000), 15, 1e-9);
  EXPECT_DOUBLE_EQ(FrameRateFromInterval(0), 30);
}

}  // namespace
}  // namespace steadycast::transcode
