#pragma once
// Token buckets keyed by string (docs/contract.md "Rate limits"): the API keeps one bucket per
// access token and request class ("tok:<id>:r" / "tok:<id>:w") and one per client address
// ("addr:<ip>") for requests without valid credentials. A bucket holds up to `burst` tokens
// and refills continuously at `per_second`; a request takes one token.
//
// Time comes from base::Clock::Now() (monotonic, injected: FakeClock in tests). Memory is
// bounded: at most `max_tracked_keys` buckets are kept; when a new key arrives at the limit,
// the least recently used bucket is dropped (it comes back full, which only ever lets a
// forgotten client through earlier, never later). Thread-safe (one mutex; each call is O(1)).
//
// The reported numbers follow draft-ietf-httpapi-ratelimit-headers: `limit` is the burst,
// `remaining` the whole tokens left, `reset_seconds` the time until the bucket is full again,
// and `retry_after_seconds` (RFC 9110 §10.2.3) the time until one request is allowed.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/api.h"
#include "base/clock.h"
#include "net/http_types.h"

namespace steadycast::api {

struct RateDecision {
  bool allowed = true;
  int64_t limit = 0;                // RateLimit-Limit: the burst
  int64_t remaining = 0;            // RateLimit-Remaining: whole tokens left after this request
  int64_t reset_seconds = 0;        // RateLimit-Reset: seconds until the bucket is full again
  int64_t retry_after_seconds = 0;  // Retry-After when !allowed (≥ 1), else 0
};

class RateLimiter {
 public:
  // `clock` must outlive the limiter. `max_tracked_keys` ≥ 1.
  RateLimiter(const base::Clock& clock, size_t max_tracked_keys);
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Takes one token from `key`'s bucket (created full) if one is available.
  RateDecision Take(const std::string& key, const RateLimit& limit);
  // The same decision without taking a token (and without creating or refreshing a bucket):
  // lets a caller refuse early, before doing expensive work it may not need to charge for.
  RateDecision Peek(const std::string& key, const RateLimit& limit) const;

  size_t tracked_keys() const;

 private:
  struct Bucket {
    double tokens = 0;
    base::Clock::MonotonicTime refilled_at;
    std::list<std::string>::iterator lru;  // position in lru_ (front = most recent)
  };

  // Tokens in `bucket` at `now` (refill applied, not stored).
  static double Refilled(const Bucket& bucket, const RateLimit& limit,
                         base::Clock::MonotonicTime now);
  static RateDecision Decide(double tokens, const RateLimit& limit, bool allowed);

  const base::Clock& clock_;
  const size_t max_tracked_keys_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // guarded by mu_
  std::list<std::string> lru_;                       // guarded by mu_
};

// The client address of "ip:port", "[v6]:port" or a bare address, without the port.
std::string_view ClientAddress(std::string_view remote_address);

// Adds RateLimit-Limit / -Remaining / -Reset (and Retry-After when refused) to `response`.
void AddRateLimitHeaders(net::HttpResponse& response, const RateDecision& decision);

// 429 problem+json with Retry-After and the RateLimit-* headers.
net::HttpResponse TooManyRequests(const RateDecision& decision);

}  // namespace steadycast::api
