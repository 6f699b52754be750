#include "net/timer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>

#include "net/testing/io_thread.h"

namespace steadycast::net {
namespace {

using namespace std::chrono_literals;
using testing::IoThread;
using testing::WaitUntil;

TEST(TimerTest, FiresOnceNotBeforeItsTime) {
  IoThread io;
  Timer timer(io.io());
  std::atomic<int> fired{0};
  std::atomic<int64_t> late_us{-1};
  const auto at = Timer::Clock::now() + 30ms;
  io.Run([&] {
    timer.ArmAt(at, [&] {
      late_us =
          std::chrono::duration_cast<std::chrono::microseconds>(Timer::Clock::now() - at).count();
      ++fired;
    });
    EXPECT_TRUE(timer.armed());
  });
  ASSERT_TRUE(WaitUntil([&] { return fired == 1; }));
  EXPECT_GE(late_us, 0);
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(fired, 1);
  io.Run([&] { EXPECT_FALSE(timer.armed()); });
  io.Run([&] { timer.Cancel(); });
}

TEST(TimerTest, RearmReplacesAndCancelSilences) {
  IoThread io;
  Timer timer(io.io());
  std::atomic<int> first{0};
  std::atomic<int> second{0};
  io.Run([&] {
    timer.ArmAt(Timer::Clock::now() + 10ms, [&] { ++first; });
    timer.ArmAt(Timer::Clock::now() + 20ms, [&] { ++second; });
  });
  ASSERT_TRUE(WaitUntil([&] { return second == 1; }));
  EXPECT_EQ(first, 0);

  io.Run([&] {
    timer.ArmAt(Timer::Clock::now(), [&] { ++first; });  // already due: queued at once
    timer.Cancel();
  });
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(first, 0);
}

TEST(TimerTest, DestroyedTimerNeverCallsBack) {
  IoThread io;
  std::atomic<int> fired{0};
  io.Run([&] {
    auto timer = std::make_unique<Timer>(io.io());
    timer->ArmAt(Timer::Clock::now(), [&] { ++fired; });
    timer.reset();
  });
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(fired, 0);
}

TEST(TimerTest, CallbackMayRearmItself) {
  IoThread io;
  Timer timer(io.io());
  std::atomic<int> ticks{0};
  std::function<void()> tick = [&] {
    if (++ticks < 5) timer.ArmAt(Timer::Clock::now() + 1ms, tick);
  };
  io.Run([&] { timer.ArmAt(Timer::Clock::now(), tick); });
  ASSERT_TRUE(WaitUntil([&] { return ticks == 5; }));
  io.Run([&] { timer.Cancel(); });
}

}  // namespace
}  // namespace steadycast::net
