#include "app/viewer_analytics.h"

#include "app/health_json.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/sqlite/sqlite_store.h"

namespace steadycast::app {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

analytics::Beacon Heartbeat(int view, int64_t seq, int64_t playing_ms, int64_t rebuffer_ms) {
  analytics::BeaconEvent e;
  e.type = analytics::BeaconEventType::kHeartbeat;
  e.at_ms = playing_ms + rebuffer_ms;
  e.playing_ms = playing_ms;
  e.rebuffer_ms = rebuffer_ms;
  e.bitrate_kbps = 2000;
  analytics::Beacon b;
  b.playback_id = "pb_test";
  b.view_id = "view-000000000000" + std::to_string(view);
  b.seq = seq;
  b.events = {e};
  return b;
}

class ViewerAnalyticsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::OpenSqliteStore(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    store::LiveStream stream;
    stream.id = "ls_test";
    stream.stream_key = "key-0123456789abcdef";
    stream.playback_ids = {{"pb_test", "public"}};
    ASSERT_TRUE(store_->live_streams().Create(stream).ok());
    registry_ =
        std::make_unique<session::StreamRegistry>(*store_, clock_, session::RegistryOptions{});
    ViewerAnalyticsOptions options;
    options.monitor.hold = seconds(30);
    viewers_ = std::make_unique<ViewerAnalytics>(*registry_, clock_, options);
  }

  // Two viewers, each second `playing_ms` more playing and `rebuffer_ms` more rebuffering,
  // for `duration`, with the server's Tick after every second.
  void Watch(seconds duration, int64_t playing_ms, int64_t rebuffer_ms) {
    for (int i = 0; i < duration.count(); ++i) {
      clock_.Advance(seconds(1));
      for (int v = 0; v < 2; ++v) {
        playing_[v] += playing_ms;
        rebuffer_[v] += rebuffer_ms;
        viewers_->aggregator().Record("ls_test", Heartbeat(v, seq_, playing_[v], rebuffer_[v]));
      }
      ++seq_;
      viewers_->Tick();
    }
  }

  std::vector<store::StoredEvent> Events() {
    auto events = store_->events().List({.limit = 100, .object_id = "ls_test"});
    EXPECT_TRUE(events.ok());
    return events.ok() ? *events : std::vector<store::StoredEvent>{};
  }

  base::FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<session::StreamRegistry> registry_;
  std::unique_ptr<ViewerAnalytics> viewers_;
  int64_t playing_[2] = {0, 0};
  int64_t rebuffer_[2] = {0, 0};
  int64_t seq_ = 0;
};

TEST_F(ViewerAnalyticsTest, TickPersistsDegradedThenRecoveredWithTheFigures) {
  Watch(seconds(30), 900, 100);  // 10 % from the first second: the wait starts at t = 1 s
  EXPECT_TRUE(Events().empty());
  Watch(seconds(1), 900, 100);
  std::vector<store::StoredEvent> events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "live_stream.viewer_experience_degraded");
  const nlohmann::json data = nlohmann::json::parse(events[0].data_json);
  EXPECT_EQ(data["id"], "ls_test");
  EXPECT_EQ(data["viewers"]["current"], 2);
  EXPECT_DOUBLE_EQ(data["viewers"]["rebuffer_ratio"].get<double>(), 0.1);
  EXPECT_EQ(data["viewers"]["startup_ms_p50"], nullptr);
  EXPECT_EQ(data["viewers"]["average_kbps"], 2000.0);

  Watch(seconds(120), 1000, 0);  // rebuffering stops; the ratio sinks below 3 % at t ≈ 104 s
  events = Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].type, "live_stream.viewer_experience_recovered");
  EXPECT_LT(nlohmann::json::parse(events[1].data_json)["viewers"]["rebuffer_ratio"], 0.03);
}

TEST_F(ViewerAnalyticsTest, FiguresJsonAndMetrics) {
  EXPECT_EQ(ViewersJson(health::ViewerFigures{}),
            nlohmann::json::parse(R"({"current":0,"startup_ms_p50":null,"startup_ms_p95":null,
              "rebuffer_ratio":0.0,"playback_failure_ratio":0.0,"average_kbps":0.0})"));
  health::ViewerFigures f;
  f.current = 3;
  f.startup_ms_p50 = 900;
  f.startup_ms_p95 = 2100;
  f.rebuffer_ratio = 0.025;
  const std::string text = ViewerFiguresMetrics({{"ls_a", f}});
  EXPECT_NE(text.find("steadycast_viewers_current{live_stream_id=\"ls_a\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("steadycast_viewers_startup_ms{live_stream_id=\"ls_a\",quantile=\"0.95\"} "
                      "2100\n"),
            std::string::npos);
  EXPECT_NE(text.find("steadycast_viewers_rebuffer_ratio{live_stream_id=\"ls_a\"} 0.025\n"),
            std::string::npos);

  viewers_->counters().Count(analytics::BeaconOutcome::kForbidden);
  const std::string all = viewers_->Metrics();
  EXPECT_NE(all.find("steadycast_beacons_total{outcome=\"forbidden\"} 1\n"), std::string::npos);
  EXPECT_NE(all.find("steadycast_beacons_total{outcome=\"rate_limited\"} 0\n"), std::string::npos);
}

}  // namespace
}  // namespace steadycast::app
