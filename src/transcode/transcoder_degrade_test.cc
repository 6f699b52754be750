// The Transcoder's second degradation step (ladder_degrader.h): a paused rung stops at a
// forced IDR, the others keep every frame, and the resumed rung starts again with an IDR at a
// cut with the same configuration.

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>

#include <gtest/gtest.h>

#include "transcode/transcode_test_util.h"
#include "transcode/transcoder.h"

namespace steadycast::transcode {
namespace {

using testing::RecordingSink;
using testing::SourceSpec;

constexpr int64_t kTarget = 2 * media::kTimescale;

// Moves `step` at every reading, from any thread, plus what the test adds. Overloaded: 50 ms
// per reading makes every picture seem to take far longer than real time (about 5 readings
// per source picture over all threads). Keeping up: 0.1 ms per reading (busy time is tiny: a
// high encode speed) while the feeding test adds 20 ms per source picture (1.6× real time).
class SteppingClock final : public base::Clock {
 public:
  MonotonicTime Now() const override {
    const int64_t step = step_ns_.load();
    return MonotonicTime(Duration(ns_.fetch_add(step) + step));
  }
  WallTime WallNow() const override { return WallTime{}; }
  void SetStep(std::chrono::microseconds step) { step_ns_ = Duration(step).count(); }
  void Advance(std::chrono::milliseconds d) { ns_ += Duration(d).count(); }

 private:
  std::atomic<int64_t> step_ns_{50'000'000};
  mutable std::atomic<int64_t> ns_{0};
};

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

std::vector<int64_t> KeyframesAt(const std::vector<media::AccessUnit>& video) {
  std::vector<int64_t> out;
  for (const auto& u : video) {
    if (u.keyframe) out.push_back(u.pts);
  }
  return out;
}

struct PauseEvent {
  size_t index = 0;
  bool paused = false;
  size_t video_before = 0;  // video units the rendition's sink had received at the hook
};

TEST(TranscoderDegrade, PausedRungStopsAtAnIdrAndResumesAtACutWithTheSameConfig) {
  const SourceSpec spec{.width = 640, .height = 360, .fps = 30, .frames = 720, .keyint = 30};
  auto source = testing::MakeSource(spec);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto plan = PlanLadder(LadderSetting{}, source->config, {}, LadderDefaults());
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->renditions.size(), 3u);  // src, 360p, 240p
  const size_t top = 1;                    // 360p: the highest transcoded rung
  ASSERT_EQ(plan->renditions[top].height, 360);

  SteppingClock clock;
  std::vector<std::unique_ptr<RecordingSink>> sinks;
  std::vector<media::MediaSink*> pointers;
  for (size_t i = 0; i < plan->renditions.size(); ++i) {
    sinks.push_back(std::make_unique<RecordingSink>());
    pointers.push_back(sinks.back().get());
  }
  std::atomic<bool> keeping_up{false};
  std::mutex events_mu;
  std::vector<PauseEvent> events;
  TranscoderOptions options;
  options.preset = "ultrafast";  // nothing faster: lagging goes straight to step 2
  options.block_when_full = true;
  options.rendition_queue_frames = 1;  // a picture is always taken from a full queue
  options.clock = &clock;
  options.watchdog.window_seconds = 2;
  options.degrader.step_cooldown_seconds = 1;
  options.degrader.recover_seconds = 1;
  options.degrader.pause_after_seconds = 1000;
  options.on_rendition_paused = [&](size_t index, bool paused) {
    {
      std::lock_guard lock(events_mu);
      events.push_back({index, paused, sinks[index]->Video().size()});
    }
    if (paused) {  // the pause freed the machine
      clock.SetStep(std::chrono::microseconds(100));
      keeping_up = true;
    }
  };
  auto transcoder = Transcoder::Create(*plan, options, pointers);
  ASSERT_TRUE(transcoder.ok()) << transcoder.status().ToString();
  (*transcoder)->OnVideoConfig(source->config);
  (*transcoder)->OnAudioConfig(testing::AacConfig());
  const auto audio = testing::MakeAudio(spec.first_pts, 24 * media::kTimescale);
  for (const auto& unit : testing::Interleave(source->video, audio)) {
    (*transcoder)->OnAccessUnit(unit);
    if (keeping_up && unit.kind == media::TrackKind::kVideo) {
      clock.Advance(std::chrono::milliseconds(20));
    }
  }
  (*transcoder)->Flush();
  const TranscoderStats stats = (*transcoder)->Stats();
  const std::vector<int64_t> cuts = SegmenterCuts(source->video);
  const std::set<int64_t> cut_set(cuts.begin(), cuts.end());

  // One pause of the top rung, then one resume.
  ASSERT_EQ(events.size(), 2u) << stats.degradation.reason;
  EXPECT_EQ(events[0].index, top);
  EXPECT_TRUE(events[0].paused);
  EXPECT_EQ(events[1].index, top);
  EXPECT_FALSE(events[1].paused);
  EXPECT_EQ(events[1].video_before, events[0].video_before);  // nothing written while paused
  EXPECT_EQ(stats.degradation.level, 0);
  EXPECT_EQ(stats.degradation.reason, "recovered: all renditions encoding");
  EXPECT_TRUE(stats.degradation.paused.empty());

  // The other rendition keeps every frame.
  const RenditionStats& low = stats.renditions[2];
  EXPECT_EQ(low.frames_skipped, 0u);
  EXPECT_EQ(low.pauses, 0u);
  EXPECT_EQ(sinks[2]->Video().size(), 720u);
  EXPECT_EQ(KeyframesAt(sinks[2]->Video()), cuts);

  const RenditionStats& rung = stats.renditions[top];
  EXPECT_EQ(rung.pauses, 1u);
  EXPECT_FALSE(rung.paused);
  EXPECT_GT(rung.frames_skipped, 0u);
  const auto video = sinks[top]->Video();
  EXPECT_EQ(video.size() + rung.frames_skipped, 720u);
  // Stopped right before a cut (a complete segment), resumed with an IDR at a later cut.
  const size_t at = events[0].video_before;
  ASSERT_GT(at, 0u);
  ASSERT_LT(at, video.size());
  EXPECT_TRUE(video[at].keyframe);
  EXPECT_TRUE(cut_set.count(video[at].pts)) << video[at].pts;
  EXPECT_GT(video[at].pts - video[at - 1].pts, kTarget);  // at least one segment left out
  for (const auto& u : video) {
    if (u.keyframe) {
      EXPECT_TRUE(cut_set.count(u.pts)) << u.pts;
    }
  }
  for (size_t i = 1; i < video.size(); ++i) EXPECT_GT(video[i].dts, video[i - 1].dts);
  // Same settings: one configuration for the whole run, and it decodes.
  ASSERT_EQ(sinks[top]->video_configs.size(), 1u);
  auto decoded = testing::DecodeBack(sinks[top]->video_configs[0], video);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->frames, static_cast<int>(video.size()));
  EXPECT_EQ(decoded->height, 360);
}

}  // namespace
}  // namespace steadycast::transcode
