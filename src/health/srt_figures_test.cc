#include "health/srt_figures.h"

#include <gtest/gtest.h>

namespace steadycast::health {
namespace {

media::LinkStats Totals(int64_t received, int64_t lost, int64_t retransmitted, int64_t dropped) {
  media::LinkStats s;
  s.packets_received = received;
  s.packets_lost = lost;
  s.packets_retransmitted = retransmitted;
  s.packets_dropped = dropped;
  s.rtt_ms = 48;
  s.receive_buffer_ms = 790;
  s.latency_ms = 800;
  return s;
}

TEST(SrtFigures, SharesOverTheWindow) {
  const SrtFigures f = SrtFiguresOf(Totals(10'000, 900, 1000, 3), Totals(12'000, 1000, 1200, 7));
  EXPECT_EQ(f.received_in_window, 2000);
  EXPECT_DOUBLE_EQ(f.loss_pct, 5.0);
  EXPECT_DOUBLE_EQ(f.retransmit_pct, 10.0);
  EXPECT_EQ(f.packets_dropped, 7);
  EXPECT_EQ(f.dropped_in_window, 4);
  EXPECT_EQ(f.rtt_ms, 48);
  EXPECT_EQ(f.receive_buffer_ms, 790);
  EXPECT_EQ(f.latency_ms, 800);
}

TEST(SrtFigures, OneSampleOrANewConnectionIsTheWholeConnection) {
  const media::LinkStats first = Totals(400, 20, 20, 0);
  const SrtFigures one = SrtFiguresOf(first, first);
  EXPECT_EQ(one.received_in_window, 400);
  EXPECT_DOUBLE_EQ(one.loss_pct, 5.0);
  const SrtFigures fresh = SrtFiguresOf(Totals(10'000, 900, 1000, 3), first);
  EXPECT_EQ(fresh.received_in_window, 400);
  EXPECT_EQ(fresh.dropped_in_window, 0);
  const SrtFigures none = SrtFiguresOf(media::LinkStats{}, media::LinkStats{});
  EXPECT_EQ(none.loss_pct, 0);
}

}  // namespace
}  // namespace steadycast::health
