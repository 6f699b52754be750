#include "analytics/beacon_parser.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace steadycast::analytics {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using Failure = BeaconParseResult::Failure;

// The example agreed with the player (README "Viewer experience").
json Example() {
  return json::parse(R"({
    "v": 1,
    "playback_id": "pb_abc123",
    "view_id": "v_0123456789abcdef",
    "token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwYiJ9.c2ln-_",
    "seq": 3,
    "player": {"name": "steadycast-player", "version": "1.0.0", "engine": "hls.js 1.7.4"},
    "events": [
      {"type": "view_start",       "at_ms": 0},
      {"type": "first_frame",      "at_ms": 812, "startup_ms": 812},
      {"type": "rebuffer_start",   "at_ms": 5000},
      {"type": "rebuffer_end",     "at_ms": 6200, "duration_ms": 1200},
      {"type": "rendition_switch", "at_ms": 7000, "bitrate_kbps": 1200, "height": 480},
      {"type": "error",            "at_ms": 9000, "fatal": false, "code": "networkError/fragLoadError"},
      {"type": "heartbeat",        "at_ms": 10000, "playing_ms": 8800, "rebuffer_ms": 1200, "rebuffer_count": 1, "bitrate_kbps": 1200},
      {"type": "view_end",         "at_ms": 60000, "playing_ms": 58000, "rebuffer_ms": 1200, "rebuffer_count": 1, "bitrate_kbps": 1200}
    ]})");
}

BeaconParseResult Parse(const json& body, BeaconLimits limits = {}) {
  return BeaconParser(limits).Parse(body.dump());
}

// The single field error of `body`, as "field: message".
std::string OnlyError(const json& body) {
  const BeaconParseResult r = Parse(body);
  EXPECT_EQ(r.failure, Failure::kInvalidFields) << body.dump();
  EXPECT_EQ(r.errors.size(), 1u) << body.dump();
  if (r.errors.empty()) return "";
  return r.errors[0].field + ": " + r.errors[0].message;
}

TEST(BeaconParserTest, ParsesTheAgreedExample) {
  const BeaconParseResult r = Parse(Example());
  ASSERT_TRUE(r.ok());
  const Beacon& b = *r.beacon;
  EXPECT_EQ(b.playback_id, "pb_abc123");
  EXPECT_EQ(b.view_id, "v_0123456789abcdef");
  EXPECT_EQ(b.token, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwYiJ9.c2ln-_");
  EXPECT_EQ(b.seq, 3);
  EXPECT_EQ(b.player.name, "steadycast-player");
  EXPECT_EQ(b.player.version, "1.0.0");
  EXPECT_EQ(b.player.engine, "hls.js 1.7.4");
  EXPECT_EQ(b.ignored_keys, 0);
  EXPECT_EQ(b.ignored_events, 0);
  ASSERT_EQ(b.events.size(), 8u);
  EXPECT_EQ(b.events[0].type, BeaconEventType::kViewStart);
  EXPECT_EQ(b.events[1].type, BeaconEventType::kFirstFrame);
  EXPECT_EQ(b.events[1].startup_ms, 812);
  EXPECT_EQ(b.events[3].duration_ms, 1200);
  EXPECT_EQ(b.events[4].bitrate_kbps, 1200);
  EXPECT_EQ(b.events[4].height, 480);
  EXPECT_FALSE(b.events[5].fatal);
  EXPECT_EQ(b.events[5].code, "networkError/fragLoadError");
  EXPECT_EQ(b.events[6].type, BeaconEventType::kHeartbeat);
  EXPECT_EQ(b.events[6].playing_ms, 8800);
  EXPECT_EQ(b.events[6].rebuffer_ms, 1200);
  EXPECT_EQ(b.events[6].rebuffer_count, 1);
  EXPECT_EQ(b.events[7].type, BeaconEventType::kViewEnd);
  EXPECT_EQ(b.events[7].at_ms, 60000);
  EXPECT_EQ(b.events[7].playing_ms, 58000);
  for (size_t i = 0; i < b.events.size(); ++i) {
    EXPECT_EQ(BeaconEventTypeName(b.events[i].type), Example()["events"][i]["type"]);
  }
}

TEST(BeaconParserTest, OptionalFieldsMayBeAbsent) {
  const json minimal = json::parse(R"({"v":1,"playback_id":"pb_1","view_id":"abcdefghijklmnop",
      "seq":0,"events":[{"type":"view_start","at_ms":0},
      {"type":"heartbeat","at_ms":10000,"playing_ms":0,"rebuffer_ms":0,"rebuffer_count":0},
      {"type":"rebuffer_end","at_ms":10001},{"type":"error","at_ms":10002,"fatal":true}]})");
  const BeaconParseResult r = Parse(minimal);
  ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].field);
  EXPECT_TRUE(r.beacon->token.empty());
  EXPECT_TRUE(r.beacon->player.name.empty());
  EXPECT_FALSE(r.beacon->events[1].bitrate_kbps.has_value());
  EXPECT_FALSE(r.beacon->events[2].duration_ms.has_value());
  EXPECT_TRUE(r.beacon->events[3].fatal);
  EXPECT_TRUE(r.beacon->events[3].code.empty());
}

