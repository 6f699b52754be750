#include "lab/relay_stats.h"

#include <algorithm>

#include <fmt/format.h>

namespace steadycast::lab {

namespace {

double Millis(Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double MeanQueueMillis(const LinkCounters& c) {
  if (c.queue_delay_samples == 0) return 0;
  return Millis(c.queue_delay_total) / static_cast<double>(c.queue_delay_samples);
}

std::string FormatDirection(const char* name, const LinkCounters& c, double seconds) {
  const double kbps = seconds > 0 ? static_cast<double>(c.released_bytes) * 8 / 1000 / seconds : 0;
  return fmt::format(
      "{} pkts={} bytes={} fwd={} fwd_bytes={} kbps={:.0f} loss={} ratedrop={} outage={} "
      "overflow={} qdelay_ms={:.1f}",
      name, c.offered_packets, c.offered_bytes, c.released_packets, c.released_bytes, kbps,
      c.dropped_loss, c.dropped_rate, c.dropped_outage, c.dropped_overflow, MeanQueueMillis(c));
}

}  // namespace

LinkCounters Difference(const LinkCounters& current, const LinkCounters& previous) {
  LinkCounters d;
  d.offered_packets = current.offered_packets - previous.offered_packets;
  d.offered_bytes = current.offered_bytes - previous.offered_bytes;
  d.released_packets = current.released_packets - previous.released_packets;
  d.released_bytes = current.released_bytes - previous.released_bytes;
  d.dropped_loss = current.dropped_loss - previous.dropped_loss;
  d.dropped_rate = current.dropped_rate - previous.dropped_rate;
  d.dropped_outage = current.dropped_outage - previous.dropped_outage;
  d.dropped_overflow = current.dropped_overflow - previous.dropped_overflow;
  d.queue_delay_total = current.queue_delay_total - previous.queue_delay_total;
  d.queue_delay_samples = current.queue_delay_samples - previous.queue_delay_samples;
  d.queue_delay_max = current.queue_delay_max;
  return d;
}

void Accumulate(LinkCounters& into, const LinkCounters& more) {
  into.offered_packets += more.offered_packets;
  into.offered_bytes += more.offered_bytes;
  into.released_packets += more.released_packets;
  into.released_bytes += more.released_bytes;
  into.dropped_loss += more.dropped_loss;
  into.dropped_rate += more.dropped_rate;
  into.dropped_outage += more.dropped_outage;
  into.dropped_overflow += more.dropped_overflow;
  into.queue_delay_total += more.queue_delay_total;
  into.queue_delay_samples += more.queue_delay_samples;
  into.queue_delay_max = std::max(into.queue_delay_max, more.queue_delay_max);
}

std::string FormatInterval(int64_t second, const RelayStats& previous, const RelayStats& current) {
  return fmt::format("t={} {} | {} | clients={}", second,
                     FormatDirection("up", Difference(current.up, previous.up), 1.0),
                     FormatDirection("down", Difference(current.down, previous.down), 1.0),
                     current.clients);
}

std::string FormatTotal(Duration elapsed, const RelayStats& total) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  return fmt::format(
      "total elapsed={:.1f} {} qmax_ms={:.1f} | {} qmax_ms={:.1f} | clients={} clients_total={} "
      "cuts={}",
      seconds, FormatDirection("up", total.up, seconds), Millis(total.up.queue_delay_max),
      FormatDirection("down", total.down, seconds), Millis(total.down.queue_delay_max),
      total.clients, total.clients_total, total.cuts);
}

}  // namespace steadycast::lab
