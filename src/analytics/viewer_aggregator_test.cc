#include "analytics/viewer_aggregator.h"

#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace steadycast::analytics {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

BeaconEvent Event(BeaconEventType type, int64_t at_ms) {
  BeaconEvent e;
  e.type = type;
  e.at_ms = at_ms;
  return e;
}

BeaconEvent Totals(BeaconEventType type, int64_t at_ms, int64_t playing, int64_t rebuffer,
                   std::optional<int64_t> kbps) {
  BeaconEvent e = Event(type, at_ms);
  e.playing_ms = playing;
  e.rebuffer_ms = rebuffer;
  e.rebuffer_count = rebuffer > 0 ? 1 : 0;
  e.bitrate_kbps = kbps;
  return e;
}

Beacon MakeBeacon(const std::string& view_id, int64_t seq, std::vector<BeaconEvent> events) {
  Beacon b;
  b.playback_id = "pb_test";
  b.view_id = view_id;
  b.seq = seq;
  b.events = std::move(events);
  return b;
}

std::string ViewId(int i) { return fmt::format("view-{:012d}", i); }

// Fifty viewers of one stream, as the integration test simulates them too: 45 play (startup
// 500 + 37·k ms for a permutation k of 0..44, rebuffering 100·i ms, 30 s at one bitrate then
// 30 s at another), 5 fail at startup; viewers 30-49 have left.
class FiftyViewersTest : public ::testing::Test {
 protected:
  static constexpr int kViewers = 50;
  static constexpr int kPlaying = 45;

  static int64_t Startup(int i) { return 500 + int64_t{37} * ((i * 7) % kPlaying); }
  static int64_t FirstKbps(int i) { return int64_t{800} * (1 + i % 3); }
  static int64_t SecondKbps(int i) { return i % 2 == 0 ? FirstKbps(i) : 2 * FirstKbps(i); }
  static int64_t Rebuffer(int i) { return int64_t{100} * i; }

  void SendAll() {
    for (int i = 0; i < kViewers; ++i) {
      const std::string id = ViewId(i);
      if (i >= kPlaying) {  // fails: a fatal error before any frame, then the page is closed
        Record(MakeBeacon(id, 0, {Event(BeaconEventType::kViewStart, 0)}));
        BeaconEvent fatal = Event(BeaconEventType::kError, 4000);
        fatal.fatal = true;
        Record(MakeBeacon(id, 1, {fatal, Totals(BeaconEventType::kViewEnd, 4100, 0, 0, {})}));
        continue;
      }
      BeaconEvent first = Event(BeaconEventType::kFirstFrame, Startup(i));
      first.startup_ms = Startup(i);
      Record(MakeBeacon(id, 0, {Event(BeaconEventType::kViewStart, 0), first}));
      const Beacon half = MakeBeacon(
          id, 1,
          {Totals(BeaconEventType::kHeartbeat, 31000, 30000, Rebuffer(i) / 2, FirstKbps(i))});
      Record(half);
      EXPECT_EQ(aggregator_.Record("ls_a", half), RecordOutcome::kDuplicate);  // resent
      const auto last = i >= 30 ? BeaconEventType::kViewEnd : BeaconEventType::kHeartbeat;
      Record(MakeBeacon(id, 2, {Totals(last, 61000, 60000, Rebuffer(i), SecondKbps(i))}));
    }
  }

  void Record(const Beacon& b) {
    EXPECT_EQ(aggregator_.Record("ls_a", b), RecordOutcome::kAccepted) << b.view_id;
  }

  base::FakeClock clock_;
  ViewerAggregator aggregator_{clock_};
};

TEST_F(FiftyViewersTest, FiguresAreExact) {
  SendAll();
  const std::optional<health::ViewerFigures> f = aggregator_.Figures("ls_a");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->current, 30);
  // 45 startups 500, 537, ..., 2128: rank ⌈0.5·45⌉ = 23 and ⌈0.95·45⌉ = 43.
  ASSERT_TRUE(f->startup_ms_p50 && f->startup_ms_p95);
  EXPECT_EQ(*f->startup_ms_p50, 500 + 37 * 22);
  EXPECT_EQ(*f->startup_ms_p95, 500 + 37 * 42);
  int64_t rebuffer = 0;
  int64_t kbps_ms = 0;
  for (int i = 0; i < kPlaying; ++i) {
    rebuffer += Rebuffer(i);
    kbps_ms += 30000 * FirstKbps(i) + 30000 * SecondKbps(i);
  }
  EXPECT_EQ(rebuffer, 99000);
  EXPECT_DOUBLE_EQ(f->rebuffer_ratio, 99000.0 / (45 * 60000.0 + 99000.0));
  EXPECT_DOUBLE_EQ(f->playback_failure_ratio, 5.0 / 50.0);
  EXPECT_DOUBLE_EQ(f->average_kbps, static_cast<double>(kbps_ms) / (45 * 60000.0));
  EXPECT_EQ(aggregator_.AllFigures().size(), 1u);
  EXPECT_FALSE(aggregator_.Figures("ls_other").has_value());
}