TEST(BeaconParserTest, UnknownKeysAndEventTypesAreIgnoredAndCounted) {
  json body = Example();
  body["future_field"] = {{"nested", {1, 2, 3}}};
  body["another"] = "x";
  body["player"]["os"] = "linux";
  body["events"][1]["dropped_frames"] = 3;
  body["events"].push_back({{"type", "ad_start"}, {"at_ms", "not checked"}, {"id", 7}});
  const BeaconParseResult r = Parse(body);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.beacon->ignored_keys, 4);
  EXPECT_EQ(r.beacon->ignored_events, 1);
  EXPECT_EQ(r.beacon->events.size(), 8u);  // the unknown one is not kept
}

TEST(BeaconParserTest, TopLevelFieldErrors) {
  auto with = [](const char* key, json value) {
    json body = Example();
    body[key] = std::move(value);
    return body;
  };
  auto without = [](const char* key) {
    json body = Example();
    body.erase(key);
    return body;
  };
  EXPECT_EQ(OnlyError(without("v")), "v: is required");
  EXPECT_EQ(OnlyError(with("v", 2)), "v: must be 1 (the only beacon version)");
  EXPECT_EQ(OnlyError(with("v", "1")), "v: must be 1 (the only beacon version)");
  EXPECT_EQ(OnlyError(without("playback_id")), "playback_id: is required");
  EXPECT_THAT(OnlyError(with("playback_id", "pb 1")), ::testing::StartsWith("playback_id: must"));
  EXPECT_THAT(OnlyError(with("playback_id", std::string(65, 'a'))),
              ::testing::StartsWith("playback_id: must"));
  EXPECT_THAT(OnlyError(with("playback_id", 7)), ::testing::StartsWith("playback_id: must"));
  EXPECT_EQ(OnlyError(without("view_id")), "view_id: is required");
  const std::string view_message = "view_id: must be a string of 16 to 64 characters [A-Za-z0-9_-]";
  EXPECT_EQ(OnlyError(with("view_id", std::string(15, 'a'))), view_message);
  EXPECT_EQ(OnlyError(with("view_id", std::string(65, 'a'))), view_message);
  EXPECT_EQ(OnlyError(with("view_id", "abcdefghijklmno!")), view_message);
  EXPECT_TRUE(Parse(with("view_id", std::string(16, 'a'))).ok());
  EXPECT_TRUE(Parse(with("view_id", std::string(64, '-'))).ok());
  EXPECT_EQ(OnlyError(with("token", "a b")), "token: must be a JWT of at most 4096 characters");
  EXPECT_EQ(OnlyError(with("token", std::string(4097, 'a'))),
            "token: must be a JWT of at most 4096 characters");
  EXPECT_EQ(OnlyError(with("token", "")), "token: must be a JWT of at most 4096 characters");
  EXPECT_EQ(OnlyError(without("seq")), "seq: is required");
  const std::string seq_message = "seq: must be an integer between 0 and 1000000000";
  EXPECT_EQ(OnlyError(with("seq", -1)), seq_message);
  EXPECT_EQ(OnlyError(with("seq", 1.5)), seq_message);
  EXPECT_EQ(OnlyError(with("seq", "1")), seq_message);
  EXPECT_EQ(OnlyError(with("seq", 1'000'000'001)), seq_message);
  EXPECT_EQ(OnlyError(with("player", "hls.js")), "player: must be an object");
  EXPECT_EQ(OnlyError(with("player", {{"name", std::string(65, 'n')}})),
            "player.name: must be a string of at most 64 characters");
  EXPECT_EQ(OnlyError(with("player", {{"engine", 1}})),
            "player.engine: must be a string of at most 64 characters");
  EXPECT_EQ(OnlyError(with("player", {{"version", "1\n2"}})),
            "player.version: must be a string of at most 64 characters");
  EXPECT_EQ(OnlyError(without("events")), "events: is required");
  const std::string events_message = "events: must be an array of 1 to 64 events";
  EXPECT_EQ(OnlyError(with("events", json::array())), events_message);
  EXPECT_EQ(OnlyError(with("events", json::object())), events_message);
  json many = json::array();
  for (int i = 0; i < 65; ++i) many.push_back({{"type", "view_start"}, {"at_ms", i}});
  EXPECT_EQ(OnlyError(with("events", many)), events_message);
  many.erase(many.size() - 1);
  EXPECT_TRUE(Parse(with("events", many)).ok());
}

// The error of `event` (as events[0] of an otherwise valid beacon).
std::string EventError(const json& event) {
  json body = Example();
  body["events"] = json::array({event});
  return OnlyError(body);
}

TEST(BeaconParserTest, EventFieldErrorsNameTheEventAndField) {
  EXPECT_EQ(EventError(json::array()), "events[0]: must be an object");
  EXPECT_EQ(EventError({{"at_ms", 0}}), "events[0].type: is required");
  EXPECT_EQ(EventError({{"type", 3}, {"at_ms", 0}}), "events[0].type: must be a string");
  EXPECT_EQ(EventError({{"type", "view_start"}}), "events[0].at_ms: is required");
  const std::string at = "events[0].at_ms: must be an integer between 0 and 604800000";
  EXPECT_EQ(EventError({{"type", "view_start"}, {"at_ms", -1}}), at);
  EXPECT_EQ(EventError({{"type", "view_start"}, {"at_ms", 604800001}}), at);
  EXPECT_EQ(EventError({{"type", "view_start"}, {"at_ms", 1.25}}), at);
  EXPECT_EQ(EventError({{"type", "view_start"}, {"at_ms", nullptr}}), at);
  EXPECT_EQ(EventError({{"type", "first_frame"}, {"at_ms", 5}}),
            "events[0].startup_ms: is required");
  EXPECT_EQ(EventError({{"type", "first_frame"}, {"at_ms", 5}, {"startup_ms", 600001}}),
            "events[0].startup_ms: must be an integer between 0 and 600000");
  EXPECT_EQ(EventError({{"type", "rebuffer_end"}, {"at_ms", 5}, {"duration_ms", -3}}),
            "events[0].duration_ms: must be an integer between 0 and 604800000");
  EXPECT_EQ(EventError({{"type", "rendition_switch"}, {"at_ms", 5}}),
            "events[0].bitrate_kbps: is required");
  EXPECT_EQ(
      EventError(
          {{"type", "rendition_switch"}, {"at_ms", 5}, {"bitrate_kbps", 900}, {"height", 9000}}),
      "events[0].height: must be an integer between 0 and 8640");
  EXPECT_EQ(EventError({{"type", "error"}, {"at_ms", 5}}), "events[0].fatal: is required");
  EXPECT_EQ(EventError({{"type", "error"}, {"at_ms", 5}, {"fatal", 1}}),
            "events[0].fatal: must be a boolean");
  const std::string code =
      "events[0].code: must be a string of at most 64 characters [A-Za-z0-9_./:-]";
  EXPECT_EQ(EventError({{"type", "error"}, {"at_ms", 5}, {"fatal", true}, {"code", "a b"}}), code);
  EXPECT_EQ(EventError(
                {{"type", "error"}, {"at_ms", 5}, {"fatal", true}, {"code", std::string(65, 'c')}}),
            code);
  EXPECT_EQ(
      EventError({{"type", "heartbeat"}, {"at_ms", 5}, {"playing_ms", 1}, {"rebuffer_ms", 0}}),
      "events[0].rebuffer_count: is required");
  EXPECT_EQ(EventError({{"type", "view_end"},
                        {"at_ms", 5},
                        {"playing_ms", -1},
                        {"rebuffer_ms", 0},
                        {"rebuffer_count", 0}}),
            "events[0].playing_ms: must be an integer between 0 and 604800000");
  EXPECT_EQ(EventError({{"type", "heartbeat"},
                        {"at_ms", 5},
                        {"playing_ms", 1},
                        {"rebuffer_ms", 0},
                        {"rebuffer_count", 0},
                        {"bitrate_kbps", "1200"}}),
            "events[0].bitrate_kbps: must be an integer between 0 and 1000000");
}

TEST(BeaconParserTest, EventsMustComeOldestFirst) {
  json body = Example();
  body["events"][3]["at_ms"] = 4999;  // before the rebuffer_start at 5000
  EXPECT_EQ(OnlyError(body),
            "events[3].at_ms: must not be earlier than the previous event's at_ms");
  body["events"][3]["at_ms"] = 5000;  // the same instant is fine
  EXPECT_TRUE(Parse(body).ok());
}

TEST(BeaconParserTest, CollectsEveryErrorAtOnce) {
  json body = Example();
  body["v"] = 0;
  body["view_id"] = "short";
  body["events"][2]["at_ms"] = "late";
  body["events"][6].erase("playing_ms");
  const BeaconParseResult r = Parse(body);
  ASSERT_EQ(r.failure, Failure::kInvalidFields);
  std::vector<std::string> fields;
  for (const auto& e : r.errors) fields.push_back(e.field);
  EXPECT_THAT(fields, ElementsAre("v", "view_id", "events[2].at_ms", "events[6].playing_ms"));
  EXPECT_FALSE(r.beacon.has_value());
}

TEST(BeaconParserTest, BodyLimitsAndShape) {
  const std::string text = Example().dump();
  EXPECT_TRUE(BeaconParser({.max_body_bytes = text.size()}).Parse(text).ok());
  EXPECT_EQ(BeaconParser({.max_body_bytes = text.size() - 1}).Parse(text).failure,
            Failure::kTooLarge);
  EXPECT_EQ(BeaconParser().Parse(std::string(16 * 1024 + 1, ' ')).failure, Failure::kTooLarge);

  BeaconLimits two_events;
  two_events.max_events = 2;
  EXPECT_EQ(BeaconParser(two_events).Parse(text).errors.at(0).message,
            "must be an array of 1 to 2 events");

  const BeaconParser parser;
  EXPECT_EQ(parser.Parse("").failure, Failure::kMalformedJson);
  EXPECT_EQ(parser.Parse("{\"v\":1,").failure, Failure::kMalformedJson);
  EXPECT_EQ(parser.Parse("{\"view_id\":\"\xff\xfe\"}").failure, Failure::kMalformedJson);
  EXPECT_EQ(parser.Parse("{\"seq\":1e999}").failure, Failure::kMalformedJson);
  for (const char* not_object : {"[]", "1", "\"beacon\"", "null"}) {
    const BeaconParseResult r = parser.Parse(not_object);
    EXPECT_EQ(r.failure, Failure::kInvalidFields) << not_object;
    EXPECT_THAT(r.errors, ElementsAre(BeaconFieldError{"", "the beacon must be a JSON object"}));
  }
}

TEST(BeaconParserTest, DeepNestingIsRefusedBeforeParsing) {
  json body = Example();
  body["x"] = json::parse("[[[[[[[1]]]]]]]");  // 7 deep: 8 with the beacon object
  EXPECT_TRUE(Parse(body).ok());
  body["x"] = json::parse("[[[[[[[[1]]]]]]]]");
  const BeaconParseResult r = Parse(body);
  EXPECT_EQ(r.failure, Failure::kInvalidFields);
  EXPECT_THAT(r.errors, ElementsAre(BeaconFieldError{"", "JSON nested deeper than 8 levels"}));
  const std::string hostile = std::string(8000, '[') + std::string(8000, ']');
  EXPECT_EQ(BeaconParser().Parse(hostile).failure, Failure::kInvalidFields);
}

TEST(BeaconParserTest, HugeAndNegativeNumbersAreRangeErrors) {
  json body = Example();
  const std::string text = body.dump();
  std::string huge = text;
  huge.replace(huge.find("\"seq\":3"), 7, "\"seq\":18446744073709551615");
  EXPECT_EQ(BeaconParser().Parse(huge).errors.at(0).field, "seq");
  std::string bigger = text;
  bigger.replace(bigger.find("\"seq\":3"), 7, "\"seq\":18446744073709551616");  // a double
  EXPECT_EQ(BeaconParser().Parse(bigger).errors.at(0).field, "seq");
  std::string negative = text;
  negative.replace(negative.find("\"seq\":3"), 7, "\"seq\":-9223372036854775808");
  EXPECT_EQ(BeaconParser().Parse(negative).errors.at(0).field, "seq");
}

TEST(BeaconParserTest, PlaybackIdAndTokenChecks) {
  EXPECT_TRUE(IsValidPlaybackId("pb_abc-123"));
  EXPECT_FALSE(IsValidPlaybackId(""));
  EXPECT_FALSE(IsValidPlaybackId("pb/../x"));
  EXPECT_FALSE(IsValidPlaybackId(std::string(65, 'p')));
  EXPECT_TRUE(IsValidToken("a.b.c", 10));
  EXPECT_FALSE(IsValidToken("a.b.c", 4));
  EXPECT_FALSE(IsValidToken("a.b=", 10));
  EXPECT_FALSE(IsValidToken("", 10));
}

}  // namespace
}  // namespace steadycast::analytics
