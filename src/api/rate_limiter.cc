#include "api/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "api/problem.h"

namespace steadycast::api {
namespace {

// Float slack: refills computed from nanoseconds may land a hair below a whole token.
constexpr double kEpsilon = 1e-9;
// Retry-After / Reset for a bucket that never refills (per_second ≤ 0, a misconfiguration).
constexpr int64_t kNeverSeconds = 3600;

int64_t CeilSeconds(double tokens_missing, double per_second) {
  if (tokens_missing <= kEpsilon) return 0;
  if (per_second <= 0) return kNeverSeconds;
  return static_cast<int64_t>(std::ceil(tokens_missing / per_second - kEpsilon));
}

}  // namespace

RateLimiter::RateLimiter(const base::Clock& clock, size_t max_tracked_keys)
    : clock_(clock), max_tracked_keys_(std::max<size_t>(1, max_tracked_keys)) {}

double RateLimiter::Refilled(const Bucket& bucket, const RateLimit& limit,
                             base::Clock::MonotonicTime now) {
  const double elapsed =
      std::max(0.0, std::chrono::duration<double>(now - bucket.refilled_at).count());
  return std::min(limit.burst, bucket.tokens + elapsed * std::max(0.0, limit.per_second));
}

RateDecision RateLimiter::Decide(double tokens, const RateLimit& limit, bool allowed) {
  RateDecision d;
  d.allowed = allowed;
  d.limit = static_cast<int64_t>(std::floor(limit.burst + kEpsilon));
  d.remaining = std::max<int64_t>(0, static_cast<int64_t>(std::floor(tokens + kEpsilon)));
  d.reset_seconds = CeilSeconds(limit.burst - tokens, limit.per_second);
  if (!allowed) {
    d.retry_after_seconds = std::max<int64_t>(1, CeilSeconds(1.0 - tokens, limit.per_second));
  }
  return d;
}

RateDecision RateLimiter::Take(const std::string& key, const RateLimit& limit) {
  const auto now = clock_.Now();
  std::lock_guard lock(mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_tracked_keys_) {
      buckets_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(key);
    it = buckets_.emplace(key, Bucket{limit.burst, now, lru_.begin()}).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  Bucket& bucket = it->second;
  bucket.tokens = Refilled(bucket, limit, now);
  bucket.refilled_at = now;
  const bool allowed = bucket.tokens + kEpsilon >= 1.0;
  if (allowed) bucket.tokens = std::max(0.0, bucket.tokens - 1.0);
  return Decide(bucket.tokens, limit, allowed);
}

RateDecision RateLimiter::Peek(const std::string& key, const RateLimit& limit) const {
  const auto now = clock_.Now();
  std::lock_guard lock(mu_);
  auto it = buckets_.find(key);
  const double tokens = it == buckets_.end() ? limit.burst : Refilled(it->second, limit, now);
  return Decide(tokens, limit, tokens + kEpsilon >= 1.0);
}

size_t RateLimiter::tracked_keys() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

std::string_view ClientAddress(std::string_view remote_address) {
  if (remote_address.starts_with('[')) {
    const size_t close = remote_address.find(']');
    if (close != std::string_view::npos) return remote_address.substr(1, close - 1);
    return remote_address;
  }
  const size_t colon = remote_address.find(':');
  // Exactly one colon: "ip:port". More than one: a bare IPv6 address (no port to strip).
  if (colon != std::string_view::npos && remote_address.find(':', colon + 1) == std::string::npos) {
    return remote_address.substr(0, colon);
  }
  return remote_address;
}

void AddRateLimitHeaders(net::HttpResponse& response, const RateDecision& decision) {
  response.Header("RateLimit-Limit", std::to_string(decision.limit));
  response.Header("RateLimit-Remaining", std::to_string(decision.remaining));
  response.Header("RateLimit-Reset", std::to_string(decision.reset_seconds));
  if (!decision.allowed) {
    response.Header("Retry-After", std::to_string(decision.retry_after_seconds));
  }
}

net::HttpResponse TooManyRequests(const RateDecision& decision) {
  net::HttpResponse response =
      Problem(ProblemType::kRateLimited, "rate limit exceeded; retry after " +
                                             std::to_string(decision.retry_after_seconds) +
                                             " s (see the Retry-After and RateLimit-* headers)");
  AddRateLimitHeaders(response, decision);
  return response;
}

}  // namespace steadycast::api
