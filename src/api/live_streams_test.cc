#include "api/live_streams.h"

#include <chrono>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "api/api_test_util.h"
#include "api/json_validation.h"

namespace steadycast::api {
namespace {

using nlohmann::json;
using testing::ExpectProblem;
using testing::Reply;

class LiveStreamsTest : public testing::ApiTest {};

TEST_F(LiveStreamsTest, CreateWithoutBodyReturnsTheFullObjectWithDefaults) {
  Reply r = Call("POST", "/v1/live-streams");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.Header("cache-control"), "no-store");
  const json& s = r.json["data"];
  EXPECT_TRUE(std::regex_match(s["id"].get<std::string>(), std::regex("ls_[a-z0-9]{24}")));
  EXPECT_EQ(r.Header("location"), "/v1/live-streams/" + s["id"].get<std::string>());
  EXPECT_EQ(s["status"], "idle");
  const std::string key = s["stream_key"];
  EXPECT_TRUE(std::regex_match(key, std::regex("[A-Za-z0-9_-]{32}")));  // 192 bits
  EXPECT_EQ(s["srt_passphrase"], nullptr);
  EXPECT_EQ(s["reconnect_window"], 60);
  EXPECT_EQ(s["latency_mode"], "standard");
  EXPECT_EQ(s["ladder"], "default");
  EXPECT_EQ(s["slate"], true);
  EXPECT_EQ(s["takeover"], "silent-only");
  ASSERT_EQ(s["playback_ids"].size(), 1u);
  EXPECT_TRUE(std::regex_match(s["playback_ids"][0]["id"].get<std::string>(),
                               std::regex("pb_[a-z0-9]{24}")));
  EXPECT_EQ(s["playback_ids"][0]["policy"], "public");
  EXPECT_EQ(s["ingest"]["rtmp"], "rtmp://ingest.example:1935/live");
  EXPECT_EQ(s["ingest"]["srt"], "srt://ingest.example:9000?streamid=#!::r=" + key + ",m=publish");
  EXPECT_EQ(s["metadata"], json::object());
  EXPECT_EQ(s["created_at"], "2023-11-14T22:13:20.000Z");  // FakeClock's wall time
  EXPECT_EQ(s["updated_at"], s["created_at"]);
  EXPECT_EQ(s["srt_latency_ms"], nullptr);
  EXPECT_EQ(s.size(), 15u);  // no field missing, nothing unexpected
}

TEST_F(LiveStreamsTest, CreateWithEveryField) {
  json s = CreateStream(R"({"srt_passphrase":"correct horse battery","reconnect_window":0,
      "latency_mode":"low","ladder":[{"height":720,"video_kbps":3000}],"slate":false,
      "takeover":"newest","playback_policy":"signed","metadata":{"team":"news"}})");
  EXPECT_EQ(s["srt_passphrase"], "correct horse battery");
  EXPECT_EQ(s["reconnect_window"], 0);
  EXPECT_EQ(s["latency_mode"], "low");
  EXPECT_EQ(s["ladder"], json::parse(R"([{"height":720,"video_kbps":3000}])"));
  EXPECT_EQ(s["slate"], false);
  EXPECT_EQ(s["takeover"], "newest");
  EXPECT_EQ(s["playback_ids"][0]["policy"], "signed");
  EXPECT_EQ(s["metadata"], json({{"team", "news"}}));
  // What was stored is what GET returns.
  EXPECT_EQ(Call("GET", "/v1/live-streams/" + s["id"].get<std::string>()).json["data"], s);
}

TEST_F(LiveStreamsTest, EveryCreateGetsFreshIdsAndKeys) {
  std::set<std::string> values;
  for (int i = 0; i < 5; ++i) {
    json s = CreateStream("{}");
    values.insert(s["id"].get<std::string>());
    values.insert(s["stream_key"].get<std::string>());
    values.insert(s["playback_ids"][0]["id"].get<std::string>());
  }
  EXPECT_EQ(values.size(), 15u);
}

TEST_F(LiveStreamsTest, ValidationErrorsAre400WithFieldErrors) {
  Reply r = Call("POST", "/v1/live-streams", R"({"x":1})");
  ExpectProblem(r, 400, "invalid-request");
  EXPECT_EQ(r.json["errors"], json::parse(R"([{"field":"x","message":"unknown field"}])"));

  const std::pair<const char*, const char*> cases[] = {
      {R"({"reconnect_window":1801})", "reconnect_window"},
      {R"({"reconnect_window":"60"})", "reconnect_window"},
      {R"({"srt_passphrase":"123456789"})", "srt_passphrase"},
      {R"({"latency_mode":"fast"})", "latency_mode"},
      {R"({"ladder":[{"height":100,"video_kbps":3000}]})", "ladder[0].height"},
      {R"({"slate":"yes"})", "slate"},
      {R"({"takeover":"always"})", "takeover"},
      {R"({"playback_policy":"secret"})", "playback_policy"},
      {R"({"metadata":{"a":1}})", "metadata.a"},
  };
  for (const auto& [body, field] : cases) {
    Reply bad = Call("POST", "/v1/live-streams", body);
    ExpectProblem(bad, 400, "invalid-request");
    ASSERT_TRUE(bad.json["errors"].is_array()) << body;
    EXPECT_EQ(bad.json["errors"][0]["field"], field) << body;
  }
  // Nothing was created by any of them.
  EXPECT_EQ(Call("GET", "/v1/live-streams").json["data"].size(), 0u);
}

