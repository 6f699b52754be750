#include "app/health_json.h"

#include <gtest/gtest.h>

#include "app/health_sampling.h"
#include "store/sqlite/sqlite_store.h"

namespace steadycast::app {
namespace {

using nlohmann::json;

// An RTMP publisher's health as the registry reports it.
session::LinkHealth RtmpHealth() {
  session::LinkHealth h;
  h.status = store::StreamStatus::kActive;
  h.has_publisher = true;
  h.protocol = "rtmp";
  h.ingest = health::IngestFigures{};
  h.ingest->units = 900;
  h.ingest->bitrate_kbps = 1234.56;
  h.ingest->media_kbps = 1234.56;
  h.ingest->audio_kbps = 96.04;
  h.ingest->audio_media_kbps = 96;
  h.ingest->fps = 29.999;
  h.ingest->keyframe_interval_s = 2.0;
  h.ingest->drift_ms = 41.6;
  h.ingest->video_codec = media::Codec::kH264;
  h.ingest->width = 640;
  h.ingest->height = 360;
  h.renditions.push_back({.name = "src", .passthrough = true});
  h.renditions.push_back({.name = "240p", .frames_dropped = 2, .encode_speed = 3.5});
  return h;
}

TEST(HealthJson, CurrentHealthHasIngestGuidanceAndViewers) {
  const json j = LinkHealthJson(RtmpHealth(), std::nullopt);
  EXPECT_EQ(j["ingest"], json::parse(R"({"bitrate_kbps": 1234.6, "fps": 30.0,
      "keyframe_interval_s": 2.0, "drift_ms": 42, "audio_kbps": 96.0, "video_codec": "h264",
      "width": 640, "height": 360})"));
  EXPECT_TRUE(j["guidance"]["recommended_max_kbps"].is_null());
  EXPECT_NE(j["guidance"]["reason"].get<std::string>().find("keeps up with your 1.2 Mb/s"),
            std::string::npos);
  // No viewer figures: zeros and nulls.
  EXPECT_EQ(j["viewers"], json::parse(R"({"current": 0, "startup_ms_p50": null,
      "startup_ms_p95": null, "rebuffer_ratio": 0.0, "playback_failure_ratio": 0.0,
      "average_kbps": 0.0})"));
  health::ViewerFigures v{.current = 3, .startup_ms_p50 = 812.4, .rebuffer_ratio = 0.01};
  EXPECT_EQ(LinkHealthJson(RtmpHealth(), v)["viewers"]["startup_ms_p50"], 812);
  // Without a publisher: no ingest, no guidance.
  session::LinkHealth idle;
  const json i = LinkHealthJson(idle, std::nullopt);
  EXPECT_TRUE(i["ingest"].is_null());
  EXPECT_TRUE(i["guidance"].is_null());
  EXPECT_EQ(i["viewers"]["current"], 0);
}

TEST(HealthJson, SrtLinkFiguresOverTheLastSamples) {
  session::LinkHealth h = RtmpHealth();
  h.protocol = "srt";
  media::LinkStats s;
  for (int t = 0; t < 10; ++t) {
    s.packets_received += 1000;
    s.packets_lost += t < 4 ? 0 : 50;  // 5 % over the last 5 s
    s.packets_retransmitted += t < 4 ? 0 : 80;
    s.receive_rate_mbps = 2.1;
    s.receive_buffer_ms = 118;
    s.latency_ms = 120;
    h.history.emplace_back(1'700'000'000'000 + t * 1000, s);
  }
  const json j = LinkHealthJson(h, std::nullopt);
  EXPECT_EQ(j["srt"]["loss_pct"], 5.0);
  EXPECT_EQ(j["srt"]["retransmit_pct"], 8.0);
  EXPECT_EQ(j["guidance"]["recommended_max_kbps"], 1400);
  EXPECT_NE(j["guidance"]["reason"].get<std::string>().find("8 % retransmissions"),
            std::string::npos);
  const json sample = HealthSampleJson(SampleOf(h, 1'700'000'000'000, std::nullopt));
  EXPECT_EQ(sample["srt"], json::parse(R"({"rtt_ms": 0.0, "receive_rate_mbps": 2.1,
      "loss_pct": 5.0, "retransmit_pct": 8.0, "packets_dropped": 0, "receive_buffer_ms": 118,
      "link_bandwidth_mbps": 0.0})"));
}

TEST(HealthJson, HistorySample) {
  const json j = HealthSampleJson(SampleOf(RtmpHealth(), 1'700'000'000'123, std::nullopt));
  EXPECT_EQ(j["at"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(j["status"], "active");
  EXPECT_EQ(j["ingest"]["fps"], 30.0);
  EXPECT_TRUE(j["srt"].is_null());
  EXPECT_TRUE(j["viewers"].is_null());  // no viewer figures: null in the history
  EXPECT_EQ(j["renditions"], json::parse(R"([
      {"name": "src", "encode_speed": null, "frames_dropped": 0},
      {"name": "240p", "encode_speed": 3.5, "frames_dropped": 2}])"));
  EXPECT_TRUE(j["guidance"].is_object());
  session::LinkHealth gone;
  gone.status = store::StreamStatus::kReconnecting;
  const json r = HealthSampleJson(SampleOf(gone, 0, health::ViewerFigures{.current = 1}));
  EXPECT_EQ(r["status"], "reconnecting");
  EXPECT_TRUE(r["ingest"].is_null());
  EXPECT_TRUE(r["guidance"].is_null());
  EXPECT_EQ(r["viewers"]["current"], 1);
}

TEST(HealthJson, IngestMetricsMatchTheJson) {
  session::LinkHealth starved = RtmpHealth();
  starved.ingest->drift_ms = 5000;
  starved.ingest->drift_rate_ms_per_s = 400;
  starved.ingest->bitrate_kbps = 600;
  const std::string m = IngestMetrics({{"ls_a", RtmpHealth()}, {"ls_b", starved}});
  for (const char* line : {
           "steadycast_ingest_bitrate_kbps{live_stream_id=\"ls_a\"} 1234.6\n",
           "steadycast_ingest_fps{live_stream_id=\"ls_a\"} 30\n",
           "steadycast_ingest_keyframe_interval_seconds{live_stream_id=\"ls_a\"} 2\n",
           "steadycast_ingest_drift_ms{live_stream_id=\"ls_a\"} 42\n",
           "steadycast_ingest_drift_ms{live_stream_id=\"ls_b\"} 5000\n",
           "steadycast_ingest_audio_kbps{live_stream_id=\"ls_a\"} 96\n",
           "# TYPE steadycast_guidance_recommended_max_kbps gauge\n",
           "steadycast_guidance_recommended_max_kbps{live_stream_id=\"ls_b\"} 380\n",
       }) {
    EXPECT_NE(m.find(line), std::string::npos) << line << m;
  }
  // ls_a keeps up: no ceiling to report.
  EXPECT_EQ(m.find("steadycast_guidance_recommended_max_kbps{live_stream_id=\"ls_a\"}"),
            std::string::npos);
}

// The sampler records streams with a publisher (and keeps sampling them after it left) and
// drops deleted streams' history.
TEST(HealthSampler, SamplesKnownStreams) {
  auto opened = store::OpenSqliteStore(":memory:");
  ASSERT_TRUE(opened.ok());
  std::unique_ptr<store::Store> store = std::move(opened).value();
  store::LiveStream stream;
  stream.id = "ls_sampled";
  stream.stream_key = "key-sampled-0123456789";
  stream.playback_ids = {{"pb_sampled", "public"}};
  stream.ladder_json = "\"passthrough\"";
  ASSERT_TRUE(store->live_streams().Create(stream).ok());
  base::FakeClock clock;
  session::StreamRegistry registry(*store, clock, {});
  health::HealthHistory history;
  boost::asio::io_context io;
  ViewerFiguresFn viewers;
  HealthSampler sampler(io, registry, history, clock, viewers);

  sampler.SampleOnce();  // the registry does not know the stream yet
  EXPECT_EQ(history.streams(), 0u);
  media::PublishRequest request{.protocol = "rtmp",
                                .app = "live",
                                .stream_key = stream.stream_key,
                                .remote_address = "127.0.0.1:1",
                                .disconnect = [] {}};
  auto publisher = registry.Authorize(request);
  ASSERT_TRUE(publisher.ok());
  viewers = [](const std::string&) { return health::ViewerFigures{.current = 7}; };
  for (int i = 0; i < 3; ++i) {
    sampler.SampleOnce();
    clock.Advance(std::chrono::seconds(1));
  }
  publisher->reset();
  sampler.SampleOnce();
  const auto samples = history.Recent(stream.id, 300);
  ASSERT_EQ(samples.size(), 4u);
  EXPECT_TRUE(samples[0].ingest);
  EXPECT_EQ(samples[0].viewers->current, 7);
  EXPECT_EQ(samples[1].at_ms - samples[0].at_ms, 1000);
  EXPECT_FALSE(samples[3].ingest);
  ASSERT_TRUE(registry.Delete(stream.id).ok());
  sampler.SampleOnce();
  EXPECT_EQ(history.streams(), 0u);
}

}  // namespace
}  // namespace steadycast::app
