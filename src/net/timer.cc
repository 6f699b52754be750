#include "net/timer.h"

#include <cstdint>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace steadycast::net {

struct Timer::State {
  explicit State(boost::asio::io_context& io) : timer(io) {}
  boost::asio::steady_timer timer;
  std::function<void()> callback;
  Clock::time_point expiry = Clock::time_point::max();
  uint64_t generation = 0;  // tells a superseded or cancelled wait apart
};

Timer::Timer(boost::asio::io_context& io) : state_(std::make_shared<State>(io)) {}

Timer::~Timer() { Cancel(); }

void Timer::ArmAt(Clock::time_point at, std::function<void()> callback) {
  State& state = *state_;
  const uint64_t generation = ++state.generation;
  state.callback = std::move(callback);
  state.expiry = at;
  state.timer.expires_at(at);
  // The wait holds only a weak_ptr: a destroyed Timer is never called back.
  state.timer.async_wait(
      [weak = std::weak_ptr<State>(state_), generation](const boost::system::error_code& ec) {
        const auto alive = weak.lock();
        if (!alive || ec || generation != alive->generation) return;
        alive->expiry = Clock::time_point::max();
        auto callback = std::move(alive->callback);
        alive->callback = nullptr;
        if (callback) callback();
      });
}

void Timer::Cancel() {
  ++state_->generation;
  state_->callback = nullptr;
  state_->expiry = Clock::time_point::max();
  state_->timer.cancel();
}

bool Timer::armed() const { return state_->expiry != Clock::time_point::max(); }

Timer::Clock::time_point Timer::expiry() const { return state_->expiry; }

}  // namespace steadycast::net
