#include "transcode/realtime_watchdog.h"

#include <chrono>

#include <gtest/gtest.h>

namespace steadycast::transcode {
namespace {

using std::chrono::milliseconds;

TEST(FasterPreset, StepsOneAtATimeAndStopsAtUltrafast) {
  EXPECT_EQ(FasterPreset("veryfast"), "superfast");
  EXPECT_EQ(FasterPreset("superfast"), "ultrafast");
  EXPECT_EQ(FasterPreset("medium"), "fast");
  EXPECT_EQ(FasterPreset("ultrafast"), std::nullopt);
  EXPECT_EQ(FasterPreset("bogus"), std::nullopt);
}

// Feeds `seconds` of 30 fps pictures, each taking `wall_per_frame` of the fake clock.
void Feed(RealtimeWatchdog& w, base::FakeClock& clock, double seconds, milliseconds wall_per_frame,
          bool queue_full) {
  for (int i = 0; i < static_cast<int>(seconds * 30); ++i) {
    clock.Advance(wall_per_frame);
    w.OnEncoded(clock.Now(), 1.0 / 30, queue_full);
  }
}

TEST(RealtimeWatchdog, KeepingUpIsNotBehind) {
  base::FakeClock clock;
  RealtimeWatchdog w(WatchdogOptions{});
  Feed(w, clock, 10, milliseconds(33), /*queue_full=*/false);
  EXPECT_FALSE(w.Behind(clock.Now()));
  EXPECT_NEAR(*w.Speed(), 1.0, 0.02);
}

TEST(RealtimeWatchdog, SlowWithFullQueueOverTheWindowIsBehind) {
  base::FakeClock clock;
  RealtimeWatchdog w(WatchdogOptions{});
  Feed(w, clock, 1, milliseconds(50), true);  // 1.5 s of wall: not a full window yet
  EXPECT_FALSE(w.Behind(clock.Now()));
  Feed(w, clock, 4, milliseconds(50), true);
  EXPECT_TRUE(w.Behind(clock.Now()));
  EXPECT_NEAR(*w.Speed(), 0.66, 0.02);
}

TEST(RealtimeWatchdog, SlowWithEmptyQueueIsASlowSourceNotOverload) {
  base::FakeClock clock;
  RealtimeWatchdog w(WatchdogOptions{});
  Feed(w, clock, 5, milliseconds(50), false);
  EXPECT_FALSE(w.Behind(clock.Now()));
}

TEST(RealtimeWatchdog, RecentDropIsBehindAndExpires) {
  base::FakeClock clock;
  RealtimeWatchdog w(WatchdogOptions{});
  w.OnDrop(clock.Now());
  EXPECT_TRUE(w.Behind(clock.Now()));
  clock.Advance(milliseconds(5100));
  EXPECT_FALSE(w.Behind(clock.Now()));
}

TEST(RealtimeWatchdog, CooldownAfterAStep) {
  base::FakeClock clock;
  RealtimeWatchdog w(WatchdogOptions{});
  w.OnDrop(clock.Now());
  ASSERT_TRUE(w.Behind(clock.Now()));
  w.OnStep(clock.Now());
  w.OnDrop(clock.Now());
  Feed(w, clock, 6, milliseconds(50), true);  // 9 s of wall: still cooling down
  EXPECT_FALSE(w.Behind(clock.Now()));
  Feed(w, clock, 1, milliseconds(50), true);  // 10.5 s: slow with a full queue again
  EXPECT_TRUE(w.Behind(clock.Now()));
}

TEST(RealtimeWatchdog, DisabledNeverFires) {
  base::FakeClock clock;
  WatchdogOptions options;
  options.enabled = false;
  RealtimeWatchdog w(options);
  w.OnDrop(clock.Now());
  Feed(w, clock, 6, milliseconds(100), true);
  EXPECT_FALSE(w.Behind(clock.Now()));
}

}  // namespace
}  // namespace steadycast::transcode
