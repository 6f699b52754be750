#include "api/rate_limiter.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace steadycast::api {
namespace {

using std::chrono::milliseconds;

TEST(RateLimiterTest, BurstThenRefusalThenRefill) {
  base::FakeClock clock;
  RateLimiter limiter(clock, 100);
  const RateLimit limit{5, 10};
  for (int i = 0; i < 10; ++i) {
    RateDecision d = limiter.Take("k", limit);
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.limit, 10);
    EXPECT_EQ(d.remaining, 9 - i);
    EXPECT_EQ(d.retry_after_seconds, 0);
  }
  RateDecision refused = limiter.Take("k", limit);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.remaining, 0);
  EXPECT_EQ(refused.retry_after_seconds, 1);  // 0.2 s rounded up
  EXPECT_EQ(refused.reset_seconds, 2);        // 10 tokens at 5/s
  // A refused request takes nothing: 200 ms later exactly one token is back.
  clock.Advance(milliseconds(199));
  EXPECT_FALSE(limiter.Take("k", limit).allowed);
  clock.Advance(milliseconds(1));
  RateDecision again = limiter.Take("k", limit);
  EXPECT_TRUE(again.allowed);
  EXPECT_EQ(again.remaining, 0);
  EXPECT_FALSE(limiter.Take("k", limit).allowed);
  // Refill stops at the burst.
  clock.Advance(std::chrono::seconds(60));
  RateDecision full = limiter.Take("k", limit);
  EXPECT_EQ(full.remaining, 9);
  EXPECT_EQ(full.reset_seconds, 1);  // one token missing at 5/s → 0.2 s, rounded up
}

TEST(RateLimiterTest, SlowRatesGiveLongRetryAfter) {
  base::FakeClock clock;
  RateLimiter limiter(clock, 100);
  const RateLimit limit{0.1, 1};  // one request per 10 s
  EXPECT_TRUE(limiter.Take("k", limit).allowed);
  RateDecision d = limiter.Take("k", limit);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 10);
  clock.Advance(std::chrono::seconds(4));
  EXPECT_EQ(limiter.Take("k", limit).retry_after_seconds, 6);
}

TEST(RateLimiterTest, KeysAreIndependent) {
  base::FakeClock clock;
  RateLimiter limiter(clock, 100);
  const RateLimit limit{1, 1};
  EXPECT_TRUE(limiter.Take("a", limit).allowed);
  EXPECT_FALSE(limiter.Take("a", limit).allowed);
  EXPECT_TRUE(limiter.Take("b", limit).allowed);
}

TEST(RateLimiterTest, PeekNeitherTakesNorCreates) {
  base::FakeClock clock;
  RateLimiter limiter(clock, 100);
  const RateLimit limit{1, 2};
  RateDecision fresh = limiter.Peek("k", limit);
  EXPECT_TRUE(fresh.allowed);
  EXPECT_EQ(fresh.remaining, 2);
  EXPECT_EQ(limiter.tracked_keys(), 0u);
  limiter.Take("k", limit);
  limiter.Take("k", limit);
  RateDecision empty = limiter.Peek("k", limit);
  EXPECT_FALSE(empty.allowed);
  EXPECT_EQ(empty.retry_after_seconds, 1);
  EXPECT_FALSE(limiter.Peek("k", limit).allowed);
  clock.Advance(std::chrono::seconds(1));
  EXPECT_TRUE(limiter.Peek("k", limit).allowed);
  EXPECT_EQ(limiter.Peek("k", limit).remaining, 1);
}

TEST(RateLimiterTest, MemoryIsBoundedByLeastRecentlyUsedEviction) {
  base::FakeClock clock;
  RateLimiter limiter(clock, 2);
  const RateLimit limit{1, 1};
  limiter.Take("a", limit);
  limiter.Take("b", limit);
  limiter.Take("a", limit);  // a is now the most recent
  limiter.Take("c", limit);  // evicts b
  EXPECT_EQ(limiter.tracked_keys(), 2u);
  EXPECT_FALSE(limiter.Peek("a", limit).allowed);  // a kept its empty bucket
  EXPECT_TRUE(limiter.Peek("b", limit).allowed);   // b was forgotten: full again
  for (int i = 0; i < 1000; ++i) limiter.Take("k" + std::to_string(i), limit);
  EXPECT_EQ(limiter.tracked_keys(), 2u);
}

TEST(RateLimiterTest, ConcurrentTakesNeverExceedTheBurst) {
  base::FakeClock clock;  // frozen: no refill during the test
  RateLimiter limiter(clock, 100);
  const RateLimit limit{1, 500};
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 250; ++i) {
        if (limiter.Take("shared", limit).allowed) ++allowed;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(allowed.load(), 500);
}

TEST(RateLimiterTest, ClientAddressDropsThePort) {
  EXPECT_EQ(ClientAddress("192.0.2.1:5000"), "192.0.2.1");
  EXPECT_EQ(ClientAddress("[2001:db8::1]:443"), "2001:db8::1");
  EXPECT_EQ(ClientAddress("2001:db8::1"), "2001:db8::1");
  EXPECT_EQ(ClientAddress("192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(ClientAddress("unknown"), "unknown");
  EXPECT_EQ(ClientAddress(""), "");
  EXPECT_EQ(ClientAddress("[broken"), "[broken");
}

TEST(RateLimiterTest, TooManyRequestsCarriesEveryHeader) {
  RateDecision d{
      .allowed = false, .limit = 10, .remaining = 0, .reset_seconds = 2, .retry_after_seconds = 1};
  net::HttpResponse r = TooManyRequests(d);
  EXPECT_EQ(r.status, 429);
  auto header = [&r](std::string_view name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return std::string("<missing>");
  };
  EXPECT_EQ(header("Retry-After"), "1");
  EXPECT_EQ(header("RateLimit-Limit"), "10");
  EXPECT_EQ(header("RateLimit-Remaining"), "0");
  EXPECT_EQ(header("RateLimit-Reset"), "2");
  EXPECT_EQ(header("Content-Type"), "application/problem+json");
}

}  // namespace
}  // namespace steadycast::api
