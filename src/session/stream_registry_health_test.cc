// live_stream.health_changed: a transcoder that degrades produces exactly one event in the
// outbox (StreamRegistry::Tick → HealthNotifier), with the reason and the paused renditions.

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "events/event_types.h"
#include "session/stream_registry.h"
#include "store/sqlite/sqlite_store.h"
#include "transcode/transcode_test_util.h"

namespace steadycast::session {
namespace {

// The transcoder's clock: 50 ms pass at every reading, so every picture seems to take far
// longer than real time (the ladder is "overloaded" deterministically, whatever the machine).
// The registry keeps its FakeClock: lifecycle and event intervals do not move.
class CrawlingClock final : public base::Clock {
 public:
  MonotonicTime Now() const override {
    return MonotonicTime(Duration(ns_.fetch_add(kStepNs) + kStepNs));
  }
  WallTime WallNow() const override { return WallTime{}; }

 private:
  static constexpr int64_t kStepNs = 50'000'000;
  mutable std::atomic<int64_t> ns_{0};
};

TEST(StreamRegistryHealth, DegradationProducesExactlyOneHealthChangedEvent) {
  auto opened = store::OpenSqliteStore(":memory:");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<store::Store> store = std::move(opened).value();
  store::LiveStream stream;
  stream.id = "ls_health";
  stream.stream_key = "key-health-0123456789";
  stream.playback_ids = {{"pb_health", "public"}};
  stream.ladder_json = "\"default\"";
  ASSERT_TRUE(store->live_streams().Create(stream).ok());

  base::FakeClock clock;
  CrawlingClock crawl;
  RegistryOptions options;
  auto& t = options.broadcast.transcoder;
  t.clock = &crawl;
  t.preset = "ultrafast";  // lagging at the fastest preset: straight to step 2
  t.block_when_full = true;
  t.rendition_queue_frames = 1;
  t.degrader.step_cooldown_seconds = 1e6;  // one change only: pause 360p (240p must stay)
  t.degrader.pause_after_seconds = 1e6;
  StreamRegistry registry(*store, clock, options);

  media::PublishRequest request;
  request.protocol = "rtmp";
  request.app = "live";
  request.stream_key = stream.stream_key;
  request.remote_address = "127.0.0.1:5000";
  request.disconnect = [] {};
  auto publisher = registry.Authorize(request);
  ASSERT_TRUE(publisher.ok()) << publisher.status().ToString();

  const transcode::testing::SourceSpec spec{
      .width = 640, .height = 360, .fps = 30, .frames = 240, .keyint = 30};
  auto source = transcode::testing::MakeSource(spec);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  (*publisher)->OnVideoConfig(source->config);
  (*publisher)->OnAudioConfig(transcode::testing::AacConfig());
  const auto audio = transcode::testing::MakeAudio(spec.first_pts, 8 * media::kTimescale);
  for (const auto& unit : transcode::testing::Interleave(source->video, audio)) {
    (*publisher)->OnAccessUnit(unit);
  }
  // The workers run behind the publisher: wait (real time) for the pause to happen.
  for (int i = 0; i < 600 && registry.Health(stream.id).degradation.level < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const LinkHealth health = registry.Health(stream.id);
  ASSERT_EQ(health.degradation.level, 2);
  EXPECT_EQ(health.degradation.paused_renditions, (std::vector<std::string>{"360p"}));
  ASSERT_EQ(health.renditions.size(), 3u);
  EXPECT_TRUE(health.renditions[1].paused);
  EXPECT_FALSE(health.renditions[2].paused);

  auto health_events = [&] {
    std::vector<store::StoredEvent> out;
    auto events = store->events().List({.limit = 1000, .object_id = stream.id});
    EXPECT_TRUE(events.ok());
    for (const auto& e : *events) {
      if (e.type == events::kStreamHealthChanged) out.push_back(e);
    }
    return out;
  };
  EXPECT_TRUE(health_events().empty());  // events come from the Tick
  for (int i = 0; i < 20; ++i) {
    registry.Tick();
    clock.Advance(std::chrono::milliseconds(100));
  }
  const auto emitted = health_events();
  ASSERT_EQ(emitted.size(), 1u);
  const auto data = nlohmann::json::parse(emitted[0].data_json);
  EXPECT_EQ(data["id"], stream.id);  // the live stream object, plus "health"
  EXPECT_EQ(data["health"]["status"], "degraded");
  EXPECT_EQ(data["health"]["degradation_level"], 2);
  EXPECT_EQ(data["health"]["paused_renditions"], nlohmann::json::array({"360p"}));
  ASSERT_EQ(data["health"]["reasons"].size(), 1u);
  EXPECT_NE(data["health"]["reasons"][0].get<std::string>().find("paused rendition 360p"),
            std::string::npos);
  EXPECT_EQ(data.find("stream_key"), data.end());  // secrets never in events
  publisher->reset();
}

// A lossy SRT link: one health_changed event when the loss condition turns on (3 s above 5 %),
// none per further sample, one when it has cleared (10 s below 2 %).
TEST(StreamRegistryHealth, SrtLossTurnsIntoHealthEvents) {
  auto opened = store::OpenSqliteStore(":memory:");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<store::Store> store = std::move(opened).value();
  store::LiveStream stream;
  stream.id = "ls_link";
  stream.stream_key = "key-link-0123456789";
  stream.playback_ids = {{"pb_link", "public"}};
  stream.ladder_json = "\"passthrough\"";
  ASSERT_TRUE(store->live_streams().Create(stream).ok());
  base::FakeClock clock;
  StreamRegistry registry(*store, clock, RegistryOptions{});
  media::PublishRequest request;
  request.protocol = "srt";
  request.stream_key = stream.stream_key;
  request.remote_address = "127.0.0.1:5000";
  request.disconnect = [] {};
  auto publisher = registry.Authorize(request);
  ASSERT_TRUE(publisher.ok()) << publisher.status().ToString();

  media::LinkStats totals;
  auto seconds_of_link = [&](int seconds, int lost_per_s) {
    for (int s = 0; s < seconds; ++s) {
      totals.packets_received += 1000;
      totals.packets_lost += lost_per_s;
      (*publisher)->OnLinkStats(totals);
      for (int i = 0; i < 10; ++i) {
        clock.Advance(std::chrono::milliseconds(100));
        registry.Tick();
      }
    }
  };
  auto health_events = [&] {
    std::vector<nlohmann::json> out;
    auto events = store->events().List({.limit = 1000, .object_id = stream.id});
    EXPECT_TRUE(events.ok());
    for (const auto& e : *events) {
      if (e.type == events::kStreamHealthChanged) out.push_back(nlohmann::json::parse(e.data_json));
    }
    return out;
  };
  seconds_of_link(10, 5);  // 0.5 %
  EXPECT_TRUE(health_events().empty());
  seconds_of_link(20, 120);  // 12 %
  auto emitted = health_events();
  ASSERT_EQ(emitted.size(), 1u);
  EXPECT_EQ(emitted[0]["health"]["status"], "degraded");
  EXPECT_EQ(emitted[0]["health"]["link_conditions"], nlohmann::json::array({"srt_loss"}));
  seconds_of_link(30, 0);
  emitted = health_events();
  ASSERT_EQ(emitted.size(), 2u);
  EXPECT_EQ(emitted[1]["health"]["status"], "healthy");
  publisher->reset();
}

}  // namespace
}  // namespace steadycast::session
