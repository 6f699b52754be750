#include "events/event.h"

#include <gtest/gtest.h>

#include "events/event_types.h"
#include "events/live_stream_object.h"

namespace steadycast::events {
namespace {

store::LiveStream Stream() {
  store::LiveStream s;
  s.id = "ls_abc";
  s.stream_key = "SECRET-KEY-123456";
  s.srt_passphrase = "PASSPHRASE-SECRET";
  s.playback_ids = {{"pb_1", "public"}};
  s.metadata_json = R"({"title":"x"})";
  s.created_at_ms = 1'700'000'000'000;
  s.updated_at_ms = 1'700'000'001'000;
  return s;
}

TEST(EventTest, PayloadCarriesNoSecrets) {
  const store::NewEvent event =
      LiveStreamEvent(kStreamActive, Stream(), 1'700'000'002'000, {{"reason", "first media"}});
  EXPECT_EQ(event.type, "live_stream.active");
  EXPECT_EQ(event.object_type, "live_stream");
  EXPECT_EQ(event.object_id, "ls_abc");
  EXPECT_EQ(event.id.rfind("evt_", 0), 0u);
  EXPECT_EQ(event.data_json.find("SECRET"), std::string::npos) << event.data_json;
  auto data = nlohmann::json::parse(event.data_json);
  EXPECT_EQ(data["id"], "ls_abc");
  EXPECT_EQ(data["srt_encrypted"], true);
  EXPECT_EQ(data["reason"], "first media");
  EXPECT_FALSE(data.contains("stream_key"));
  EXPECT_FALSE(data.contains("srt_passphrase"));
  EXPECT_FALSE(data.contains("ingest"));
  EXPECT_EQ(data["metadata"]["title"], "x");
}

TEST(EventTest, ApiObjectHasSecretsAndIngest) {
  auto object = LiveStreamToJson(Stream(), {"rtmp://h:1935/live", "srt://h:9000"});
  EXPECT_EQ(object["stream_key"], "SECRET-KEY-123456");
  EXPECT_EQ(object["srt_passphrase"], "PASSPHRASE-SECRET");
  EXPECT_EQ(object["ingest"]["srt"], "srt://h:9000?streamid=#!::r=SECRET-KEY-123456,m=publish");
  EXPECT_FALSE(object.contains("srt_encrypted"));
}

TEST(EventTest, EnvelopeMatchesContract) {
  store::StoredEvent stored;
  static_cast<store::NewEvent&>(stored) = LiveStreamEvent(kStreamIdle, Stream(), 1'700'000'000'000);
  stored.sequence = 7;
  stored.position = 99;
  auto envelope = EventEnvelope(stored);
  EXPECT_EQ(envelope["id"], stored.id);
  EXPECT_EQ(envelope["type"], "live_stream.idle");
  EXPECT_EQ(envelope["created_at"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(envelope["object"]["type"], "live_stream");
  EXPECT_EQ(envelope["object"]["id"], "ls_abc");
  EXPECT_EQ(envelope["sequence"], 7);
  EXPECT_EQ(envelope["data"]["status"], "idle");
}

TEST(EventTest, TypeNamesAreDistinct) {
  for (size_t i = 0; i < std::size(kAllEventTypes); ++i) {
    EXPECT_EQ(kAllEventTypes[i].rfind("live_stream.", 0), 0u);
    for (size_t j = i + 1; j < std::size(kAllEventTypes); ++j) {
      EXPECT_NE(kAllEventTypes[i], kAllEventTypes[j]);
    }
  }
}

}  // namespace
}  // namespace steadycast::events