TEST_F(LiveStreamsTest, InvalidJsonIs400) {
  for (const char* body : {"{", "not json", "{\"a\":1,}", "[1,2"}) {
    ExpectProblem(Call("POST", "/v1/live-streams", body), 400, "invalid-json");
  }
  ExpectProblem(Call("POST", "/v1/live-streams", "[]"), 400, "invalid-request");
}

TEST_F(LiveStreamsTest, DeepNestingIs400BeforeAnyTreeIsBuilt) {
  const auto nested = [](int depth) {
    return R"({"metadata":{"a":)" + std::string(depth, '[') + std::string(depth, ']') + "}}";
  };
  // Within the limit the body parses (and fails validation: metadata values are strings).
  ExpectProblem(Call("POST", "/v1/live-streams", nested(kMaxJsonBodyDepth - 2)), 400,
                "invalid-request");
  for (const int depth : {kMaxJsonBodyDepth, 1000, 30'000}) {  // 30 000: 60 KB, under the limit
    SCOPED_TRACE(depth);
    ExpectProblem(Call("POST", "/v1/live-streams", nested(depth)), 400, "invalid-json");
    ExpectProblem(Call("POST", "/v1/live-streams", std::string(depth, '[')), 400, "invalid-json");
  }
  EXPECT_EQ(Call("GET", "/v1/live-streams").json["data"].size(), 0u);
}

TEST_F(LiveStreamsTest, GetAndDelete) {
  json s = CreateStream();
  const std::string id = s["id"];
  Reply got = Call("GET", "/v1/live-streams/" + id);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.json["data"], s);

  auto publisher = Publish(s["stream_key"]);
  Reply deleted = Call("DELETE", "/v1/live-streams/" + id);
  EXPECT_EQ(deleted.status, 204);
  EXPECT_TRUE(deleted.body.empty());
  EXPECT_EQ(kicks_, 1);  // the publisher is disconnected

  ExpectProblem(Call("GET", "/v1/live-streams/" + id), 404, "not-found");
  ExpectProblem(Call("DELETE", "/v1/live-streams/" + id), 404, "not-found");
  EXPECT_EQ(kicks_, 1);
  ExpectProblem(Call("GET", "/v1/live-streams/ls_doesnotexist"), 404, "not-found");
}

TEST_F(LiveStreamsTest, ListPaginatesNewestFirst) {
  std::vector<std::string> created;
  for (int i = 0; i < 60; ++i) {
    created.push_back(CreateStream()["id"]);
    clock_.Advance(std::chrono::milliseconds(i % 3 == 1 ? 0 : 5));  // some share a timestamp
  }
  std::vector<std::string> seen;
  std::string target = "/v1/live-streams?limit=25";
  std::vector<size_t> page_sizes;
  while (true) {
    Reply r = Call("GET", target);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_TRUE(r.json.contains("next_cursor"));
    page_sizes.push_back(r.json["data"].size());
    for (const json& s : r.json["data"]) seen.push_back(s["id"]);
    if (r.json["next_cursor"].is_null()) break;
    target = "/v1/live-streams?limit=25&cursor=" + r.json["next_cursor"].get<std::string>();
  }
  EXPECT_EQ(page_sizes, (std::vector<size_t>{25, 25, 10}));
  ASSERT_EQ(seen.size(), 60u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 60u);
  // Newest first: the last created comes first; same-millisecond ties are ordered by id.
  std::vector<std::pair<std::string, std::string>> expected;  // (created_at, id)
  expected.reserve(seen.size());
  for (const std::string& id : seen) {
    expected.emplace_back(Call("GET", "/v1/live-streams/" + id).json["data"]["created_at"], id);
  }
  EXPECT_TRUE(std::is_sorted(expected.rbegin(), expected.rend()));
  EXPECT_EQ(seen.back(), created.front());
}

