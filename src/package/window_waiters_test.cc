#include "package/window_waiters.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace steadycast::package {
namespace {

WindowPosition At(std::optional<uint64_t> complete, uint32_t open_parts = 0, bool ended = false) {
  WindowPosition p;
  p.complete_through = complete;
  p.next_sequence = complete ? *complete + 1 : 0;
  p.open_parts = open_parts;
  p.ended = ended;
  return p;
}

TEST(WindowWaitersTest, SatisfiesOrdersSegmentsAndParts) {
  EXPECT_FALSE(Satisfies(At(std::nullopt), {0, std::nullopt}));
  EXPECT_TRUE(Satisfies(At(5), {5, std::nullopt}));
  EXPECT_TRUE(Satisfies(At(5), {3, 7}));  // an old part: its segment is complete
  EXPECT_FALSE(Satisfies(At(5), {6, std::nullopt}));
  EXPECT_FALSE(Satisfies(At(5, 2), {6, 2}));
  EXPECT_TRUE(Satisfies(At(5, 3), {6, 2}));
  EXPECT_TRUE(Satisfies(At(6), {6, 9}));  // completed with fewer parts: later wins
  EXPECT_FALSE(Satisfies(At(5, 3), {7, 0}));
  EXPECT_TRUE(Satisfies(At(5, 0, true), {100, 0}));  // ended: the answer is final
}

TEST(WindowWaitersTest, PublishWakesOnlyWhatExists) {
  WindowWaiters waiters;
  int woke6 = 0, woke7 = 0;
  ASSERT_TRUE(waiters.Add({6, std::nullopt}, [&] { ++woke6; }));
  ASSERT_TRUE(waiters.Add({7, 0}, [&] { ++woke7; }));
  waiters.Publish(At(5, 4));
  EXPECT_EQ(woke6 + woke7, 0);
  waiters.Publish(At(6));
  EXPECT_EQ(woke6, 1);
  EXPECT_EQ(woke7, 0);
  waiters.Publish(At(6, 1));
  EXPECT_EQ(woke7, 1);
  EXPECT_EQ(waiters.size(), 0u);
  waiters.Publish(At(8));  // nobody is called twice
  EXPECT_EQ(woke6 + woke7, 2);
}

TEST(WindowWaitersTest, AddAfterThePositionExistsAnswersAtOnce) {
  WindowWaiters waiters;
  waiters.Publish(At(9));
  int woke = 0;
  EXPECT_EQ(waiters.Add({9, std::nullopt}, [&] { ++woke; }), std::optional<uint64_t>(0));
  EXPECT_EQ(woke, 0);  // the caller answers; the callback is not kept
  EXPECT_EQ(waiters.size(), 0u);
}

TEST(WindowWaitersTest, RemoveAndPublishAnswerExactlyOnce) {
  WindowWaiters waiters;
  int woke = 0;
  const auto id = waiters.Add({3, std::nullopt}, [&] { ++woke; });
  ASSERT_TRUE(id && *id > 0);
  waiters.Publish(At(3));
  EXPECT_FALSE(waiters.Remove(*id));  // already answered by the publish
  const auto id2 = waiters.Add({4, std::nullopt}, [&] { ++woke; });
  EXPECT_TRUE(waiters.Remove(*id2));  // the timeout won
  waiters.Publish(At(4));
  EXPECT_EQ(woke, 1);
}

TEST(WindowWaitersTest, LimitRefusesInsteadOfGrowing) {
  WindowWaiters waiters(1000);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(waiters.Add({50, 0}, [] {}));
  EXPECT_FALSE(waiters.Add({50, 0}, [] {}).has_value());
  waiters.Publish(At(50));
  EXPECT_EQ(waiters.size(), 0u);
}

TEST(WindowWaitersTest, ConcurrentTimeoutsAndPublishesNeverDoubleAnswer) {
  WindowWaiters waiters;
  std::atomic<int> answered{0};
  std::vector<uint64_t> ids;
  std::vector<std::atomic<int>> per(2000);
  for (int i = 0; i < 2000; ++i) {
    ids.push_back(*waiters.Add({static_cast<uint64_t>(i % 20), std::nullopt}, [&, i] {
      ++per[i];
      ++answered;
    }));
  }
  std::thread publisher([&] {
    for (uint64_t n = 0; n < 20; ++n) waiters.Publish(At(n));
  });
  for (int i = 0; i < 2000; i += 2) {
    if (waiters.Remove(ids[i])) {
      ++per[i];
      ++answered;
    }
  }
  publisher.join();
  EXPECT_EQ(answered.load(), 2000);
  for (auto& p : per) EXPECT_EQ(p.load(), 1);
}

}  // namespace
}  // namespace steadycast::package
