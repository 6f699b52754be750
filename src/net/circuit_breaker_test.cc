#include "net/circuit_breaker.h"

#include <gtest/gtest.h>

namespace steadycast::net {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

void Fail(CircuitBreaker& breaker, int times) {
  for (int i = 0; i < times; ++i) {
    ASSERT_TRUE(breaker.Allow());
    breaker.RecordFailure();
  }
}

TEST(CircuitBreakerTest, OpensAfterThresholdConsecutiveFailures) {
  base::FakeClock clock;
  CircuitBreaker breaker(clock);
  Fail(breaker, 4);
  EXPECT_EQ(breaker.state(), CircuitState::kClosed);
  EXPECT_EQ(breaker.consecutive_failures(), 4);
  Fail(breaker, 1);
  EXPECT_EQ(breaker.state(), CircuitState::kOpen);
  EXPECT_EQ(breaker.open_until(), clock.WallNow() + seconds(60));
  EXPECT_FALSE(breaker.Allow());
}

TEST(CircuitBreakerTest, SuccessResetsTheFailureCount) {
  base::FakeClock clock;
  CircuitBreaker breaker(clock);
  Fail(breaker, 4);
  ASSERT_TRUE(breaker.Allow());
  breaker.RecordSuccess();
  EXPECT_EQ(breaker.consecutive_failures(), 0);
  Fail(breaker, 4);
  EXPECT_EQ(breaker.state(), CircuitState::kClosed);
}

TEST(CircuitBreakerTest, ExactlyOneProbeAfterCoolDown) {
  base::FakeClock clock;
  CircuitBreaker breaker(clock);
  Fail(breaker, 5);
  clock.Advance(seconds(59));
  EXPECT_FALSE(breaker.Allow());
  clock.Advance(seconds(1));
  EXPECT_TRUE(breaker.Allow());  // the probe
  EXPECT_EQ(breaker.state(), CircuitState::kHalfOpen);
  EXPECT_FALSE(breaker.Allow());
  EXPECT_FALSE(breaker.Allow());
  breaker.RecordSuccess();
  EXPECT_EQ(breaker.state(), CircuitState::kClosed);
  EXPECT_EQ(breaker.consecutive_failures(), 0);
  EXPECT_TRUE(breaker.Allow());
  EXPECT_TRUE(breaker.Allow());
}

TEST(CircuitBreakerTest, FailedProbesDoubleTheCoolDownUpToTheCap) {
  base::FakeClock clock;
  CircuitBreaker breaker(clock);
  Fail(breaker, 5);
  milliseconds expected = seconds(60);
  for (int probe = 0; probe < 10; ++probe) {
    EXPECT_EQ(breaker.open_until() - clock.WallNow(), expected) << probe;
    clock.Advance(expected - milliseconds(1));
    EXPECT_FALSE(breaker.Allow());
    clock.Advance(milliseconds(1));
    ASSERT_TRUE(breaker.Allow());
    breaker.RecordFailure();
    EXPECT_EQ(breaker.state(), CircuitState::kOpen);
    expected = std::min<milliseconds>(expected * 2, hours(1));
  }
  // 60 s · 2^6 = 64 min > 1 h: capped from the seventh failed probe on.
  EXPECT_EQ(breaker.open_until() - clock.WallNow(), hours(1));
  EXPECT_EQ(breaker.consecutive_failures(), 15);
  // Recovery goes back to the base cool-down.
  clock.Advance(hours(1));
  ASSERT_TRUE(breaker.Allow());
  breaker.RecordSuccess();
  Fail(breaker, 5);
  EXPECT_EQ(breaker.open_until() - clock.WallNow(), seconds(60));
}

TEST(CircuitBreakerTest, LateFailuresWhileOpenDoNotExtendIt) {
  base::FakeClock clock;
  CircuitBreaker breaker(clock);
  Fail(breaker, 5);
  const auto open_until = breaker.open_until();
  breaker.RecordFailure();  // a call started before the circuit opened
  EXPECT_EQ(breaker.open_until(), open_until);
  EXPECT_EQ(breaker.consecutive_failures(), 5);
}

TEST(CircuitBreakerTest, AbandonedProbeIsReplacedAfterProbeTimeout) {
  base::FakeClock clock;
  CircuitBreaker breaker(clock, {.probe_timeout = seconds(30)});
  Fail(breaker, 5);
  clock.Advance(seconds(60));
  ASSERT_TRUE(breaker.Allow());
  clock.Advance(seconds(29));
  EXPECT_FALSE(breaker.Allow());
  clock.Advance(seconds(1));
  EXPECT_TRUE(breaker.Allow());
  EXPECT_FALSE(breaker.Allow());
}

TEST(CircuitBreakerTest, CustomOptions) {
  base::FakeClock clock;
  CircuitBreaker breaker(
      clock, {.failure_threshold = 2, .cool_down = seconds(1), .max_cool_down = seconds(3)});
  Fail(breaker, 2);
  EXPECT_EQ(breaker.CoolDownFor(2), seconds(1));
  EXPECT_EQ(breaker.CoolDownFor(3), seconds(2));
  EXPECT_EQ(breaker.CoolDownFor(4), seconds(3));
  EXPECT_EQ(breaker.CoolDownFor(1'000'000), seconds(3));
  EXPECT_EQ(breaker.open_until() - clock.WallNow(), seconds(1));
}

TEST(CircuitBreakerTest, SnapshotAndRestoreRoundTrip) {
  base::FakeClock clock;
  CircuitBreaker first(clock);
  Fail(first, 5);
  clock.Advance(seconds(60));
  ASSERT_TRUE(first.Allow());
  first.RecordFailure();  // open for 120 s, 6 failures
  const CircuitSnapshot saved = first.Snapshot();
  EXPECT_EQ(saved.state, CircuitState::kOpen);
  EXPECT_EQ(saved.consecutive_failures, 6);

  CircuitBreaker second(clock);
  second.Restore(saved);
  EXPECT_EQ(second.Snapshot(), saved);
  EXPECT_FALSE(second.Allow());
  clock.Advance(seconds(120));
  ASSERT_TRUE(second.Allow());
  second.RecordFailure();  // the restored count keeps doubling: 240 s
  EXPECT_EQ(second.open_until() - clock.WallNow(), seconds(240));
}

TEST(CircuitBreakerTest, RestoreSanitisesPersistedValues) {
  base::FakeClock clock;
  CircuitBreaker breaker(clock);
  // A persisted half-open lost its probe with the old process: open, probe allowed when due.
  breaker.Restore(CircuitState::kHalfOpen, 7, clock.WallNow() - seconds(5));
  EXPECT_EQ(breaker.state(), CircuitState::kOpen);
  EXPECT_TRUE(breaker.Allow());
  EXPECT_FALSE(breaker.Allow());

  // A far-future open_until is capped at one maximum cool-down.
  breaker.Restore(CircuitState::kOpen, 5, clock.WallNow() + hours(24 * 365));
  EXPECT_EQ(breaker.open_until() - clock.WallNow(), hours(1));
  // Open with too few failures still counts as open (threshold reached).
  breaker.Restore(CircuitState::kOpen, 0, clock.WallNow() + seconds(1));
  EXPECT_EQ(breaker.consecutive_failures(), 5);

  breaker.Restore(CircuitState::kClosed, -3, clock.WallNow() + hours(1));
  EXPECT_EQ(breaker.Snapshot(), CircuitSnapshot{});
  EXPECT_TRUE(breaker.Allow());
}

TEST(CircuitBreakerTest, StateNames) {
  EXPECT_EQ(CircuitStateName(CircuitState::kClosed), "closed");
  EXPECT_EQ(CircuitStateName(CircuitState::kOpen), "open");
  EXPECT_EQ(CircuitStateName(CircuitState::kHalfOpen), "half_open");
}

TEST(GuardedCallTest, RefusesWithoutCallingWhileOpen) {
  base::FakeClock clock;
  CircuitBreaker breaker(clock, {.failure_threshold = 2});
  GuardedCall guard(breaker, seconds(10));
  int calls = 0;
  auto failing = [&](milliseconds timeout) -> base::Result<int> {
    ++calls;
    EXPECT_EQ(timeout, seconds(10));
    return base::Unavailable("connection refused");
  };
  EXPECT_FALSE(guard.Call(failing).ok());
  EXPECT_FALSE(guard.Call(failing).ok());
  EXPECT_EQ(calls, 2);
  const base::Result<int> refused = guard.Call(failing);
  EXPECT_EQ(refused.status().code(), base::ErrorCode::kUnavailable);
  EXPECT_EQ(refused.status().message(), "circuit open");
  EXPECT_EQ(calls, 2);

  clock.Advance(seconds(60));
  auto ok = guard.Call([&](milliseconds) -> base::Result<int> { return 7; });
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 7);
  EXPECT_EQ(breaker.state(), CircuitState::kClosed);
}

TEST(GuardedCallTest, ACallOverItsTimeoutCountsAsAFailure) {
  base::FakeClock clock;
  CircuitBreaker breaker(clock, {.failure_threshold = 1});
  GuardedCall guard(breaker, seconds(10));
  auto slow = guard.Call([&](milliseconds) -> base::Result<int> {
    clock.Advance(seconds(11));
    return 1;
  });
  EXPECT_TRUE(slow.ok());                           // the caller still gets the value...
  EXPECT_EQ(breaker.state(), CircuitState::kOpen);  // ...but the target is considered sick
}

TEST(GuardedCallTest, CustomSuccessPredicate) {
  base::FakeClock clock;
  CircuitBreaker breaker(clock, {.failure_threshold = 1});
  GuardedCall guard(breaker, seconds(10));
  auto result = guard.Call([](milliseconds) -> base::Result<int> { return 500; },
                           [](const base::Result<int>& r) { return r.ok() && *r < 300; });
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(breaker.state(), CircuitState::kOpen);
}

}  // namespace
}  // namespace steadycast::net
