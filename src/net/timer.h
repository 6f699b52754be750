#pragma once
// Timer: a one-shot callback timer on an io_context, for code above net/ that schedules work
// (the lab relay releasing delayed packets, a once-a-second report) without seeing Asio.
//
// Threading: the callback runs on a thread running the io_context. ArmAt/Cancel and the
// destructor must be called on that thread (or before the io_context runs): then a cancelled,
// re-armed or destroyed timer never calls back. Ownership: plain value owned by its user.

#include <chrono>
#include <functional>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace steadycast::net {

class Timer {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Timer(boost::asio::io_context& io);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Calls `callback` once at `at` (at once if it has passed). Replaces a pending callback.
  void ArmAt(Clock::time_point at, std::function<void()> callback);
  void Cancel();
  bool armed() const;
  // The time of the pending callback, or time_point::max().
  Clock::time_point expiry() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace steadycast::net
