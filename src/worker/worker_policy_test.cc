#include <chrono>
#include <vector>

#include <gtest/gtest.h>

#include "worker/outgoing_queue.h"
#include "worker/restart_policy.h"

namespace steadycast::worker {
namespace {

using std::chrono::milliseconds;
using Time = RestartPolicy::Time;
using State = RestartPolicy::State;

Time At(int ms) { return Time(milliseconds(ms)); }

TEST(RestartPolicyTest, BacksOffDoublingToTheCap) {
  RestartPolicy p(RestartPolicyOptions{.max_failures = 100});
  int now = 0;
  const int expected[] = {100, 200, 400, 800, 1600, 3200, 6400, 8000, 8000};
  for (int delay : expected) {
    EXPECT_EQ(p.OnFailure(At(now)), State::kBackingOff);
    EXPECT_FALSE(p.RestartDue(At(now + delay - 1)));
    EXPECT_TRUE(p.RestartDue(At(now + delay)));
    now += delay;
    p.OnStarted();
    EXPECT_EQ(p.state(), State::kRunning);
    now += 10;  // it fails again quickly
  }
  EXPECT_EQ(p.restarts(), 9);
}

TEST(RestartPolicyTest, GivesUpAtTheFifthFailureWithinAMinute) {
  RestartPolicy p;
  int now = 0;
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(p.OnFailure(At(now)), State::kBackingOff) << i;
    now = static_cast<int>(p.restart_at()->time_since_epoch() / milliseconds(1));
    ASSERT_TRUE(p.RestartDue(At(now)));
    p.OnStarted();
    now += 1000;
  }
  EXPECT_EQ(p.failures_in_window(At(now)), 4);
  EXPECT_EQ(p.OnFailure(At(now)), State::kGaveUp);
  EXPECT_FALSE(p.RestartDue(At(now + 600000)));
  EXPECT_EQ(p.OnFailure(At(now + 600000)), State::kGaveUp);  // for good
}

TEST(RestartPolicyTest, FailuresSpreadOverMoreThanAMinuteNeverGiveUp) {
  RestartPolicy p;
  for (int i = 0; i < 20; ++i) {
    const int now = i * 16000;  // 4 per minute at most
    ASSERT_EQ(p.OnFailure(At(now)), State::kBackingOff) << i;
    ASSERT_TRUE(p.RestartDue(At(now + 8000)));
    p.OnStarted();
  }
}

TEST(RestartPolicyTest, AQuietWindowResetsTheBackoff) {
  RestartPolicy p;
  p.OnFailure(At(0));
  p.OnStarted();
  p.OnFailure(At(1000));
  EXPECT_EQ(p.current_backoff(), milliseconds(200));
  p.OnStarted();
  p.OnFailure(At(120000));
  EXPECT_EQ(p.current_backoff(), milliseconds(100));
}

TEST(HangDetectorTest, OnlyInputWithoutOutputIsAHang) {
  HangDetector h(milliseconds(3000));
  EXPECT_FALSE(h.Hung(At(10000)));  // idle: nothing sent
  h.OnVideoSent(At(0));
  h.OnOutput(At(100));
  h.OnVideoSent(At(200));
  h.OnVideoSent(At(2000));
  EXPECT_FALSE(h.Hung(At(3199)));
  EXPECT_TRUE(h.Hung(At(3200)));  // from the first unanswered input
  h.OnOutput(At(3300));
  EXPECT_FALSE(h.Hung(At(9000)));
  h.OnVideoSent(At(9000));
  h.Reset();
  EXPECT_FALSE(h.Hung(At(20000)));
}

std::vector<uint8_t> Bytes(size_t n) { return std::vector<uint8_t>(n, 0); }

TEST(OutgoingQueueTest, VideoDropsAtTheBoundKeyframesUseTheReserve) {
  OutgoingQueue q(OutgoingQueueOptions{.max_frames = 4, .max_bytes = 1000});
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(q.Push(Bytes(10), FrameClass::kVideo));
  EXPECT_FALSE(q.Push(Bytes(10), FrameClass::kVideo));
  EXPECT_FALSE(q.Push(Bytes(10), FrameClass::kAudio));
  EXPECT_TRUE(q.Push(Bytes(10), FrameClass::kVideoKeyframe));  // 2× reserve
  EXPECT_TRUE(q.Push(Bytes(10), FrameClass::kControl));
  EXPECT_EQ(q.video_dropped(), 1u);
  EXPECT_EQ(q.audio_dropped(), 1u);
  std::deque<std::vector<uint8_t>> out;
  q.TakeAll(out);
  EXPECT_EQ(out.size(), 6u);
  EXPECT_EQ(q.bytes(), 0u);
  EXPECT_TRUE(q.Push(Bytes(10), FrameClass::kVideo));
}

TEST(OutgoingQueueTest, BytesBoundAndControlCap) {
  OutgoingQueue q(OutgoingQueueOptions{.max_frames = 100, .max_bytes = 100});
  EXPECT_TRUE(q.Push(Bytes(90), FrameClass::kVideo));
  EXPECT_FALSE(q.Push(Bytes(20), FrameClass::kVideo));
  EXPECT_TRUE(q.Push(Bytes(100), FrameClass::kVideoKeyframe));  // 190 ≤ 200
  EXPECT_FALSE(q.Push(Bytes(20), FrameClass::kVideoKeyframe));
  EXPECT_TRUE(q.Push(Bytes(10), FrameClass::kControl));
  EXPECT_FALSE(q.Push(Bytes(10), FrameClass::kControl));  // 210 > 2 × 100
  EXPECT_EQ(q.control_dropped(), 1u);
}

}  // namespace
}  // namespace steadycast::worker
