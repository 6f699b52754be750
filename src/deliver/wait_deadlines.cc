#include "deliver/wait_deadlines.h"

#include <utility>

namespace steadycast::deliver {

WaitDeadlines::WaitDeadlines(size_t max_entries)
    : max_entries_(max_entries), thread_([this] { Run(); }) {}

WaitDeadlines::~WaitDeadlines() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool WaitDeadlines::Add(Clock::time_point at, std::function<void()> expired) {
  bool earliest = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_ || heap_.size() >= max_entries_) return false;
    earliest = heap_.empty() || at < heap_.top().at;
    heap_.push(Entry{at, next_order_++, std::move(expired)});
  }
  if (earliest) wake_.notify_one();
  return true;
}

size_t WaitDeadlines::size() const {
  std::lock_guard lock(mu_);
  return heap_.size();
}

void WaitDeadlines::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (heap_.empty()) {
      wake_.wait(lock);
      continue;
    }
    const Clock::time_point at = heap_.top().at;
    if (Clock::now() < at) {
      wake_.wait_until(lock, at);
      continue;
    }
    // priority_queue::top is const: move the callback out through a copy of the entry.
    std::function<void()> expired = std::move(const_cast<Entry&>(heap_.top()).expired);
    heap_.pop();
    lock.unlock();
    if (expired) expired();
    lock.lock();
  }
}

}  // namespace steadycast::deliver
