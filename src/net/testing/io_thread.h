#pragma once
// Test-only: an io_context run by exactly one background thread (the threading model of the
// lab relay), plus a way to run code on that thread and wait for it, and a polling wait for
// conditions set by callbacks. Header-only.

#include <chrono>
#include <functional>
#include <future>
#include <optional>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace steadycast::net::testing {

class IoThread {
 public:
  IoThread() : work_(boost::asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
  ~IoThread() { Stop(); }

  boost::asio::io_context& io() { return io_; }

  // Runs `fn` on the io thread and waits for it.
  void Run(const std::function<void()>& fn) {
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }

  // Lets pending work finish (bounded), then joins the thread.
  void Stop() {
    if (!thread_.joinable()) return;
    work_.reset();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (!io_.stopped() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    io_.stop();
    thread_.join();
  }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

// Polls `predicate` until it holds or `timeout` passes; returns its last value.
inline bool WaitUntil(const std::function<bool()>& predicate,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() >= deadline) return predicate();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace steadycast::net::testing
