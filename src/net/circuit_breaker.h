#pragma once
// CircuitBreaker: the state machine that guards one outbound target (a webhook endpoint now,
// simulcast targets and external stores later), so a target that is down is not hammered and
// does not tie up workers (the classic pattern, Nygard, "Release It!" ch. 5):
//
//   closed ──N consecutive failures──▶ open ──cool-down elapsed, Allow()──▶ half-open
//     ▲                                  ▲                                     │
//     └──────────── probe succeeds ──────┼─────────────────────────────────────┤
//                                        └──── probe fails (cool-down doubles) ┘
//
// While open, Allow() is false and callers skip the call without trying. After the cool-down
// exactly one caller gets Allow() == true (the probe); others keep getting false until the
// probe's outcome is recorded. The cool-down doubles on each failed probe up to a cap and goes
// back to the base value once the target recovers.
//
// Time comes from the injected base::Clock; open_until is wall time so the state can be
// persisted (the dispatcher stores Snapshot() per endpoint) and Restore()d after a restart.
// The consecutive failure count determines the current cool-down, so (state, failures,
// open_until) is the whole persistent state.
//
// Threading: all members are thread-safe (one mutex); a breaker is shared by every worker
// calling the same target. Ownership: holds a reference to the clock, which must outlive it.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <utility>

#include "base/clock.h"
#include "base/status.h"

namespace steadycast::net {

enum class CircuitState { kClosed, kOpen, kHalfOpen };

// "closed", "open", "half_open" (the names persisted and shown in the API and metrics).
std::string_view CircuitStateName(CircuitState state);

struct CircuitBreakerOptions {
  int failure_threshold = 5;                    // consecutive failures that open the circuit
  std::chrono::milliseconds cool_down{60'000};  // first open period
  std::chrono::milliseconds max_cool_down{3'600'000};
  // A probe whose outcome is never recorded (its caller vanished) stops blocking the next
  // probe after this long.
  std::chrono::milliseconds probe_timeout{120'000};
};

struct CircuitSnapshot {
  CircuitState state = CircuitState::kClosed;
  int consecutive_failures = 0;
  base::Clock::WallTime open_until{};  // meaningful when state != kClosed

  bool operator==(const CircuitSnapshot&) const = default;
};

class CircuitBreaker {
 public:
  explicit CircuitBreaker(const base::Clock& clock, CircuitBreakerOptions options = {});

  // True when a call may be made now. In the open state, the first call after open_until turns
  // the breaker half-open and is the probe; it must be followed by RecordSuccess/Failure.
  bool Allow();
  // The outcome of an allowed call. Success closes the circuit (failures reset). Failure counts
  // towards the threshold when closed, re-opens with a doubled cool-down when half-open, and is
  // ignored when open (a late failure of a call started before the circuit opened).
  void RecordSuccess();
  void RecordFailure();

  CircuitSnapshot Snapshot() const;
  CircuitState state() const { return Snapshot().state; }
  int consecutive_failures() const { return Snapshot().consecutive_failures; }
  base::Clock::WallTime open_until() const { return Snapshot().open_until; }

  // Puts back a persisted state. Values are clamped (negative failures → 0); a persisted
  // half-open becomes open until `open_until`, since its probe died with the old process.
  void Restore(CircuitState state, int consecutive_failures, base::Clock::WallTime open_until);
  void Restore(const CircuitSnapshot& snapshot) {
    Restore(snapshot.state, snapshot.consecutive_failures, snapshot.open_until);
  }

  // The cool-down applied after `consecutive_failures` failures (threshold → cool_down,
  // each further failure doubles it, capped at max_cool_down).
  std::chrono::milliseconds CoolDownFor(int consecutive_failures) const;

  const base::Clock& clock() const { return clock_; }

 private:
  void OpenLocked();

  const base::Clock& clock_;
  const CircuitBreakerOptions options_;
  mutable std::mutex mutex_;
  CircuitState state_ = CircuitState::kClosed;
  int failures_ = 0;
  base::Clock::WallTime open_until_{};
  bool probe_in_flight_ = false;
  base::Clock::WallTime probe_started_{};
};

// GuardedCall: one CircuitBreaker plus one timeout around any synchronous outbound call (a
// webhook POST, later a simulcast target or an external store). Call(fn) refuses with
// kUnavailable "circuit open" without calling fn while the breaker is open; otherwise it calls
// fn(timeout) — fn must honour that timeout itself (a blocking call cannot be interrupted from
// outside) — and records the outcome: a failure when fn's result says so or when fn took
// longer than the timeout (measured on the breaker's clock), a success otherwise.
//
// Threading: as thread-safe as the breaker; the GuardedCall holds a reference to it.
class GuardedCall {
 public:
  GuardedCall(CircuitBreaker& breaker, std::chrono::milliseconds timeout)
      : breaker_(breaker), timeout_(timeout) {}

  // fn: (std::chrono::milliseconds timeout) -> base::Result<T>. Failure: !result.ok().
  template <typename Fn>
  auto Call(Fn&& fn) -> decltype(fn(std::chrono::milliseconds{})) {
    return Call(std::forward<Fn>(fn), [](const auto& result) { return result.ok(); });
  }

  // As above with `succeeded(const Result<T>&) -> bool` deciding what counts as a success
  // (e.g. an HTTP exchange that returned 500 is a Result that is ok() but a failure).
  template <typename Fn, typename Succeeded>
  auto Call(Fn&& fn, Succeeded&& succeeded) -> decltype(fn(std::chrono::milliseconds{})) {
    if (!breaker_.Allow()) return base::Unavailable("circuit open");
    const base::Clock::MonotonicTime started = breaker_.clock().Now();
    auto result = fn(timeout_);
    const bool in_time = breaker_.clock().Now() - started <= timeout_;
    if (in_time && succeeded(result)) {
      breaker_.RecordSuccess();
    } else {
      breaker_.RecordFailure();
    }
    return result;
  }

  CircuitBreaker& breaker() { return breaker_; }
  std::chrono::milliseconds timeout() const { return timeout_; }

 private:
  CircuitBreaker& breaker_;
  const std::chrono::milliseconds timeout_;
};

}  // namespace steadycast::net
