#include "session/link_health_monitor.h"

#include <gtest/gtest.h>

#include <vector>

namespace steadycast::session {
namespace {

using namespace std::chrono_literals;
using Time = LinkHealthMonitor::Time;

Time At(std::chrono::milliseconds ms) { return Time(ms); }

std::vector<std::string> Kinds(const LinkHealthMonitor& m) {
  std::vector<std::string> out;
  for (const auto& c : m.Active()) out.push_back(c.kind);
  return out;
}

// One SRT sample per second: 1000 packets a second, `lost_per_s` of them lost and
// `dropped_per_s` never recovered.
struct Link {
  media::LinkStats totals;
  void Second(LinkHealthMonitor& m, Time now, int lost_per_s, int dropped_per_s) {
    totals.packets_received += 1000;
    totals.packets_lost += lost_per_s;
    totals.packets_dropped += dropped_per_s;
    m.OnLinkStats(now, totals);
    m.Evaluate(now);
  }
};

TEST(LinkHealthMonitor, LossTurnsOnAfterItHeldAndOffAfterItCleared) {
  LinkHealthMonitor m;
  Link link;
  int t = 0;
  for (; t < 10; ++t) link.Second(m, At(t * 1000ms), 10, 0);  // 1 %
  EXPECT_TRUE(m.Active().empty());
  for (; t < 14; ++t) link.Second(m, At(t * 1000ms), 100, 0);  // 10 %, not yet 3 s above 5 %
  EXPECT_TRUE(m.Active().empty());
  for (; t < 20; ++t) link.Second(m, At(t * 1000ms), 100, 0);
  ASSERT_EQ(Kinds(m), std::vector<std::string>{"srt_loss"});
  EXPECT_NE(m.Active()[0].reason.find("10.0 %"), std::string::npos) << m.Active()[0].reason;
  // Between the thresholds (3 %): stays on; below 2 % for 10 s: off.
  for (; t < 40; ++t) link.Second(m, At(t * 1000ms), 30, 0);
  EXPECT_EQ(Kinds(m), std::vector<std::string>{"srt_loss"});
  for (; t < 50; ++t) link.Second(m, At(t * 1000ms), 0, 0);
  EXPECT_EQ(Kinds(m), std::vector<std::string>{"srt_loss"});  // window still holds losses
  for (; t < 62; ++t) link.Second(m, At(t * 1000ms), 0, 0);
  EXPECT_TRUE(m.Active().empty());
}

// A link that flaps every second between 0 % and 20 % loss: the 5 s window averages it, so the
// condition turns on once and stays on — no event per flap.
TEST(LinkHealthMonitor, FlappingLinkDoesNotFlap) {
  LinkHealthMonitor m;
  Link link;
  int changes = 0;
  bool was = false;
  for (int t = 0; t < 120; ++t) {
    link.Second(m, At(t * 1000ms), t % 2 ? 200 : 0, 0);
    const bool on = !m.Active().empty();
    changes += on != was;
    was = on;
  }
  EXPECT_EQ(changes, 1);
}

TEST(LinkHealthMonitor, UnrecoveredDrops) {
  LinkHealthMonitor m;
  Link link;
  for (int t = 0; t < 10; ++t) link.Second(m, At(t * 1000ms), 20, 8);  // 2 % loss, 0.8 % drops
  EXPECT_EQ(Kinds(m), std::vector<std::string>{"srt_drops"});
  for (int t = 10; t < 30; ++t) link.Second(m, At(t * 1000ms), 20, 0);
  EXPECT_TRUE(m.Active().empty());
}

TEST(LinkHealthMonitor, NewConnectionRestartsTheCounters) {
  LinkHealthMonitor m;
  Link link;
  for (int t = 0; t < 10; ++t) link.Second(m, At(t * 1000ms), 0, 0);
  Link fresh;  // totals start from zero again: not a negative delta
  for (int t = 10; t < 20; ++t) fresh.Second(m, At(t * 1000ms), 0, 0);
  EXPECT_TRUE(m.Active().empty());
}

media::AccessUnit Video(int64_t dts, bool key, size_t bytes) {
  media::AccessUnit u;
  u.dts = u.pts = dts;
  u.keyframe = key;
  u.data = base::Buffer::Take(std::vector<uint8_t>(bytes));
  return u;
}

TEST(LinkHealthMonitor, LongKeyframeIntervalAtOnceAndClearsAfterThreeShortOnes) {
  LinkHealthMonitor m;
  int64_t dts = 0;
  auto gop = [&](double seconds, int at_ms) {
    m.OnMedia(At(at_ms * 1ms), Video(dts, true, 1000));
    dts += static_cast<int64_t>(seconds * media::kTimescale);
  };
  gop(2, 0);
  gop(6, 2000);
  gop(2, 8000);  // the 6 s interval ends here
  ASSERT_EQ(Kinds(m), std::vector<std::string>{"keyframe_interval"});
  EXPECT_NE(m.Active()[0].reason.find("6.0 s"), std::string::npos);
  gop(2, 10000);
  gop(2, 12000);
  EXPECT_FALSE(m.Active().empty());
  gop(2, 14000);
  EXPECT_TRUE(m.Active().empty());
}

TEST(LinkHealthMonitor, BitrateCollapseAgainstTheLastMinute) {
  LinkHealthMonitor m;
  auto media_for = [&](int from_s, int to_s, size_t bytes_per_s) {
    for (int s = from_s; s < to_s; ++s) {
      for (int i = 0; i < 10; ++i) {
        m.OnMedia(At(s * 1000ms + i * 100ms), Video(0, false, bytes_per_s / 10));
      }
      m.Evaluate(At((s + 1) * 1000ms));
    }
  };
  media_for(0, 40, 250'000);  // 2 Mbit/s
  EXPECT_TRUE(m.Active().empty());
  media_for(40, 50, 25'000);  // 200 kbit/s: < 25 %
  ASSERT_EQ(Kinds(m), std::vector<std::string>{"bitrate_collapse"});
  media_for(50, 75, 250'000);
  EXPECT_TRUE(m.Active().empty());
  m.Reset();
  media_for(0, 10, 25'000);  // too little history to judge
  EXPECT_TRUE(m.Active().empty());
}

// Drift (RTMP on a starved link): on once the lag is above 2 s and still growing for 3 s, and
// off only after it stopped growing for 10 s; a large but steady lag, or a growing one still
// under 2 s, is no condition.
TEST(LinkHealthMonitor, DriftGrowingPastTwoSeconds) {
  LinkHealthMonitor m;
  auto tick = [&](int at_ms, double drift_ms, double rate) {
    m.OnDrift(drift_ms, rate);
    m.Evaluate(At(at_ms * 1ms));
  };
  int t = 0;
  for (; t < 5000; t += 100) tick(t, 1500 + t / 10.0, 100);  // growing but under 2 s
  EXPECT_TRUE(m.Active().empty());
  for (; t < 7500; t += 100) tick(t, 2100 + (t - 5000) * 0.4, 400);  // > 2 s, not yet 3 s
  EXPECT_TRUE(m.Active().empty());
  for (; t < 9000; t += 100) tick(t, 3100 + (t - 7500) * 0.4, 400);
  ASSERT_EQ(Kinds(m), std::vector<std::string>{"ingest_drift"});
  EXPECT_NE(m.Active()[0].reason.find("lags real time by 3."), std::string::npos)
      << m.Active()[0].reason;
  EXPECT_NE(m.Active()[0].reason.find("0.40 s further behind"), std::string::npos);
  // The link recovers: the lag stays (8 s) but no longer grows.
  for (; t < 18000; t += 100) tick(t, 8000, 2);
  EXPECT_EQ(Kinds(m), std::vector<std::string>{"ingest_drift"});  // not 10 s yet
  for (; t < 20000; t += 100) tick(t, 8000, 2);
  EXPECT_TRUE(m.Active().empty());
  // Between the thresholds (30 ms per second): nothing changes.
  for (; t < 40000; t += 100) tick(t, 8000, 30);
  EXPECT_TRUE(m.Active().empty());
  m.Reset();
  m.Evaluate(At(t * 1ms));
  EXPECT_TRUE(m.Active().empty());
}

}  // namespace
}  // namespace steadycast::session
