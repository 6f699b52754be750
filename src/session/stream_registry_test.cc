#include "session/stream_registry.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.h"

namespace steadycast::session {
namespace {

class StreamRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::OpenSqliteStore(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    stream_.id = "ls_test";
    stream_.stream_key = "key-0123456789abcdef";
    stream_.playback_ids = {{"pb_test", "public"}};
    stream_.ladder_json = "\"passthrough\"";  // audio-only test media: nothing to transcode
    ASSERT_TRUE(store_->live_streams().Create(stream_).ok());
    registry_ = std::make_unique<StreamRegistry>(*store_, clock_, RegistryOptions{});
  }

  media::PublishRequest Request(int* kicks) {
    media::PublishRequest r;
    r.protocol = "rtmp";
    r.app = "live";
    r.stream_key = stream_.stream_key;
    r.remote_address = "127.0.0.1:5000";
    r.disconnect = [kicks] { ++*kicks; };
    return r;
  }

  static media::AccessUnit Audio(int64_t pts) {
    media::AccessUnit au;
    au.kind = media::TrackKind::kAudio;
    au.codec = media::Codec::kAac;
    au.pts = au.dts = pts;
    au.keyframe = true;
    au.data = base::Buffer::FromString("aac");
    return au;
  }

  static media::AudioTrackConfig AudioConfig() {
    media::AudioTrackConfig config;
    config.codec = media::Codec::kAac;
    config.sample_rate = 48000;
    config.channels = 2;
    config.samples_per_frame = 1024;
    config.asc = base::Buffer::FromString(std::string("\x11\x90", 2));
    return config;
  }

  std::vector<std::string> EventTypes() {
    std::vector<std::string> out;
    auto events = store_->events().List({.limit = 1000, .object_id = stream_.id});
    EXPECT_TRUE(events.ok());
    for (const auto& e : *events) out.push_back(e.type);
    return out;
  }

  store::StreamStatus Status() { return store_->live_streams().Get(stream_.id)->status; }

  base::FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  store::LiveStream stream_;
  std::unique_ptr<StreamRegistry> registry_;
};

TEST_F(StreamRegistryTest, UnknownKeyIsNotFound) {
  int kicks = 0;
  auto req = Request(&kicks);
  req.stream_key = "nope";
  auto r = registry_->Authorize(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::ErrorCode::kNotFound);
}

TEST_F(StreamRegistryTest, DisabledStreamIsRefused) {
  ASSERT_TRUE(registry_->Disable(stream_.id).ok());
  EXPECT_EQ(Status(), store::StreamStatus::kDisabled);
  int kicks = 0;
  auto r = registry_->Authorize(Request(&kicks));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::ErrorCode::kPermissionDenied);
  ASSERT_TRUE(registry_->Enable(stream_.id).ok());
  EXPECT_TRUE(registry_->Authorize(Request(&kicks)).ok());
}

