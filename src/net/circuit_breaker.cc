#include "net/circuit_breaker.h"

#include <algorithm>

namespace steadycast::net {

std::string_view CircuitStateName(CircuitState state) {
  switch (state) {
    case CircuitState::kClosed:
      return "closed";
    case CircuitState::kOpen:
      return "open";
    case CircuitState::kHalfOpen:
      return "half_open";
  }
  return "closed";
}

CircuitBreaker::CircuitBreaker(const base::Clock& clock, CircuitBreakerOptions options)
    : clock_(clock), options_(options) {}

std::chrono::milliseconds CircuitBreaker::CoolDownFor(int consecutive_failures) const {
  const int doublings = std::max(0, consecutive_failures - std::max(1, options_.failure_threshold));
  std::chrono::milliseconds cool_down = options_.cool_down;
  // Stops doubling at the cap, so large failure counts cannot overflow.
  for (int i = 0; i < doublings && cool_down < options_.max_cool_down; ++i) cool_down *= 2;
  return std::min(cool_down, options_.max_cool_down);
}

bool CircuitBreaker::Allow() {
  std::lock_guard lock(mutex_);
  const base::Clock::WallTime now = clock_.WallNow();
  switch (state_) {
    case CircuitState::kClosed:
      return true;
    case CircuitState::kOpen:
      if (now < open_until_) return false;
      state_ = CircuitState::kHalfOpen;
      probe_in_flight_ = true;
      probe_started_ = now;
      return true;
    case CircuitState::kHalfOpen:
      if (probe_in_flight_ && now - probe_started_ < options_.probe_timeout) return false;
      probe_in_flight_ = true;
      probe_started_ = now;
      return true;
  }
  return false;
}

void CircuitBreaker::RecordSuccess() {
  std::lock_guard lock(mutex_);
  state_ = CircuitState::kClosed;
  failures_ = 0;
  open_until_ = {};
  probe_in_flight_ = false;
}

void CircuitBreaker::RecordFailure() {
  std::lock_guard lock(mutex_);
  switch (state_) {
    case CircuitState::kClosed:
      ++failures_;
      if (failures_ >= options_.failure_threshold) OpenLocked();
      return;
    case CircuitState::kHalfOpen:
      ++failures_;
      OpenLocked();
      return;
    case CircuitState::kOpen:
      return;
  }
}

void CircuitBreaker::OpenLocked() {
  state_ = CircuitState::kOpen;
  probe_in_flight_ = false;
  open_until_ = clock_.WallNow() + CoolDownFor(failures_);
}

CircuitSnapshot CircuitBreaker::Snapshot() const {
  std::lock_guard lock(mutex_);
  return CircuitSnapshot{state_, failures_, open_until_};
}

void CircuitBreaker::Restore(CircuitState state, int consecutive_failures,
                             base::Clock::WallTime open_until) {
  std::lock_guard lock(mutex_);
  failures_ = std::max(0, consecutive_failures);
  probe_in_flight_ = false;
  if (state == CircuitState::kClosed) {
    state_ = CircuitState::kClosed;
    open_until_ = {};
    return;
  }
  state_ = CircuitState::kOpen;
  // Never further out than one maximum cool-down: a corrupt or far-future value must not
  // silence an endpoint for good.
  open_until_ = std::min(open_until, clock_.WallNow() + options_.max_cool_down);
  failures_ = std::max(failures_, options_.failure_threshold);
}

}  // namespace steadycast::net
