#pragma once
// Internal to net/: one steady_timer per connection with a cheaply movable deadline. Moving
// the deadline later (every request or every received chunk) does not touch the timer: it
// wakes at the old expiry, sees the new deadline and waits again. Only an earlier deadline
// re-arms at once. So a busy connection costs at most one timer wake-up per timeout period
// instead of a cancel + re-arm per read.
//
// Threading: use only on the owner's strand (the executor given at construction). The pending
// wait holds only a weak_ptr to the owner: a destroyed owner is never called back.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include <boost/asio/steady_timer.hpp>

namespace steadycast::net::internal {

class DeadlineTimer {
 public:
  using Clock = std::chrono::steady_clock;

  template <typename Executor>
  explicit DeadlineTimer(const Executor& executor) : timer_(executor) {}

  // Sets who is called back. `on_expired` runs on the executor while `owner` is alive; it is
  // typically a lambda capturing the owner's raw `this`.
  void Bind(std::weak_ptr<void> owner, std::function<void()> on_expired) {
    owner_ = std::move(owner);
    on_expired_ = std::move(on_expired);
  }

  // Calls on_expired once `deadline` has passed; time_point::max() disarms.
  void Set(Clock::time_point deadline);
  void Cancel();
  Clock::time_point deadline() const { return deadline_; }

 private:
  void Arm(Clock::time_point at);
  void OnFired();

  boost::asio::steady_timer timer_;
  std::weak_ptr<void> owner_;
  std::function<void()> on_expired_;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point expiry_ = Clock::time_point::max();  // of the pending wait, if any
  uint64_t generation_ = 0;                              // tells superseded waits apart
};

}  // namespace steadycast::net::internal
