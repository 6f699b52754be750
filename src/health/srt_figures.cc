#include "health/srt_figures.h"

#include <algorithm>

namespace steadycast::health {

SrtFigures SrtFiguresOf(const media::LinkStats& oldest, const media::LinkStats& newest) {
  // The same sample twice, or totals that went down (a new connection): the whole connection.
  const bool whole = oldest == newest || newest.packets_received < oldest.packets_received;
  const media::LinkStats base = whole ? media::LinkStats{} : oldest;
  SrtFigures f;
  f.rtt_ms = newest.rtt_ms;
  f.receive_rate_mbps = newest.receive_rate_mbps;
  f.link_bandwidth_mbps = newest.link_bandwidth_mbps;
  const int64_t received = newest.packets_received - base.packets_received;
  f.received_in_window = std::max<int64_t>(0, received);
  if (received > 0) {
    const double n = static_cast<double>(received);
    f.loss_pct =
        static_cast<double>(std::max<int64_t>(0, newest.packets_lost - base.packets_lost)) / n *
        100;
    f.retransmit_pct = static_cast<double>(std::max<int64_t>(
                           0, newest.packets_retransmitted - base.packets_retransmitted)) /
                       n * 100;
  }
  f.packets_dropped = newest.packets_dropped;
  f.dropped_in_window = std::max<int64_t>(0, newest.packets_dropped - base.packets_dropped);
  f.receive_buffer_ms = newest.receive_buffer_ms;
  f.latency_ms = newest.latency_ms;
  return f;
}

}  // namespace steadycast::health
