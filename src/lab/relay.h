#pragma once
// Relay: the running part of `steadycast lab relay` — listens where the encoder connects,
// forwards to the server through two ImpairedLinks (up: client → server, down: server →
// client). Two implementations: UdpRelay (datagrams, SRT) and TcpRelay (streams, RTMP).
//
// Threading: a relay and its sockets run on one io_context that exactly one thread runs;
// Start/Stop/Stats are called on that thread (or before it runs). Ownership: the caller owns
// the relay and destroys it after Stop() on that thread, or after the io_context stopped.

#include <memory>

#include "base/clock.h"
#include "base/status.h"
#include "lab/relay_options.h"
#include "lab/relay_stats.h"
#include "net/ip_endpoint.h"

namespace boost::asio {
class io_context;
}

namespace steadycast::lab {

class Relay {
 public:
  virtual ~Relay() = default;
  // Resolves --to, binds --listen and starts relaying; t = 0 of outages and cuts is now.
  // Returns the bound listen endpoint (port 0 resolved).
  virtual base::Result<net::IpEndpoint> Start() = 0;
  // Stops listening and drops every client (TCP: reset) and every packet in flight.
  // Idempotent.
  virtual void Stop() = 0;
  virtual RelayStats Stats() const = 0;
};

// What both relays do first in Start(): validate the options and resolve --to and --listen
// (errors name the flag).
struct RelayEndpoints {
  net::IpEndpoint to;
  net::IpEndpoint listen;
};
base::Result<RelayEndpoints> ResolveRelayEndpoints(const RelayOptions& options);

// `clock` must tick with std::chrono::steady_clock (the relay's timers do): Clock::Real().
std::unique_ptr<Relay> MakeRelay(boost::asio::io_context& io, const RelayOptions& options,
                                 const base::Clock& clock);

}  // namespace steadycast::lab
