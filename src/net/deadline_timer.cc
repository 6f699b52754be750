#include "net/deadline_timer.h"

namespace steadycast::net::internal {

void DeadlineTimer::Set(Clock::time_point deadline) {
  deadline_ = deadline;
  if (deadline < expiry_) Arm(deadline);
}

void DeadlineTimer::Cancel() {
  deadline_ = Clock::time_point::max();
  expiry_ = Clock::time_point::max();
  ++generation_;
  timer_.cancel();
}

void DeadlineTimer::Arm(Clock::time_point at) {
  expiry_ = at;
  const uint64_t generation = ++generation_;
  timer_.expires_at(at);
  timer_.async_wait([this, owner = owner_, generation](boost::system::error_code ec) {
    const auto alive = owner.lock();
    if (!alive || ec || generation != generation_) return;  // gone, cancelled or superseded
    OnFired();
  });
}

void DeadlineTimer::OnFired() {
  expiry_ = Clock::time_point::max();
  if (deadline_ == Clock::time_point::max()) return;
  if (Clock::now() < deadline_) {
    Arm(deadline_);
    return;
  }
  deadline_ = Clock::time_point::max();
  on_expired_();
}

}  // namespace steadycast::net::internal
