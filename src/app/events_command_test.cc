#include "app/events_command.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "app/events_command_sse.h"
#include "base/testing/split_feeder.h"

namespace steadycast::app {
namespace {

std::vector<SseMessage> DecodeAll(std::string_view input) {
  std::vector<SseMessage> reference;
  {
    SseDecoder decoder;
    EXPECT_TRUE(decoder.Feed(input, reference).ok());
  }
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(input.data()),
                                       input.size());
  for (const auto& plan : base::testing::SplitPlans(input.size())) {
    SseDecoder decoder;
    std::vector<SseMessage> got;
    base::testing::FeedInPieces(bytes, plan, [&](std::span<const uint8_t> piece) {
      EXPECT_TRUE(
          decoder.Feed({reinterpret_cast<const char*>(piece.data()), piece.size()}, got).ok());
    });
    EXPECT_EQ(got, reference) << plan.name;
  }
  return reference;
}

TEST(SseDecoderTest, MessagesFromTheServerInAnySplit) {
  const std::string stream =
      "retry: 2000\n: connected\n\n"
      "id: evt_1\nevent: live_stream.updated\ndata: {\"a\":1}\n\n"
      ": heartbeat\n\n"
      "event: gap\ndata: {\"lost\":3}\n\n"
      "id: evt_2\r\nevent: live_stream.idle\r\ndata: x\r\ndata:y\r\n\r\n"
      "data: no type\r\r"
      "id: evt_3\nevent: incomplete\ndata: z\n";  // not dispatched: no blank line yet
  auto messages = DecodeAll(stream);
  ASSERT_EQ(messages.size(), 4u);
  EXPECT_EQ(messages[0], (SseMessage{"evt_1", "live_stream.updated", "{\"a\":1}"}));
  EXPECT_EQ(messages[1], (SseMessage{"evt_1", "gap", "{\"lost\":3}"}));  // id carries over
  EXPECT_EQ(messages[2], (SseMessage{"evt_2", "live_stream.idle", "x\ny"}));
  EXPECT_EQ(messages[3], (SseMessage{"evt_2", "message", "no type"}));
  SseDecoder decoder;
  std::vector<SseMessage> out;
  ASSERT_TRUE(decoder.Feed(stream, out).ok());
  EXPECT_EQ(decoder.comments(), 2);
  EXPECT_EQ(decoder.last_event_id(), "evt_3");
}

TEST(SseDecoderTest, LimitsStopAHostileServer) {
  SseDecoder decoder;
  std::vector<SseMessage> out;
  EXPECT_FALSE(decoder.Feed(std::string(kMaxSseLineBytes + 1, 'a'), out).ok());
  EXPECT_FALSE(decoder.Feed("\n\n", out).ok());  // stays failed
  SseDecoder many_lines;
  const std::string line = "data: " + std::string(kMaxSseLineBytes - 10, 'b') + "\n";
  base::Status status = base::Status::Ok();
  for (int i = 0; i < 10 && status.ok(); ++i) status = many_lines.Feed(line, out);
  EXPECT_FALSE(status.ok());
  EXPECT_TRUE(out.empty());
}

TEST(EventsFormatTest, OneLinePerEvent) {
  const auto envelope = nlohmann::json::parse(
      R"({"id":"evt_1","type":"live_stream.active","created_at":"2026-11-26T00:00:00.000Z",
          "object":{"type":"live_stream","id":"ls_1"},"sequence":3,"data":{}})");
  const std::string line = FormatEventLine(envelope);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  for (const char* part :
       {"2026-11-26T00:00:00.000Z", "live_stream.active", "ls_1", "#3", "evt_1"}) {
    EXPECT_NE(line.find(part), std::string::npos) << part;
  }
  EXPECT_NE(FormatEventLine(nlohmann::json()).find("-"), std::string::npos);
  EXPECT_NE(FormatEventLine(nlohmann::json::array()).find("-"), std::string::npos);
  EXPECT_NE(FormatEventLine(nlohmann::json{{"object", 5}}).find("-"), std::string::npos);
}

TEST(EventsListTargetTest, QueryFromFlags) {
  EXPECT_EQ(EventsListTarget(0, "", ""), "/v1/events");
  EXPECT_EQ(EventsListTarget(5, "a.b,c", "ls_1"), "/v1/events?limit=5&type=a.b%2Cc&object_id=ls_1");
  EXPECT_EQ(EventsListTarget(0, "", "x&y"), "/v1/events?object_id=x%26y");
}

}  // namespace
}  // namespace steadycast::app
