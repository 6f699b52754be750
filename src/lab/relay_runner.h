#pragma once
// RelayRunner: `steadycast lab relay` minus the flag parsing — starts a Relay, prints what it
// does, one stats line per second and a total when it stops (after --duration, or when the
// app calls Stop() on SIGINT/SIGTERM). Output goes to the given stream, flushed per line so
// a pipe sees it live; logs go elsewhere (stderr).
//
// Threading: like Relay, on the single thread running the io_context. Once stopped, the
// runner holds no pending work, so io_context::run() returns when nothing else is left.

#include <functional>
#include <memory>
#include <ostream>

#include "base/clock.h"
#include "base/status.h"
#include "lab/relay.h"
#include "net/timer.h"

namespace steadycast::lab {

class RelayRunner {
 public:
  // `on_stopped` runs once, after the total is printed (the app cancels its signal wait).
  RelayRunner(boost::asio::io_context& io, RelayOptions options, const base::Clock& clock,
              std::ostream& out, std::function<void()> on_stopped = nullptr);
  ~RelayRunner();

  // Starts the relay; prints the description line (with the bound address).
  base::Result<net::IpEndpoint> Start();
  // Stops the relay and prints the total. Idempotent.
  void Stop();
  bool stopped() const { return stopped_; }
  RelayStats Stats() const;

 private:
  void Tick();
  void ArmNext();  // the next tick, or the stop at --duration

  const RelayOptions options_;
  const base::Clock& clock_;
  std::ostream& out_;
  std::function<void()> on_stopped_;
  std::unique_ptr<Relay> relay_;
  net::Timer tick_timer_;
  TimePoint origin_;
  int64_t second_ = 0;
  RelayStats previous_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace steadycast::lab
