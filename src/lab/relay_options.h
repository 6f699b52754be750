#pragma once
// RelayOptions: everything `steadycast lab relay` is told on its command line, as values,
// with the parsers for its flag syntaxes ("HOST:PORT", "SECONDS@AT", seconds) and the
// validation, so the CLI in app/ stays a thin flag table and all of this is unit-tested.
// docs/contract.md "steadycast lab relay".

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "lab/impairment.h"

namespace steadycast::lab {

enum class RelayProtocol { kUdp, kTcp };

struct HostPort {
  std::string host;  // without brackets
  uint16_t port = 0;
  std::string ToString() const;  // "host:port", "[::1]:port"
};

struct RelayOptions {
  RelayProtocol protocol = RelayProtocol::kUdp;
  HostPort listen;              // where the client (the encoder) connects; port 0 picks one
  HostPort to;                  // the server
  LinkProfile up;               // client → server
  LinkProfile down;             // server → client
  std::vector<Outage> outages;  // both directions; from the relay's start
  std::vector<Duration> cuts;   // TCP: reset every connection at these times
  uint64_t seed = 1;
  std::optional<Duration> duration;  // exit by itself after this long
  // UDP: a client silent this long (both ways) loses its session; at most this many at once
  // (the least recently active is evicted for a new one).
  std::chrono::seconds udp_session_idle{60};
  size_t udp_max_sessions = 64;
  std::chrono::milliseconds tcp_connect_timeout{5'000};
};

// "HOST:PORT", "[V6]:PORT" or ":PORT" (host "0.0.0.0"). The port is required.
base::Result<HostPort> ParseHostPort(std::string_view text);
// A non-negative decimal number of seconds: "30", "2.5". At most ~11 days.
base::Result<Duration> ParseSeconds(std::string_view text);
// "SECONDS@AT": down for SECONDS starting AT seconds after the relay starts ("10@30").
base::Result<Outage> ParseOutage(std::string_view text);

// Checks ranges and protocol fit (loss and --reorder are UDP-only: a TCP relay that dropped
// bytes would corrupt the stream instead of emulating loss; cuts are TCP-only).
base::Status Validate(const RelayOptions& options);

// One line for the start of the output: what the relay will do, including the seed.
std::string Describe(const RelayOptions& options);
std::string DescribeProfile(const LinkProfile& profile);

}  // namespace steadycast::lab
