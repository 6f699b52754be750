#include "deliver/wait_deadlines.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <vector>

namespace steadycast::deliver {
namespace {

using namespace std::chrono_literals;

TEST(WaitDeadlinesTest, FiresInDeadlineOrderNotInsertionOrder) {
  WaitDeadlines deadlines;
  std::mutex mu;
  std::vector<int> order;
  std::atomic<int> fired{0};
  const auto now = WaitDeadlines::Clock::now();
  for (int i : {3, 1, 2}) {
    ASSERT_TRUE(deadlines.Add(now + i * 20ms, [&, i] {
      std::lock_guard lock(mu);
      order.push_back(i);
      ++fired;
    }));
  }
  while (fired < 3) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(WaitDeadlinesTest, AnEarlierDeadlineAddedLaterIsNotHeldBack) {
  WaitDeadlines deadlines;
  std::atomic<bool> early{false};
  const auto now = WaitDeadlines::Clock::now();
  ASSERT_TRUE(deadlines.Add(now + 10s, [] {}));
  ASSERT_TRUE(deadlines.Add(now + 20ms, [&] { early = true; }));
  const auto until = now + 2s;
  while (!early && WaitDeadlines::Clock::now() < until) std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(early);
  EXPECT_EQ(deadlines.size(), 1u);
}

TEST(WaitDeadlinesTest, BoundedAndDestructionDropsWhatIsPending) {
  std::atomic<int> fired{0};
  {
    WaitDeadlines deadlines(1000);
    const auto later = WaitDeadlines::Clock::now() + 60s;
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(deadlines.Add(later, [&] { ++fired; }));
    EXPECT_FALSE(deadlines.Add(later, [&] { ++fired; }));
  }
  EXPECT_EQ(fired.load(), 0);
}

}  // namespace
}  // namespace steadycast::deliver
