#pragma once
// RelayStats: what a relay has done so far (cumulative), and the text lines
// `steadycast lab relay` prints: one per second (the difference of two snapshots) and a total
// on exit. Lines are `key=value` tokens so scripts can parse them and people can read them:
//
//   t=3 up pkts=120 bytes=157920 fwd=108 fwd_bytes=142128 kbps=1137 loss=12 ratedrop=0
//       outage=0 overflow=0 qdelay_ms=0.0 | down ... | clients=1
//   total elapsed=20.0 up ... qdelay_ms=0.4 qmax_ms=12.0 | down ... | clients=1 clients_total=1
//   cuts=0
//
// pkts/bytes: offered to the link (received from the sender); fwd/fwd_bytes: delivered to
// the other side; loss/ratedrop/outage/overflow: datagrams dropped and why; qdelay_ms: mean
// wait at the rate-capped bottleneck (TCP: also time held by a stall). TCP counts read
// chunks (≤ 4 KiB) as packets.

#include <cstdint>
#include <string>

#include "lab/impairment.h"

namespace steadycast::lab {

struct RelayStats {
  LinkCounters up;             // client → server
  LinkCounters down;           // server → client
  uint64_t clients = 0;        // UDP sessions or TCP connections open now
  uint64_t clients_total = 0;  // ever
  uint64_t cuts = 0;           // TCP connections reset by --cut
};

// Counters of `current` minus `previous` (maxima are not differences: current's is kept).
LinkCounters Difference(const LinkCounters& current, const LinkCounters& previous);
void Accumulate(LinkCounters& into, const LinkCounters& more);

// The line for the second that ended at `second` (1, 2, ...).
std::string FormatInterval(int64_t second, const RelayStats& previous, const RelayStats& current);
std::string FormatTotal(Duration elapsed, const RelayStats& total);

}  // namespace steadycast::lab