TEST_F(StreamRegistryTest, FirstMediaMakesActiveAndLossStartsTheWindow) {
  int kicks = 0;
  auto pub = registry_->Authorize(Request(&kicks));
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(Status(), store::StreamStatus::kIdle);
  EXPECT_TRUE(registry_->LookupPlayback("pb_test").exists);
  EXPECT_EQ(registry_->LookupPlayback("pb_test").packager, nullptr);  // no broadcast yet
  (*pub)->OnAudioConfig(AudioConfig());
  (*pub)->OnAccessUnit(Audio(0));
  EXPECT_EQ(Status(), store::StreamStatus::kActive);
  EXPECT_NE(registry_->LookupPlayback("pb_test").packager, nullptr);
  EXPECT_EQ(registry_->active_publishers(), 1u);
  pub->reset();
  EXPECT_EQ(Status(), store::StreamStatus::kReconnecting);
  EXPECT_EQ(registry_->active_publishers(), 0u);
  EXPECT_EQ(registry_->Health(stream_.id).reconnect_deadline_ms,
            base::ToUnixMillis(clock_.WallNow()) + 60'000);
  clock_.Advance(std::chrono::seconds(59));
  registry_->Tick();
  EXPECT_EQ(Status(), store::StreamStatus::kReconnecting);
  clock_.Advance(std::chrono::seconds(1));
  registry_->Tick();
  EXPECT_EQ(Status(), store::StreamStatus::kIdle);
  EXPECT_EQ(EventTypes(),
            (std::vector<std::string>{"live_stream.connected", "live_stream.active",
                                      "live_stream.disconnected", "live_stream.idle"}));
}

TEST_F(StreamRegistryTest, ReconnectInsideTheWindowKeepsThePackager) {
  int kicks = 0;
  auto first = registry_->Authorize(Request(&kicks));
  ASSERT_TRUE(first.ok());
  (*first)->OnAudioConfig(AudioConfig());
  for (int i = 0; i < 200; ++i) (*first)->OnAccessUnit(Audio(i * 1920));
  auto packager = registry_->LookupPlayback("pb_test").packager;
  ASSERT_NE(packager, nullptr);
  first->reset();
  clock_.Advance(std::chrono::seconds(10));
  registry_->Tick();
  auto second = registry_->Authorize(Request(&kicks));
  ASSERT_TRUE(second.ok());
  (*second)->OnAudioConfig(AudioConfig());
  for (int i = 0; i < 200; ++i) (*second)->OnAccessUnit(Audio(i * 1920));
  EXPECT_EQ(Status(), store::StreamStatus::kActive);
  EXPECT_EQ(registry_->LookupPlayback("pb_test").packager, packager);  // same timeline
  auto playlist = packager->Lookup("src/index.m3u8");
  ASSERT_TRUE(playlist);
  EXPECT_NE(playlist->body.AsStringView().find("#EXT-X-DISCONTINUITY\n"), std::string::npos);
  EXPECT_EQ(playlist->body.AsStringView().find("#EXT-X-ENDLIST"), std::string::npos);
  EXPECT_EQ(EventTypes(),
            (std::vector<std::string>{"live_stream.connected", "live_stream.active",
                                      "live_stream.disconnected", "live_stream.reconnected"}));
}

TEST_F(StreamRegistryTest, HealthyPublisherIsNotReplacedButSilentOneIs) {
  int first_kicks = 0;
  int second_kicks = 0;
  auto first = registry_->Authorize(Request(&first_kicks));
  ASSERT_TRUE(first.ok());
  (*first)->OnAudioConfig(AudioConfig());
  (*first)->OnAccessUnit(Audio(0));
  auto refused = registry_->Authorize(Request(&second_kicks));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), base::ErrorCode::kFailedPrecondition);

  clock_.Advance(std::chrono::milliseconds(1500));
  auto second = registry_->Authorize(Request(&second_kicks));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first_kicks, 1);
  // The replaced publisher leaving does not end the stream.
  (*second)->OnAudioConfig(AudioConfig());
  (*second)->OnAccessUnit(Audio(100));
  first->reset();
  EXPECT_EQ(Status(), store::StreamStatus::kActive);
  EXPECT_EQ(registry_->active_publishers(), 1u);
  auto types = EventTypes();
  EXPECT_NE(std::find(types.begin(), types.end(), "live_stream.publisher_refused"), types.end());
  EXPECT_NE(std::find(types.begin(), types.end(), "live_stream.publisher_replaced"), types.end());
}

TEST_F(StreamRegistryTest, KeyResetKicksThePublisher) {
  int kicks = 0;
  auto pub = registry_->Authorize(Request(&kicks));
  ASSERT_TRUE(pub.ok());
  auto stream = store_->live_streams().Get(stream_.id);
  registry_->OnSettingsChanged(*stream, /*stream_key_changed=*/true);
  EXPECT_EQ(kicks, 1);
  registry_->OnSettingsChanged(*stream, /*stream_key_changed=*/false);
  EXPECT_EQ(kicks, 1);
}

TEST_F(StreamRegistryTest, CompleteEndsTheBroadcastWithEndlist) {
  int kicks = 0;
  EXPECT_EQ(registry_->Complete(stream_.id).status().code(), base::ErrorCode::kFailedPrecondition);
  auto pub = registry_->Authorize(Request(&kicks));
  ASSERT_TRUE(pub.ok());
  (*pub)->OnAudioConfig(AudioConfig());
  for (int i = 0; i < 300; ++i) (*pub)->OnAccessUnit(Audio(i * 1920));
  auto completed = registry_->Complete(stream_.id);
  ASSERT_TRUE(completed.ok()) << completed.status().ToString();
  EXPECT_EQ(completed->status, store::StreamStatus::kIdle);
  EXPECT_EQ(kicks, 1);
  auto packager = registry_->LookupPlayback("pb_test").packager;
  ASSERT_NE(packager, nullptr);  // the final playlist stays readable
  auto playlist = packager->Lookup("src/index.m3u8");
  ASSERT_TRUE(playlist);
  EXPECT_NE(playlist->body.AsStringView().find("#EXT-X-ENDLIST"), std::string::npos);
  (*pub)->OnAccessUnit(Audio(400 * 1920));  // a late unit from the kicked publisher is dropped
  EXPECT_EQ(Status(), store::StreamStatus::kIdle);
}

