#include "transcode/work_queue.h"

#include <thread>

#include <gtest/gtest.h>

namespace steadycast::transcode {
namespace {

TEST(WorkQueue, DropMustKeepAndControl) {
  WorkQueue<int> q(2, 1000);
  const Weight frame{.frames = 1, .bytes = 10};
  EXPECT_TRUE(q.Push(1, frame, PushMode::kDropIfFull));
  EXPECT_TRUE(q.Push(2, frame, PushMode::kDropIfFull));
  EXPECT_FALSE(q.Push(3, frame, PushMode::kDropIfFull));
  EXPECT_TRUE(q.Push(4, frame, PushMode::kMustKeep));  // reserve up to 2×
  EXPECT_TRUE(q.Push(5, frame, PushMode::kMustKeep));
  EXPECT_FALSE(q.Push(6, frame, PushMode::kMustKeep));
  EXPECT_TRUE(q.Push(7, Weight{}, PushMode::kDropIfFull));  // control always fits
  EXPECT_EQ(q.frames(), 4u);
  EXPECT_EQ(q.size(), 5u);
  for (int expected : {1, 2, 4, 5, 7}) EXPECT_EQ(q.Pop(), expected);
  EXPECT_EQ(q.frames(), 0u);
}

TEST(WorkQueue, BytesLimitAndOversizedItemInEmptyQueue) {
  WorkQueue<int> q(100, 50);
  EXPECT_TRUE(q.Push(1, Weight{.frames = 0, .bytes = 500}, PushMode::kDropIfFull));
  EXPECT_FALSE(q.Push(2, Weight{.frames = 0, .bytes = 1}, PushMode::kMustKeep));
  EXPECT_EQ(q.Pop(), 1);
}

TEST(WorkQueue, BlockingPushWaitsForRoomAndCloseWakes) {
  WorkQueue<int> q(1, 1000);
  const Weight frame{.frames = 1, .bytes = 1};
  ASSERT_TRUE(q.Push(1, frame, PushMode::kBlockIfFull));
  std::thread producer([&] { EXPECT_TRUE(q.Push(2, frame, PushMode::kBlockIfFull)); });
  EXPECT_EQ(q.Pop(), 1);
  EXPECT_EQ(q.Pop(), 2);
  producer.join();
  ASSERT_TRUE(q.Push(3, frame, PushMode::kBlockIfFull));
  std::thread blocked([&] { EXPECT_FALSE(q.Push(4, frame, PushMode::kBlockIfFull)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  q.Close();
  blocked.join();
  EXPECT_EQ(q.Pop(), std::nullopt);
}

}  // namespace
}  // namespace steadycast::transcode