TEST_F(FiftyViewersTest, BatchingAndOrderDoNotChangeTheFigures) {
  SendAll();
  const health::ViewerFigures a = *aggregator_.Figures("ls_a");
  // The same views sent again to another stream, all in one beacon each, heartbeats reversed.
  for (int i = 0; i < kPlaying; ++i) {
    BeaconEvent first = Event(BeaconEventType::kFirstFrame, Startup(i));
    first.startup_ms = Startup(i);
    const auto last = i >= 30 ? BeaconEventType::kViewEnd : BeaconEventType::kHeartbeat;
    Beacon all = MakeBeacon(
        ViewId(i), 0,
        {Event(BeaconEventType::kViewStart, 0), first,
         Totals(BeaconEventType::kHeartbeat, 31000, 30000, Rebuffer(i) / 2, FirstKbps(i)),
         Totals(last, 61000, 60000, Rebuffer(i), SecondKbps(i))});
    EXPECT_EQ(aggregator_.Record("ls_b", all), RecordOutcome::kAccepted);
  }
  for (int i = kPlaying; i < kViewers; ++i) {
    BeaconEvent fatal = Event(BeaconEventType::kError, 4000);
    fatal.fatal = true;
    aggregator_.Record("ls_b", MakeBeacon(ViewId(i), 7, {fatal}));
    aggregator_.Record(
        "ls_b", MakeBeacon(ViewId(i), 3, {Totals(BeaconEventType::kViewEnd, 4100, 0, 0, {})}));
  }
  const health::ViewerFigures b = *aggregator_.Figures("ls_b");
  EXPECT_EQ(a.current, b.current);
  EXPECT_EQ(a.startup_ms_p50, b.startup_ms_p50);
  EXPECT_EQ(a.startup_ms_p95, b.startup_ms_p95);
  EXPECT_DOUBLE_EQ(a.rebuffer_ratio, b.rebuffer_ratio);
  EXPECT_DOUBLE_EQ(a.playback_failure_ratio, b.playback_failure_ratio);
  EXPECT_DOUBLE_EQ(a.average_kbps, b.average_kbps);
}

