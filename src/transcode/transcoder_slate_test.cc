// The transcoder's hold/slate/resume (transcoder.h, Hold): one timeline through a publisher's
// outage, the slate in every rendition, aligned cuts, decodable output.
#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "transcode/transcode_test_util.h"
#include "transcode/transcoder.h"

namespace steadycast::transcode {
namespace {

using namespace std::chrono_literals;
using testing::RecordingSink;

constexpr int64_t kTarget = 2 * media::kTimescale;
constexpr int64_t kFrame = media::kTimescale / 30;

struct OutageRun {
  LadderPlan plan;
  std::vector<std::unique_ptr<RecordingSink>> sinks;
  TranscoderStats stats;
  size_t source_frames = 0;
};

testing::SourceStream Source() {
  auto source = testing::MakeSource(
      {.width = 640,
       .height = 360,
       .fps = 30,
       .frames = 120,
       .keyint = 30,
       .preset = "veryfast"});  // High: the slate encoder (ultrafast) must match it
  EXPECT_TRUE(source.ok()) << source.status().ToString();
  return source.ok() ? *source : testing::SourceStream{};
}

// Publisher A (4 s), lost; `outage` passes on the fake clock with Tick() every 100 ms;
// publisher B (the same pictures on a clock of its own) for 4 s; then, unless `end_in_slate`,
// the end of the broadcast (Flush).
OutageRun RunOutage(std::chrono::milliseconds outage, bool end_in_slate = false) {
  OutageRun run;
  const testing::SourceStream source = Source();
  auto plan = PlanLadder({}, source.config, {}, LadderDefaults());
  EXPECT_TRUE(plan.ok());
  if (!plan.ok()) return run;
  run.plan = *plan;
  std::vector<media::MediaSink*> sinks;
  for (size_t i = 0; i < run.plan.renditions.size(); ++i) {
    run.sinks.push_back(std::make_unique<RecordingSink>());
    sinks.push_back(run.sinks.back().get());
  }
  base::FakeClock clock;
  TranscoderOptions options;
  options.preset = "ultrafast";
  options.block_when_full = true;
  options.watchdog.enabled = false;
  options.clock = &clock;
  options.slate.enabled = true;
  auto transcoder = Transcoder::Create(run.plan, options, sinks);
  EXPECT_TRUE(transcoder.ok()) << transcoder.status().ToString();
  if (!transcoder.ok()) return run;
  Transcoder& t = **transcoder;
  auto publish = [&](int64_t shift) {
    t.OnVideoConfig(source.config);
    t.OnAudioConfig(testing::AacConfig());
    const auto audio = testing::MakeAudio(source.video.front().dts, 4 * media::kTimescale);
    for (media::AccessUnit unit : testing::Interleave(source.video, audio)) {
      unit.pts += shift;
      unit.dts += shift;
      t.OnAccessUnit(unit);
    }
    run.source_frames += source.video.size();
  };
  publish(0);
  t.Hold();
  for (auto waited = 0ms; waited < outage; waited += 100ms) {
    clock.Advance(100ms);
    t.Tick();
  }
  if (!end_in_slate) publish(-source.video.front().dts + 12345);  // B's clock starts elsewhere
  t.Flush();
  run.stats = t.Stats();
  return run;
}

// Segment cuts as the packager makes them: a keyframe ≥ target after the last cut, a
// segment_start keyframe, or the first keyframe after a new configuration. By pts.
std::vector<int64_t> Cuts(const RecordingSink& sink) {
  const auto video = sink.Video();
  std::vector<int64_t> cuts;
  std::optional<int64_t> last;
  size_t next_config = 1;
  bool config_changed = false;
  for (size_t i = 0; i < video.size(); ++i) {
    while (next_config < sink.video_config_at.size() && sink.video_config_at[next_config] <= i) {
      config_changed = true;
      ++next_config;
    }
    const auto& u = video[i];
    if (!u.keyframe) continue;
    if (last && !config_changed && !u.segment_start && u.dts - *last < kTarget) continue;
    last = u.dts;
    config_changed = false;
    cuts.push_back(u.pts);
  }
  return cuts;
}

void ExpectContinuous(const std::vector<media::AccessUnit>& units, int64_t max_gap,
                      const std::string& what) {
  std::vector<int64_t> pts;
  for (const auto& u : units) pts.push_back(u.pts);
  std::sort(pts.begin(), pts.end());
  for (size_t i = 1; i < pts.size(); ++i) {
    EXPECT_GT(pts[i], pts[i - 1]) << what << " at " << i;
    EXPECT_LE(pts[i] - pts[i - 1], max_gap) << what << " at " << i;
  }
}

size_t CountSegmentStarts(const std::vector<media::AccessUnit>& video) {
  return static_cast<size_t>(
      std::count_if(video.begin(), video.end(), [](const auto& u) { return u.segment_start; }));
}

TEST(TranscoderSlate, OutageIsFilledWithSlateOnOneTimeline) {
  const OutageRun run = RunOutage(5000ms);
  ASSERT_EQ(run.sinks.size(), 3u);  // src, 360p, 240p
  EXPECT_EQ(run.stats.holds, 1u);
  EXPECT_FALSE(run.stats.holding);
  EXPECT_FALSE(run.stats.slate_active);
  // 5 s of outage, the first second without slate but on the timeline: ~150 pictures.
  EXPECT_GE(run.stats.slate_pictures, 145u);
  EXPECT_LE(run.stats.slate_pictures, 151u);
  const std::vector<int64_t> reference = Cuts(*run.sinks[1]);
  for (size_t i = 0; i < run.sinks.size(); ++i) {
    const RecordingSink& sink = *run.sinks[i];
    const bool passthrough = run.plan.renditions[i].passthrough;
    SCOPED_TRACE(run.plan.renditions[i].name);
    const auto video = sink.Video();
    EXPECT_EQ(video.size(), run.source_frames + run.stats.slate_pictures);
    ExpectContinuous(video, 2 * kFrame, "video");
    for (size_t k = 1; k < video.size(); ++k) EXPECT_GT(video[k].dts, video[k - 1].dts) << k;
    // Slate start and the return are switch points everywhere.
    EXPECT_EQ(CountSegmentStarts(video), 2u);
    EXPECT_EQ(Cuts(sink), reference);
    // Transcoded: one configuration throughout. Passthrough: source, slate, source.
    ASSERT_EQ(sink.video_configs.size(), passthrough ? 3u : 1u);
    // The codec string (profile, constraint flags, level) never changes: the passthrough's
    // slate encoder takes the source's, so the master's CODECS holds before, during and after.
    for (const media::VideoTrackConfig& config : sink.video_configs) {
      EXPECT_EQ(config.CodecString(), sink.video_configs.front().CodecString());
    }
    if (passthrough) {
      EXPECT_EQ(sink.video_configs.front().CodecString(), Source().config.CodecString());
    }
    for (size_t c = 0; c < sink.video_configs.size(); ++c) {
      const size_t begin = sink.video_config_at[c];
      const size_t end =
          c + 1 < sink.video_configs.size() ? sink.video_config_at[c + 1] : video.size();
      const std::vector<media::AccessUnit> span(video.begin() + static_cast<ptrdiff_t>(begin),
                                                video.begin() + static_cast<ptrdiff_t>(end));
      auto decoded = testing::DecodeBack(sink.video_configs[c], span);
      ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
      EXPECT_EQ(decoded->frames, static_cast<int>(span.size()));
      EXPECT_EQ(decoded->width, run.plan.renditions[i].width);
    }
    // Audio: publisher A, then silence, then B, on one increasing timeline, one config.
    const auto audio = sink.Audio();
    EXPECT_EQ(sink.audio_configs.back(), testing::AacConfig());
    for (size_t k = 1; k < audio.size(); ++k) EXPECT_GT(audio[k].dts, audio[k - 1].dts) << k;
    ExpectContinuous(audio, 2 * 1920, "audio");
    EXPECT_GE(audio.size(), 2 * 188u + 4 * 47u);
  }
}

TEST(TranscoderSlate, QuickReturnContinuesWithoutSlate) {
  const OutageRun run = RunOutage(500ms);
  EXPECT_EQ(run.stats.slate_pictures, 0u);
  const std::vector<int64_t> reference = Cuts(*run.sinks[1]);
  for (size_t i = 0; i < run.sinks.size(); ++i) {
    const RecordingSink& sink = *run.sinks[i];
    SCOPED_TRACE(run.plan.renditions[i].name);
    const auto video = sink.Video();
    EXPECT_EQ(video.size(), run.source_frames);
    ExpectContinuous(video, 2 * kFrame, "video");
    EXPECT_EQ(CountSegmentStarts(video), 1u);  // the return
    EXPECT_EQ(sink.video_configs.size(), 1u);  // the same source configuration again
    EXPECT_EQ(Cuts(sink), reference);
  }
}

TEST(TranscoderSlate, WindowEndingDuringTheSlateDrainsEveryRendition) {
  const OutageRun run = RunOutage(3000ms, /*end_in_slate=*/true);
  EXPECT_GE(run.stats.slate_pictures, 85u);
  for (size_t i = 0; i < run.sinks.size(); ++i) {
    SCOPED_TRACE(run.plan.renditions[i].name);
    const auto video = run.sinks[i]->Video();
    EXPECT_EQ(video.size(), run.source_frames + run.stats.slate_pictures);
  }
  EXPECT_EQ(run.sinks[0]->video_configs.size(), 2u);  // source, slate
}

}  // namespace
}  // namespace steadycast::transcode
