#include "session/ingest_guard.h"

#include <gtest/gtest.h>

namespace steadycast::session {
namespace {

using std::chrono::milliseconds;

TEST(IngestGuardTest, SourceIgnoresThePort) {
  EXPECT_EQ(IngestGuard::SourceOf("10.0.0.1:5000"), "10.0.0.1");
  EXPECT_EQ(IngestGuard::SourceOf("[::1]:5000"), "::1");
  EXPECT_EQ(IngestGuard::SourceOf("::1"), "::1");
  EXPECT_EQ(IngestGuard::SourceOf("host"), "host");
  EXPECT_EQ(IngestGuard::SourceOf(""), "");
}

TEST(IngestGuardTest, MoreThanTenRefusalsInAMinuteLockOut) {
  base::FakeClock clock;
  IngestGuard guard({}, clock);
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(guard.Allow("10.0.0.1:" + std::to_string(5000 + i)));
    guard.RecordRefusal("10.0.0.1:" + std::to_string(5000 + i));
  }
  EXPECT_TRUE(guard.Allow("10.0.0.1:6000"));  // ten refusals are allowed
  guard.RecordRefusal("10.0.0.1:6000");       // the eleventh locks out
  EXPECT_FALSE(guard.Allow("10.0.0.1:6001"));
  EXPECT_TRUE(guard.Allow("10.0.0.2:6001"));  // another address is unaffected
  clock.Advance(milliseconds(299'999));
  EXPECT_FALSE(guard.Allow("10.0.0.1:6002"));
  clock.Advance(milliseconds(1));
  EXPECT_TRUE(guard.Allow("10.0.0.1:6003"));  // cool-down over, and the count starts afresh
  guard.RecordRefusal("10.0.0.1:6003");
  EXPECT_TRUE(guard.Allow("10.0.0.1:6004"));
  const auto counters = guard.Counters();
  EXPECT_EQ(counters.refusals, 12);
  EXPECT_EQ(counters.lockouts, 1);
  EXPECT_EQ(counters.blocked, 2);
  EXPECT_EQ(counters.locked_sources, 0);
}

TEST(IngestGuardTest, RefusalsSpreadOverMoreThanAMinuteDoNotLockOut) {
  base::FakeClock clock;
  IngestGuard guard({}, clock);
  for (int i = 0; i < 30; ++i) {
    guard.RecordRefusal("10.0.0.1:1");
    clock.Advance(milliseconds(6'001));  // at most 10 within any 60 s
  }
  EXPECT_TRUE(guard.Allow("10.0.0.1:1"));
  EXPECT_EQ(guard.Counters().lockouts, 0);
}

TEST(IngestGuardTest, MemoryStaysBounded) {
  base::FakeClock clock;
  IngestGuard guard({.max_refusals = 1, .max_tracked = 100}, clock);
  guard.RecordRefusal("10.9.9.9:1");
  guard.RecordRefusal("10.9.9.9:1");  // locked out
  for (int i = 0; i < 10'000; ++i) guard.RecordRefusal("10.0." + std::to_string(i) + ":1");
  EXPECT_LE(guard.Counters().refusals, 10'002);
  EXPECT_FALSE(guard.Allow("10.9.9.9:1"));  // a locked address survives eviction of fresh ones
}

}  // namespace
}  // namespace steadycast::session