TEST_F(FiftyViewersTest, ViewsLeaveCurrentAfter30SecondsAndAreForgottenAfter10Minutes) {
  SendAll();
  clock_.Advance(seconds(30));
  EXPECT_EQ(aggregator_.Figures("ls_a")->current, 30);
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(aggregator_.Figures("ls_a")->current, 0);
  // One viewer keeps sending heartbeats.
  aggregator_.Record(
      "ls_a",
      MakeBeacon(ViewId(0), 3, {Totals(BeaconEventType::kHeartbeat, 91000, 90000, 0, 800)}));
  EXPECT_EQ(aggregator_.Figures("ls_a")->current, 1);
  clock_.Advance(milliseconds(569'999));  // exactly 10 min since the others were heard
  EXPECT_EQ(aggregator_.Stats().views, 50u);
  aggregator_.Expire();
  EXPECT_EQ(aggregator_.Stats().views, 50u);  // exactly 10 min: still recent
  clock_.Advance(milliseconds(1));
  const health::ViewerFigures f = *aggregator_.Figures("ls_a");  // computed before expiry too
  EXPECT_EQ(f.current, 0);
  EXPECT_EQ(f.startup_ms_p50, Startup(0));
  EXPECT_EQ(f.playback_failure_ratio, 0.0);
  aggregator_.Expire();
  EXPECT_EQ(aggregator_.Stats().views, 1u);
  clock_.Advance(seconds(600));
  aggregator_.Expire();
  EXPECT_EQ(aggregator_.Stats().views, 0u);
  EXPECT_EQ(aggregator_.Stats().streams, 0u);
  EXPECT_FALSE(aggregator_.Figures("ls_a").has_value());
}

TEST(ViewerAggregatorTest, DuplicateSeqChangesNothing) {
  base::FakeClock clock;
  ViewerAggregator aggregator(clock);
  const Beacon b =
      MakeBeacon(ViewId(1), 4, {Totals(BeaconEventType::kHeartbeat, 10000, 9000, 1000, 1500)});
  EXPECT_EQ(aggregator.Record("ls", b), RecordOutcome::kAccepted);
  Beacon same_seq =
      MakeBeacon(ViewId(1), 4, {Totals(BeaconEventType::kHeartbeat, 20000, 19000, 9000, 1500)});
  EXPECT_EQ(aggregator.Record("ls", same_seq), RecordOutcome::kDuplicate);
  EXPECT_DOUBLE_EQ(aggregator.Figures("ls")->rebuffer_ratio, 0.1);
  // The same seq of another view, or of the same view id on another stream, is new.
  EXPECT_EQ(aggregator.Record("ls", MakeBeacon(ViewId(2), 4, {})), RecordOutcome::kAccepted);
  EXPECT_EQ(aggregator.Record("ls2", b), RecordOutcome::kAccepted);
}

TEST(ViewerAggregatorTest, EmptyViewsHaveNoStartupAndZeroRatios) {
  base::FakeClock clock;
  ViewerAggregator aggregator(clock);
  aggregator.Record("ls", MakeBeacon(ViewId(1), 0, {Event(BeaconEventType::kViewStart, 0)}));
  const health::ViewerFigures f = *aggregator.Figures("ls");
  EXPECT_EQ(f.current, 1);
  EXPECT_FALSE(f.startup_ms_p50.has_value());
  EXPECT_FALSE(f.startup_ms_p95.has_value());
  EXPECT_EQ(f.rebuffer_ratio, 0);
  EXPECT_EQ(f.playback_failure_ratio, 0);
  EXPECT_EQ(f.average_kbps, 0);
}

TEST(ViewerAggregatorTest, BoundsForgetTheLeastRecentlyHeard) {
  base::FakeClock clock;
  ViewerAggregator aggregator(clock, {.max_streams = 2, .max_views_per_stream = 3, .max_views = 5});
  int64_t seq = 0;
  auto send = [&](const std::string& stream, int view) {
    clock.Advance(milliseconds(10));
    EXPECT_EQ(aggregator.Record(stream, MakeBeacon(ViewId(view), seq++, {})),
              RecordOutcome::kAccepted);
  };
  for (int v = 0; v < 3; ++v) send("ls_a", v);
  send("ls_a", 0);  // heard again: now the most recent
  send("ls_a", 3);  // per-stream bound: view 1 goes
  EXPECT_EQ(aggregator.Figures("ls_a")->current, 3);
  EXPECT_EQ(aggregator.Stats().views_evicted, 1u);
  EXPECT_EQ(aggregator.Record("ls_a", MakeBeacon(ViewId(1), 0, {})), RecordOutcome::kAccepted);
  EXPECT_EQ(aggregator.Stats().views_evicted, 2u);  // ... and came back as new, pushing out 2
  EXPECT_EQ(aggregator.Record("ls_a", MakeBeacon(ViewId(0), 0, {})), RecordOutcome::kDuplicate);

  send("ls_b", 10);
  send("ls_b", 11);
  EXPECT_EQ(aggregator.Stats().views, 5u);
  send("ls_b", 12);  // total bound: the least recently heard view of all (ls_a's 0) goes
  EXPECT_EQ(aggregator.Stats().views, 5u);
  EXPECT_EQ(aggregator.Figures("ls_a")->current, 2);
  EXPECT_EQ(aggregator.Figures("ls_b")->current, 3);

  EXPECT_EQ(aggregator.Stats().views_evicted, 3u);
  // A new stream: the total bound takes ls_a's view 3, then the stream bound the whole of
  // ls_a (heard least recently).
  send("ls_c", 20);
  EXPECT_FALSE(aggregator.Figures("ls_a").has_value());
  EXPECT_EQ(aggregator.Stats().streams, 2u);
  EXPECT_EQ(aggregator.Stats().views, 4u);
  EXPECT_EQ(aggregator.Stats().views_evicted, 5u);
}

TEST(ViewerAggregatorTest, ConcurrentRecordsAndReads) {
  base::FakeClock clock;
  ViewerAggregator aggregator(clock);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&aggregator, t] {
      for (int i = 0; i < 500; ++i) {
        aggregator.Record("ls", MakeBeacon(ViewId(t * 1000 + i % 100), i / 100, {}));
        if (i % 50 == 0) aggregator.AllFigures();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(aggregator.Figures("ls")->current, 400);
  EXPECT_EQ(aggregator.Stats().views, 400u);
}

TEST(ViewerAggregatorTest, NearestRankPercentiles) {
  EXPECT_EQ(NearestRank({7}, 50), 7);
  EXPECT_EQ(NearestRank({7}, 95), 7);
  EXPECT_EQ(NearestRank({1, 2}, 50), 1);
  EXPECT_EQ(NearestRank({1, 2}, 95), 2);
  std::vector<int64_t> twenty;
  for (int i = 1; i <= 20; ++i) twenty.push_back(i);
  EXPECT_EQ(NearestRank(twenty, 50), 10);
  EXPECT_EQ(NearestRank(twenty, 95), 19);  // 0.95·20 = 19 exactly: no float rounding up
  std::vector<int64_t> hundred;
  for (int i = 1; i <= 100; ++i) hundred.push_back(i);
  EXPECT_EQ(NearestRank(hundred, 95), 95);
}

}  // namespace
}  // namespace steadycast::analytics
