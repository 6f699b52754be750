#include "net/srt_throttle.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "net/srt_server.h"

namespace steadycast::net {
namespace {

using std::chrono::milliseconds;

TEST(SrtThrottleTest, RepeatedRefusalOfOnePairIsAnsweredWithoutAsking) {
  base::FakeClock clock;
  SrtHandshakeThrottle throttle({.max_refusals_per_stream_id = 3}, clock);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(throttle.Check("10.0.0.1", "wrong").ask) << i;
    throttle.RecordRefusal("10.0.0.1", "wrong", kSrtRejectNotFound);
  }
  const auto verdict = throttle.Check("10.0.0.1", "wrong");
  EXPECT_FALSE(verdict.ask);
  EXPECT_EQ(verdict.reject_code, kSrtRejectNotFound);
  // The right key from the same address, and the same key from elsewhere, are still asked.
  EXPECT_TRUE(throttle.Check("10.0.0.1", "right").ask);
  EXPECT_TRUE(throttle.Check("10.0.0.2", "wrong").ask);
}

TEST(SrtThrottleTest, RefusalsExpireAfterTheWindow) {
  base::FakeClock clock;
  SrtHandshakeThrottle throttle({.max_refusals_per_stream_id = 2, .window = milliseconds(10'000)},
                                clock);
  throttle.RecordRefusal("10.0.0.1", "k", kSrtRejectForbidden);
  throttle.RecordRefusal("10.0.0.1", "k", kSrtRejectForbidden);
  EXPECT_FALSE(throttle.Check("10.0.0.1", "k").ask);
  clock.Advance(milliseconds(9'999));
  EXPECT_FALSE(throttle.Check("10.0.0.1", "k").ask);
  clock.Advance(milliseconds(1));
  EXPECT_TRUE(throttle.Check("10.0.0.1", "k").ask);
  // A new refusal starts a new window with a count of one.
  throttle.RecordRefusal("10.0.0.1", "k", kSrtRejectForbidden);
  EXPECT_TRUE(throttle.Check("10.0.0.1", "k").ask);
}

TEST(SrtThrottleTest, DecisionRateIsBoundedPerAddress) {
  base::FakeClock clock;
  SrtHandshakeThrottle throttle(
      {.max_refusals_per_stream_id = 0, .decisions_per_second = 10, .decision_burst = 5}, clock);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(throttle.Check("10.0.0.1", std::to_string(i)).ask);
  const auto verdict = throttle.Check("10.0.0.1", "x");
  EXPECT_FALSE(verdict.ask);
  EXPECT_EQ(verdict.reject_code, kSrtRejectOverload);
  EXPECT_TRUE(throttle.Check("10.0.0.9", "x").ask);  // other addresses have their own bucket
  clock.Advance(milliseconds(100));                  // one token back
  EXPECT_TRUE(throttle.Check("10.0.0.1", "x").ask);
  EXPECT_FALSE(throttle.Check("10.0.0.1", "y").ask);
}

TEST(SrtThrottleTest, DisabledRulesAlwaysAsk) {
  base::FakeClock clock;
  SrtHandshakeThrottle throttle({.max_refusals_per_stream_id = 0, .decisions_per_second = 0},
                                clock);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(throttle.Check("10.0.0.1", "k").ask);
    throttle.RecordRefusal("10.0.0.1", "k", kSrtRejectNotFound);
  }
}

TEST(SrtThrottleTest, MemoryIsBounded) {
  base::FakeClock clock;
  SrtHandshakeThrottle throttle(
      {.max_refusals_per_stream_id = 1, .max_addresses = 8, .max_stream_ids_per_address = 2},
      clock);
  for (int i = 0; i < 100; ++i) {
    throttle.RecordRefusal("10.0.0." + std::to_string(i), "k", kSrtRejectNotFound);
    clock.Advance(milliseconds(1));
  }
  EXPECT_LE(throttle.tracked_addresses(), 8u);
  // The most recent addresses are still remembered.
  EXPECT_FALSE(throttle.Check("10.0.0.99", "k").ask);
  // Per address, the oldest refused streamid is forgotten first.
  throttle.RecordRefusal("10.0.0.99", "a", kSrtRejectNotFound);
  clock.Advance(milliseconds(1));
  throttle.RecordRefusal("10.0.0.99", "b", kSrtRejectNotFound);
  EXPECT_TRUE(throttle.Check("10.0.0.99", "k").ask);
  EXPECT_FALSE(throttle.Check("10.0.0.99", "a").ask);
  EXPECT_FALSE(throttle.Check("10.0.0.99", "b").ask);
}

}  // namespace
}  // namespace steadycast::net
