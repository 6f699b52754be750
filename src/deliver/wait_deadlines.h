#pragma once
// WaitDeadlines: one thread that fires the deadlines of every blocked playback request
// (blocking playlist reload and blocking part requests, RFC 8216bis §6.2.5.2 / §6.2.6). A
// request registers with a window's WindowWaiters (woken when what it waits for exists) and
// here with its deadline; whichever comes first answers it (WindowWaiters::Remove decides).
// So thousands of waiting requests cost one entry each in a heap, never a thread or a timer
// each, and nothing polls.
//
// The callback runs on the deadline thread and must be quick (remove the waiter, hand the
// response to the connection). Entries are bounded by `max_entries`: Add refuses beyond it.
// Destruction stops the thread; pending callbacks are dropped without running.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace steadycast::deliver {

class WaitDeadlines {
 public:
  using Clock = std::chrono::steady_clock;

  explicit WaitDeadlines(size_t max_entries = 65536);
  ~WaitDeadlines();
  WaitDeadlines(const WaitDeadlines&) = delete;
  WaitDeadlines& operator=(const WaitDeadlines&) = delete;

  // Calls `expired` once at `at` (soon, if it has passed). False when the limit is reached.
  bool Add(Clock::time_point at, std::function<void()> expired);
  size_t size() const;

 private:
  struct Entry {
    Clock::time_point at;
    uint64_t order;
    std::function<void()> expired;
    bool operator>(const Entry& other) const {
      return at != other.at ? at > other.at : order > other.order;
    }
  };
  void Run();

  const size_t max_entries_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap_;
  uint64_t next_order_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace steadycast::deliver
