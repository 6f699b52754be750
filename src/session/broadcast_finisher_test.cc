#include "session/broadcast_finisher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "session/broadcast.h"
#include "transcode/transcoder.h"

namespace steadycast::session {
namespace {

using namespace std::chrono_literals;

TEST(BroadcastFinisherTest, RunsJobsInOrderOnItsOwnThread) {
  std::vector<int> order;
  std::promise<std::thread::id> ran_on;
  {
    BroadcastFinisher finisher;
    for (int i = 0; i < 5; ++i) finisher.Post([&order, i] { order.push_back(i); });
    finisher.Post([&ran_on] { ran_on.set_value(std::this_thread::get_id()); });
    EXPECT_NE(ran_on.get_future().get(), std::this_thread::get_id());
  }
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(BroadcastFinisherTest, DestructionRunsWhatIsStillQueued) {
  std::atomic<int> done{0};
  {
    BroadcastFinisher finisher;
    finisher.Post([&done] {
      std::this_thread::sleep_for(50ms);
      ++done;
    });
    for (int i = 0; i < 3; ++i) finisher.Post([&done] { ++done; });
  }
  EXPECT_EQ(done.load(), 4);
}

// A transcoder whose drain takes as long as the test wants.
class SlowDrainTranscoder final : public transcode::LadderTranscoder {
 public:
  explicit SlowDrainTranscoder(std::shared_future<void> release) : release_(release) {}
  void OnVideoConfig(const media::VideoTrackConfig&) override {}
  void OnAudioConfig(const media::AudioTrackConfig&) override {}
  void OnAccessUnit(const media::AccessUnit&) override {}
  void Flush() override {
    flush_started.store(true);
    release_.wait();
    flushed.store(true);
  }
  void Hold() override {}
  void Tick() override {}
  transcode::TranscoderStats Stats() const override { return {}; }
  transcode::DegradationState Degradation() const override { return {}; }

  static inline std::atomic<bool> flush_started{false};
  static inline std::atomic<bool> flushed{false};

 private:
  std::shared_future<void> release_;
};

TEST(BroadcastFinisherTest, EndingATranscodedBroadcastDoesNotWaitForTheDrain) {
  base::RealClock clock;
  BroadcastFinisher finisher;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  BroadcastOptions options;
  options.finisher = &finisher;
  options.transcoder_factory = [released](const transcode::LadderPlan&,
                                          const transcode::TranscoderOptions&,
                                          std::vector<media::MediaSink*>)
      -> base::Result<std::unique_ptr<transcode::LadderTranscoder>> {
    return std::unique_ptr<transcode::LadderTranscoder>(new SlowDrainTranscoder(released));
  };
  media::VideoTrackConfig video;
  video.width = 1280;
  video.height = 720;
  video.profile_idc = 100;
  video.level_idc = 31;
  video.frame_rate = 30.0;
  auto broadcast = Broadcast::Create(options, clock, "\"default\"", "standard", video);
  ASSERT_TRUE(broadcast->TranscoderStats().has_value()) << "the fake transcoder is in use";

  const auto start = std::chrono::steady_clock::now();
  broadcast->End();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_FALSE(SlowDrainTranscoder::flushed.load());
  EXPECT_FALSE(broadcast->TranscoderStats().has_value());
  broadcast.reset();  // the finisher's job keeps the transcoder and the packager

  release.set_value();
  for (int i = 0; i < 200 && finisher.pending() > 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(finisher.pending(), 0u);
  EXPECT_TRUE(SlowDrainTranscoder::flush_started.load());
  EXPECT_TRUE(SlowDrainTranscoder::flushed.load());
}

}  // namespace
}  // namespace steadycast::session