TEST_F(StreamRegistryTest, DeleteKicksAndKeepsTheFinalPlaylistForAGracePeriod) {
  int kicks = 0;
  auto pub = registry_->Authorize(Request(&kicks));
  ASSERT_TRUE(pub.ok());
  (*pub)->OnAudioConfig(AudioConfig());
  for (int i = 0; i < 300; ++i) (*pub)->OnAccessUnit(Audio(i * 1920));
  auto deleted = registry_->Delete(stream_.id);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(kicks, 1);
  pub->reset();
  auto target = registry_->LookupPlayback("pb_test");
  EXPECT_TRUE(target.exists);
  ASSERT_NE(target.packager, nullptr);
  EXPECT_NE(target.packager->Lookup("src/index.m3u8")->body.AsStringView().find("#EXT-X-ENDLIST"),
            std::string::npos);
  clock_.Advance(std::chrono::seconds(61));
  registry_->Tick();
  EXPECT_FALSE(registry_->LookupPlayback("pb_test").exists);
  EXPECT_EQ(registry_->Delete(stream_.id).status().code(), base::ErrorCode::kNotFound);
  auto events = store_->events().List({.limit = 100, .object_id = stream_.id});
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->back().type, "live_stream.deleted");
}

TEST_F(StreamRegistryTest, RecoverAfterRestart) {
  int kicks = 0;
  {
    auto pub = registry_->Authorize(Request(&kicks));
    ASSERT_TRUE(pub.ok());
    (*pub)->OnAudioConfig(AudioConfig());
    (*pub)->OnAccessUnit(Audio(0));
    EXPECT_EQ(Status(), store::StreamStatus::kActive);
    registry_.reset();  // "kill -9": the publisher object outlives the registry's memory
    // Never destroyed (no goodbye reaches the store); kept reachable so LeakSanitizer does
    // not report this deliberate loss.
    static auto* const killed = new std::vector<std::unique_ptr<media::PublishSession>>();
    killed->push_back(std::move(*pub));
  }
  registry_ = std::make_unique<StreamRegistry>(*store_, clock_, RegistryOptions{});
  registry_->Recover();
  EXPECT_EQ(Status(), store::StreamStatus::kReconnecting);
  auto pub = registry_->Authorize(Request(&kicks));
  ASSERT_TRUE(pub.ok());
  (*pub)->OnAudioConfig(AudioConfig());
  (*pub)->OnAccessUnit(Audio(0));
  EXPECT_EQ(Status(), store::StreamStatus::kActive);
  EXPECT_NE(registry_->LookupPlayback("pb_test").packager, nullptr);
}

TEST_F(StreamRegistryTest, RecoverPairsAConnectionThatSentNoMedia) {
  int kicks = 0;
  {
    auto pub = registry_->Authorize(Request(&kicks));  // connected, no media yet
    ASSERT_TRUE(pub.ok());
    EXPECT_EQ(Status(), store::StreamStatus::kIdle);
    registry_.reset();  // "kill -9" before any media
    static auto* const killed = new std::vector<std::unique_ptr<media::PublishSession>>();
    killed->push_back(std::move(*pub));
  }
  const auto lifecycle = [this] {
    store::EventQuery query;
    query.object_id = stream_.id;
    query.limit = 100;
    std::vector<std::string> types;
    auto events = store_->events().List(query);
    EXPECT_TRUE(events.ok());
    for (const store::StoredEvent& e : *events) {
      if (e.type != "live_stream.created") types.push_back(e.type);
    }
    return types;
  };
  EXPECT_EQ(lifecycle(), (std::vector<std::string>{"live_stream.connected"}));
  registry_ = std::make_unique<StreamRegistry>(*store_, clock_, RegistryOptions{});
  registry_->Recover();
  EXPECT_EQ(Status(), store::StreamStatus::kIdle);
  EXPECT_EQ(lifecycle(),
            (std::vector<std::string>{"live_stream.connected", "live_stream.disconnected"}));
  // A second restart has nothing left to pair.
  registry_ = std::make_unique<StreamRegistry>(*store_, clock_, RegistryOptions{});
  registry_->Recover();
  EXPECT_EQ(lifecycle().size(), 2u);
}

