#include "lab/relay_stats.h"

#include <gtest/gtest.h>

namespace steadycast::lab {
namespace {

using namespace std::chrono_literals;

LinkCounters Counters(uint64_t scale) {
  LinkCounters c;
  c.offered_packets = 10 * scale;
  c.offered_bytes = 13160 * scale;
  c.released_packets = 9 * scale;
  c.released_bytes = 125000 * scale;
  c.dropped_loss = scale;
  c.queue_delay_total = 20ms * scale;
  c.queue_delay_samples = 10 * scale;
  c.queue_delay_max = 5ms * scale;
  return c;
}

TEST(RelayStatsTest, IntervalLineIsTheDifferenceOfTwoSnapshots) {
  RelayStats previous;
  previous.up = Counters(1);
  RelayStats current;
  current.up = Counters(3);
  current.down = Counters(1);
  current.clients = 1;
  EXPECT_EQ(FormatInterval(2, previous, current),
            "t=2 up pkts=20 bytes=26320 fwd=18 fwd_bytes=250000 kbps=2000 loss=2 ratedrop=0 "
            "outage=0 overflow=0 qdelay_ms=2.0 | down pkts=10 bytes=13160 fwd=9 "
            "fwd_bytes=125000 kbps=1000 loss=1 ratedrop=0 outage=0 overflow=0 qdelay_ms=2.0 | "
            "clients=1");
}

TEST(RelayStatsTest, TotalLineAveragesOverTheRun) {
  RelayStats total;
  total.up = Counters(4);
  total.clients_total = 2;
  total.cuts = 1;
  EXPECT_EQ(FormatTotal(4s, total),
            "total elapsed=4.0 up pkts=40 bytes=52640 fwd=36 fwd_bytes=500000 kbps=1000 loss=4 "
            "ratedrop=0 outage=0 overflow=0 qdelay_ms=2.0 qmax_ms=20.0 | down pkts=0 bytes=0 "
            "fwd=0 fwd_bytes=0 kbps=0 loss=0 ratedrop=0 outage=0 overflow=0 qdelay_ms=0.0 "
            "qmax_ms=0.0 | clients=0 clients_total=2 cuts=1");
}

TEST(RelayStatsTest, AccumulateAddsAndKeepsTheMaximum) {
  LinkCounters sum = Counters(1);
  Accumulate(sum, Counters(2));
  EXPECT_EQ(sum.offered_packets, 30u);
  EXPECT_EQ(sum.queue_delay_max, 10ms);
  EXPECT_EQ(Difference(sum, Counters(1)).offered_packets, 20u);
}

}  // namespace
}  // namespace steadycast::lab