TEST_F(LiveStreamsTest, ListDefaultsTo25) {
  for (int i = 0; i < 30; ++i) CreateStream();
  Reply r = Call("GET", "/v1/live-streams");
  EXPECT_EQ(r.json["data"].size(), 25u);
  EXPECT_TRUE(r.json["next_cursor"].is_string());
  Reply all = Call("GET", "/v1/live-streams?limit=100");
  EXPECT_EQ(all.json["data"].size(), 30u);
  EXPECT_TRUE(all.json["next_cursor"].is_null());
}

TEST_F(LiveStreamsTest, ListRejectsBadLimitAndCursor) {
  for (const char* limit : {"0", "101", "-1", "abc", "", "25.5", "1e1", "+5", "99999999999"}) {
    Reply r = Call("GET", std::string("/v1/live-streams?limit=") + limit);
    ExpectProblem(r, 400, "invalid-request");
    EXPECT_EQ(r.json["errors"][0]["field"], "limit") << limit;
  }
  for (const char* cursor : {"garbage!", "Zg==", "MTIzOg"}) {
    Reply r = Call("GET", std::string("/v1/live-streams?cursor=") + cursor);
    ExpectProblem(r, 400, "invalid-request");
    EXPECT_EQ(r.json["errors"][0]["field"], "cursor") << cursor;
  }
  EXPECT_EQ(Call("GET", "/v1/live-streams?limit=1").status, 200);
  EXPECT_EQ(Call("GET", "/v1/live-streams?limit=100").status, 200);
}

TEST_F(LiveStreamsTest, PatchUpdatesOnlyGivenFields) {
  json s = CreateStream(R"({"metadata":{"a":"b"}})");
  const std::string id = s["id"];
  clock_.Advance(std::chrono::seconds(2));
  Reply r = Call("PATCH", "/v1/live-streams/" + id,
                 R"({"reconnect_window":120,"srt_passphrase":"0123456789"})");
  ASSERT_EQ(r.status, 200) << r.body;
  json want = s;
  want["reconnect_window"] = 120;
  want["srt_passphrase"] = "0123456789";
  want["updated_at"] = "2023-11-14T22:13:22.000Z";
  EXPECT_EQ(r.json["data"], want);
  EXPECT_EQ(Call("GET", "/v1/live-streams/" + id).json["data"], want);

  // Same validation as create, plus playback_policy is create-only.
  ExpectProblem(Call("PATCH", "/v1/live-streams/" + id, R"({"reconnect_window":-5})"), 400,
                "invalid-request");
  Reply policy = Call("PATCH", "/v1/live-streams/" + id, R"({"playback_policy":"signed"})");
  ExpectProblem(policy, 400, "invalid-request");
  EXPECT_EQ(policy.json["errors"][0]["field"], "playback_policy");
  ExpectProblem(Call("PATCH", "/v1/live-streams/" + id, "{"), 400, "invalid-json");
  ExpectProblem(Call("PATCH", "/v1/live-streams/ls_missing", "{}"), 404, "not-found");
  // An empty PATCH changes nothing but the timestamp.
  EXPECT_EQ(Call("PATCH", "/v1/live-streams/" + id).json["data"]["reconnect_window"], 120);
}

TEST_F(LiveStreamsTest, ResetStreamKey) {
  json s = CreateStream();
  const std::string id = s["id"];
  auto publisher = Publish(s["stream_key"]);
  Reply r = Call("POST", "/v1/live-streams/" + id + "/reset-stream-key");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string new_key = r.json["data"]["stream_key"];
  EXPECT_NE(new_key, s["stream_key"]);
  EXPECT_NE(r.json["data"]["ingest"]["srt"].get<std::string>().find(new_key), std::string::npos);
  EXPECT_EQ(kicks_, 1);  // the publisher on the old key is disconnected
  EXPECT_EQ(store_->live_streams().GetByStreamKey(s["stream_key"]).status().code(),
            base::ErrorCode::kNotFound);
  EXPECT_EQ(store_->live_streams().GetByStreamKey(new_key)->id, id);
  ExpectProblem(Call("POST", "/v1/live-streams/ls_missing/reset-stream-key"), 404, "not-found");
}

