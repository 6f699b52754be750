#include "session/broadcast_finisher.h"

#include <utility>

namespace steadycast::session {

BroadcastFinisher::BroadcastFinisher() : thread_([this] { Run(); }) {}

BroadcastFinisher::~BroadcastFinisher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void BroadcastFinisher::Post(std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_all();
}

size_t BroadcastFinisher::pending() const {
  std::lock_guard lock(mu_);
  return jobs_.size() + running_;
}

void BroadcastFinisher::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, nothing left
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    ++running_;
    lock.unlock();
    job();
    lock.lock();
    --running_;
  }
}

}  // namespace steadycast::session