TEST_F(StreamRegistryTest, RepeatedWrongKeysLockTheSourceOut) {
  int kicks = 0;
  auto bad = Request(&kicks);
  bad.stream_key = "wrong";
  for (int i = 0; i < 11; ++i) {
    EXPECT_EQ(registry_->Authorize(bad).status().code(), base::ErrorCode::kNotFound);
  }
  // Locked out: even the right key from that address is refused without a lookup.
  EXPECT_EQ(registry_->Authorize(Request(&kicks)).status().code(),
            base::ErrorCode::kResourceExhausted);
  auto other = Request(&kicks);
  other.remote_address = "127.0.0.2:5000";
  EXPECT_TRUE(registry_->Authorize(other).ok());
}

TEST_F(StreamRegistryTest, UnknownPlaybackIdDoesNotExist) {
  EXPECT_FALSE(registry_->LookupPlayback("pb_missing").exists);
  auto t = registry_->LookupPlayback("pb_test");
  EXPECT_TRUE(t.exists);
  EXPECT_EQ(t.packager, nullptr);
  EXPECT_EQ(t.stream_id, "ls_test");
  EXPECT_EQ(registry_->LookupPlayback("pb_test").stream_id, "ls_test");  // from the cache
}

TEST_F(StreamRegistryTest, RecordStreamEventPersistsWithThePublicObject) {
  ASSERT_TRUE(registry_
                  ->RecordStreamEvent(stream_.id, "live_stream.viewer_experience_degraded",
                                      {{"viewers", {{"current", 3}}}})
                  .ok());
  auto events = store_->events().List({.limit = 10, .object_id = stream_.id});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  const nlohmann::json data = nlohmann::json::parse(events->front().data_json);
  EXPECT_EQ(events->front().type, "live_stream.viewer_experience_degraded");
  EXPECT_EQ(data["id"], "ls_test");
  EXPECT_EQ(data["viewers"]["current"], 3);
  EXPECT_FALSE(data.contains("stream_key"));
  EXPECT_EQ(Status(), store::StreamStatus::kIdle);  // nothing else changed
  EXPECT_EQ(registry_
                ->RecordStreamEvent("ls_missing", "live_stream.viewer_experience_degraded",
                                    nlohmann::json::object())
                .code(),
            base::ErrorCode::kNotFound);
}

// The publisher's ingest figures reach Health(), and a publisher whose media arrives at half
// real time (RTMP on a starved link) drifts: the link condition raises live_stream.health_changed
// naming the drift.
TEST_F(StreamRegistryTest, IngestFiguresAndDriftCondition) {
  int kicks = 0;
  auto publisher = registry_->Authorize(Request(&kicks));
  ASSERT_TRUE(publisher.ok());
  (*publisher)->OnAudioConfig(AudioConfig());
  const int frames = 20 * 48000 / 1024;  // 20 s of AAC frames (1920 ticks each)
  for (int i = 0; i < frames; ++i) {
    (*publisher)->OnAccessUnit(Audio(int64_t{i} * 1920));
    clock_.Advance(std::chrono::microseconds(42'667));  // twice the frame's duration
    if (i % 5 == 0) registry_->Tick();
  }
  const LinkHealth health = registry_->Health(stream_.id);
  EXPECT_EQ(health.status, store::StreamStatus::kActive);
  ASSERT_TRUE(health.ingest);
  EXPECT_EQ(health.ingest->units, frames);
  EXPECT_NEAR(health.ingest->drift_ms, 20'000, 500);  // 40 s of wall time, 20 s of media
  EXPECT_NEAR(health.ingest->drift_rate_ms_per_s, 500, 20);
  EXPECT_FALSE(health.ingest->video_codec);
  auto events = store_->events().List({.limit = 1000, .object_id = stream_.id});
  ASSERT_TRUE(events.ok());
  const auto changed = std::find_if(events->begin(), events->end(), [](const auto& e) {
    return e.type == "live_stream.health_changed";
  });
  ASSERT_NE(changed, events->end());
  EXPECT_NE(changed->data_json.find("ingest_drift"), std::string::npos) << changed->data_json;
  // Without a publisher: no ingest figures; the stream is still known (for the history).
  publisher->reset();
  EXPECT_FALSE(registry_->Health(stream_.id).ingest);
  EXPECT_TRUE(registry_->AllHealth().empty());
  EXPECT_EQ(registry_->KnownStreamsHealth().count(stream_.id), 1u);
}

}  // namespace
}  // namespace steadycast::session