TEST_F(LiveStreamsTest, DisableAndEnable) {
  const json created = CreateStream();
  const std::string id = created["id"];
  auto publisher = Publish(created["stream_key"]);
  Reply r = Call("POST", "/v1/live-streams/" + id + "/disable");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["data"]["status"], "disabled");
  EXPECT_EQ(Call("GET", "/v1/live-streams/" + id).json["data"]["status"], "disabled");
  EXPECT_EQ(kicks_, 1);
  // Idempotent: disabling again changes nothing and does not kick again.
  EXPECT_EQ(Call("POST", "/v1/live-streams/" + id + "/disable").json["data"]["status"], "disabled");
  EXPECT_EQ(kicks_, 1);
  publisher.reset();
  // PATCH does not re-enable (status only changes through its own routes).
  EXPECT_EQ(Call("PATCH", "/v1/live-streams/" + id, R"({"slate":false})").status, 200);
  EXPECT_EQ(Call("GET", "/v1/live-streams/" + id).json["data"]["status"], "disabled");

  r = Call("POST", "/v1/live-streams/" + id + "/enable");
  EXPECT_EQ(r.json["data"]["status"], "idle");
  EXPECT_EQ(Call("POST", "/v1/live-streams/" + id + "/enable").json["data"]["status"], "idle");
  // Enabling a stream that is live leaves it live.
  ASSERT_TRUE(store_->live_streams().SetStatus(id, store::StreamStatus::kActive, 1).ok());
  EXPECT_EQ(Call("POST", "/v1/live-streams/" + id + "/enable").json["data"]["status"], "active");
  ExpectProblem(Call("POST", "/v1/live-streams/ls_missing/enable"), 404, "not-found");
}

TEST_F(LiveStreamsTest, UnknownRoutesAndMethodsComeFromTheRouter) {
  EXPECT_EQ(Call("GET", "/v1/nothing-here").status, 404);
  Reply r = Call("PUT", "/v1/live-streams/ls_x");
  EXPECT_EQ(r.status, 405);
  EXPECT_NE(r.Header("allow").find("PATCH"), std::string::npos);
}

TEST_F(LiveStreamsTest, SrtLatencyIsNullOrMillisecondsInRange) {
  Reply r = Call("POST", "/v1/live-streams", R"({"srt_latency_ms": 800})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json["data"]["srt_latency_ms"], 800);
  const std::string id = r.json["data"]["id"];
  Reply cleared = Call("PATCH", "/v1/live-streams/" + id, R"({"srt_latency_ms": null})");
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_EQ(cleared.json["data"]["srt_latency_ms"], nullptr);
  for (const char* bad : {R"({"srt_latency_ms": 5})", R"({"srt_latency_ms": 10001})",
                          R"({"srt_latency_ms": "800"})", R"({"srt_latency_ms": 1.5})"}) {
    Reply e = Call("POST", "/v1/live-streams", bad);
    EXPECT_EQ(e.status, 400) << bad;
    EXPECT_EQ(e.json["errors"][0]["field"], "srt_latency_ms") << bad;
  }
}

TEST_F(LiveStreamsTest, HealthReportsStatusAndSessionFigures) {
  Reply created = Call("POST", "/v1/live-streams");
  ASSERT_EQ(created.status, 201);
  const std::string id = created.json["data"]["id"];
  Reply r = Call("GET", "/v1/live-streams/" + id + "/health");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["data"]["live_stream_id"], id);
  EXPECT_EQ(r.json["data"]["status"], "idle");
  EXPECT_EQ(r.json["data"]["publisher"]["protocol"], "srt");
  EXPECT_EQ(r.json["data"]["asked_for"], id);
  EXPECT_EQ(Call("GET", "/v1/live-streams/ls_missing/health").status, 404);
  EXPECT_EQ(Call("GET", "/v1/live-streams/" + id + "/health", "", {{"authorization", ""}}).status,
            401);
}

TEST_F(LiveStreamsTest, HealthHistory) {
  Reply created = Call("POST", "/v1/live-streams");
  ASSERT_EQ(created.status, 201);
  const std::string id = created.json["data"]["id"];
  const std::string path = "/v1/live-streams/" + id + "/health/history";
  Reply r = Call("GET", path);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["data"]["live_stream_id"], id);
  EXPECT_EQ(r.json["data"]["interval_s"], 1);
  ASSERT_EQ(r.json["data"]["samples"].size(), 1u);
  EXPECT_EQ(r.json["data"]["samples"][0]["asked_for"], id);
  EXPECT_EQ(r.json["data"]["samples"][0]["seconds"], 300);  // the default
  EXPECT_EQ(Call("GET", path + "?seconds=1").json["data"]["samples"][0]["seconds"], 1);
  EXPECT_EQ(Call("GET", path + "?seconds=3600").json["data"]["samples"][0]["seconds"], 3600);
  for (const char* bad : {"0", "3601", "abc", "", "-5", "12x", "1.5", "99999999999999999999"}) {
    Reply e = Call("GET", path + "?seconds=" + bad);
    EXPECT_EQ(e.status, 400) << bad;
    EXPECT_EQ(e.Header("content-type"), "application/problem+json") << bad;
    ASSERT_EQ(e.json["errors"].size(), 1u) << bad;
    EXPECT_EQ(e.json["errors"][0]["field"], "seconds") << bad;
  }
  EXPECT_EQ(Call("GET", "/v1/live-streams/ls_missing/health/history").status, 404);
  EXPECT_EQ(Call("GET", path, "", {{"authorization", ""}}).status, 401);
}

}  // namespace
}  // namespace steadycast::api
