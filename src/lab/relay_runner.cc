#include "lab/relay_runner.h"

#include "base/log.h"

namespace steadycast::lab {

RelayRunner::RelayRunner(boost::asio::io_context& io, RelayOptions options,
                         const base::Clock& clock, std::ostream& out,
                         std::function<void()> on_stopped)
    : options_(std::move(options)),
      clock_(clock),
      out_(out),
      on_stopped_(std::move(on_stopped)),
      relay_(MakeRelay(io, options_, clock)),
      tick_timer_(io) {}

RelayRunner::~RelayRunner() {
  tick_timer_.Cancel();
  if (relay_) relay_->Stop();
}

base::Result<net::IpEndpoint> RelayRunner::Start() {
  SC_ASSIGN_OR_RETURN(const net::IpEndpoint bound, relay_->Start());
  started_ = true;
  origin_ = clock_.Now();
  RelayOptions shown = options_;
  shown.listen.port = bound.port();
  out_ << Describe(shown) << std::endl;
  ArmNext();
  return bound;
}

void RelayRunner::ArmNext() {
  const TimePoint next = origin_ + std::chrono::seconds(second_ + 1);
  if (options_.duration && origin_ + *options_.duration < next) {
    // A partial last second shows in the total only.
    tick_timer_.ArmAt(origin_ + *options_.duration, [this] { Stop(); });
  } else {
    tick_timer_.ArmAt(next, [this] { Tick(); });
  }
}

void RelayRunner::Tick() {
  ++second_;
  const RelayStats current = relay_->Stats();
  out_ << FormatInterval(second_, previous_, current) << std::endl;
  previous_ = current;
  if (options_.duration &&
      origin_ + *options_.duration <= origin_ + std::chrono::seconds(second_)) {
    Stop();
    return;
  }
  ArmNext();
}

void RelayRunner::Stop() {
  if (stopped_) return;
  stopped_ = true;
  tick_timer_.Cancel();
  if (started_) {
    const Duration elapsed = clock_.Now() - origin_;
    const RelayStats total = relay_->Stats();  // before Stop(): clients still counted
    relay_->Stop();
    out_ << FormatTotal(elapsed, total) << std::endl;
  } else {
    relay_->Stop();
  }
  if (on_stopped_) on_stopped_();
}

RelayStats RelayRunner::Stats() const { return relay_->Stats(); }

}  // namespace steadycast::lab
