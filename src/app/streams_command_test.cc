#include "app/streams_command.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/streams_format.h"

namespace steadycast::app {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

TEST(StreamSettingsBodyTest, FlagsBecomeFields) {
  StreamSettingsFlags f;
  f.reconnect_window = 120;
  f.srt_passphrase = "0123456789";
  f.srt_latency_ms = "800";
  f.latency_mode = "low";
  f.ladder = R"([{"height":720,"video_kbps":3000}])";
  f.no_slate = true;
  f.takeover = "newest";
  f.playback_policy = "signed";
  f.metadata = {"team=news", "empty=", "eq=a=b"};
  auto body = BuildSettingsBody(f);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, json::parse(R"({
    "reconnect_window": 120, "srt_passphrase": "0123456789", "srt_latency_ms": 800,
    "latency_mode": "low", "ladder": [{"height":720,"video_kbps":3000}], "slate": false,
    "takeover": "newest", "playback_policy": "signed",
    "metadata": {"team": "news", "empty": "", "eq": "a=b"}})"));

  StreamSettingsFlags none;
  EXPECT_EQ(*BuildSettingsBody(none), json::object());

  StreamSettingsFlags nulls;
  nulls.no_srt_passphrase = true;
  nulls.srt_latency_ms = "default";
  nulls.ladder = "passthrough";
  nulls.slate = true;
  EXPECT_EQ(*BuildSettingsBody(nulls),
            json::parse(R"({"srt_passphrase":null,"srt_latency_ms":null,"ladder":"passthrough",
                            "slate":true})"));
}

TEST(StreamSettingsBodyTest, FlagsOverrideBody) {
  StreamSettingsFlags f;
  f.body = R"({"reconnect_window": 5, "slate": true, "future_field": 1})";
  f.reconnect_window = 30;
  auto body = BuildSettingsBody(f);
  ASSERT_TRUE(body.ok());
  // Unknown fields pass through: the server decides (and answers 400 with field errors).
  EXPECT_EQ(*body, json::parse(R"({"reconnect_window":30,"slate":true,"future_field":1})"));
}

TEST(StreamSettingsBodyTest, MalformedFlagsAreUsageErrors) {
  auto bad = [](auto mutate) {
    StreamSettingsFlags f;
    mutate(f);
    auto body = BuildSettingsBody(f);
    return !body.ok() && body.status().code() == base::ErrorCode::kInvalidArgument;
  };
  EXPECT_TRUE(bad([](StreamSettingsFlags& f) { f.body = "[1]"; }));
  EXPECT_TRUE(bad([](StreamSettingsFlags& f) { f.body = "{"; }));
  EXPECT_TRUE(bad([](StreamSettingsFlags& f) { f.ladder = "fancy"; }));
  EXPECT_TRUE(bad([](StreamSettingsFlags& f) { f.ladder = R"({"height":1})"; }));
  EXPECT_TRUE(bad([](StreamSettingsFlags& f) { f.srt_latency_ms = "8oo"; }));
  EXPECT_TRUE(bad([](StreamSettingsFlags& f) { f.srt_latency_ms = ""; }));
  EXPECT_TRUE(bad([](StreamSettingsFlags& f) { f.metadata = {"novalue"}; }));
  EXPECT_TRUE(bad([](StreamSettingsFlags& f) { f.metadata = {"=v"}; }));
  EXPECT_TRUE(bad([](StreamSettingsFlags& f) { f.srt_passphrase = "latin1 \xe9t\xe9 ok"; }));
}

TEST(StreamFormatTest, JsonDepthIsLimited) {
  EXPECT_TRUE(ParseJsonLimited(std::string(65, '[') + std::string(65, ']')).is_discarded());
  EXPECT_FALSE(ParseJsonLimited(std::string(64, '[') + std::string(64, ']')).is_discarded());
  // Brackets inside strings (and escaped quotes) do not count.
  const std::string deep_text = "{\"a\":\"\\\"" + std::string(100, '[') + "\"}";
  EXPECT_EQ(ParseJsonLimited(deep_text)["a"].get<std::string>().size(), 101u);
  EXPECT_TRUE(ParseJsonLimited("{").is_discarded());
  const std::string deep_problem =
      R"({"title":"x","errors":)" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_EQ(FormatProblem(400, deep_problem).substr(0, 9), "HTTP 400:");
}

json SampleStream(const std::string& id, const std::string& policy = "public") {
  return json{
      {"id", id},
      {"status", "idle"},
      {"stream_key", "KEY123"},
      {"srt_passphrase", nullptr},
      {"reconnect_window", 60},
      {"srt_latency_ms", nullptr},
      {"latency_mode", "standard"},
      {"ladder", "default"},
      {"slate", true},
      {"takeover", "silent-only"},
      {"playback_ids", {{{"id", "pb_" + id}, {"policy", policy}}}},
      {"ingest", {{"rtmp", "rtmp://h:1935/live"}, {"srt", "srt://h:9000?streamid=#!::r=KEY123"}}},
      {"metadata", {{"team", "news"}}},
      {"created_at", "2026-01-02T03:04:05Z"},
      {"updated_at", "2026-01-02T03:04:06Z"}};
}

TEST(StreamFormatTest, TableIsAligned) {
  const std::string table =
      FormatStreamTable(json::array({SampleStream("ls_a"), SampleStream("ls_bbbb", "signed")}));
  EXPECT_EQ(table,
            "ID       STATUS  CREATED               PLAYBACK\n"
            "ls_a     idle    2026-01-02T03:04:05Z  pb_ls_a\n"
            "ls_bbbb  idle    2026-01-02T03:04:05Z  pb_ls_bbbb (signed)\n");
  EXPECT_EQ(FormatStreamTable(json::array()), "ID  STATUS  CREATED  PLAYBACK\n");
  // Odd shapes never throw.
  EXPECT_NO_THROW(FormatStreamTable(json::parse(R"([1, {"id": 2, "playback_ids": "x"}])")));
}

TEST(StreamFormatTest, DetailsShowWhatAnOperatorNeeds) {
  json stream = SampleStream("ls_a");
  stream["added_later"] = 7;
  const std::string text = FormatStreamDetails(stream, "http://127.0.0.1:8080");
  for (const char* want :
       {"id                ls_a\n", "stream key        KEY123\n",
        "rtmp server       rtmp://h:1935/live\n", "rtmp publish      rtmp://h:1935/live/KEY123\n",
        "srt publish       srt://h:9000?streamid=#!::r=KEY123\n",
        "playback          http://127.0.0.1:8080/hls/pb_ls_a.m3u8\n", "reconnect window  60 s\n",
        "srt passphrase    (none)\n", "srt latency ms    (server default)\n",
        "metadata          team=news\n", "added_later       7\n"}) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  }
  EXPECT_NO_THROW(FormatStreamDetails(json::parse(R"({"ingest": 1, "metadata": [1]})"), ""));
  EXPECT_NO_THROW(FormatStreamDetails(json("text"), ""));
}

TEST(StreamFormatTest, Problems) {
  EXPECT_EQ(FormatProblem(400, R"({"type":"t","title":"Invalid request","status":400,
      "detail":"the request body has invalid fields",
      "errors":[{"field":"reconnect_window","message":"must be an integer from 0 to 1800"}]})"),
            "400 Invalid request: the request body has invalid fields\n"
            "  reconnect_window: must be an integer from 0 to 1800\n");
  EXPECT_EQ(FormatProblem(409, R"({"title":"Conflict","detail":""})"), "409 Conflict\n");
  EXPECT_EQ(FormatProblem(502, "bad gateway\n"), "HTTP 502: bad gateway\n");
  EXPECT_EQ(FormatProblem(500, ""), "HTTP 500\n");
}

class ServerAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("steadycast-streams-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  fs::path dir_;
};

TEST_F(ServerAccessTest, FromTheDataDir) {
  Write("listen.json", R"({"http":"0.0.0.0:8080","rtmp":"0.0.0.0:1935"})");
  Write("admin-token.json", R"({"id":"tok_1","secret":"s3cret"})");
  auto access = ResolveServerAccess({.data_dir = dir_.string()}, {});
  ASSERT_TRUE(access.ok()) << access.status().ToString();
  EXPECT_EQ(access->url.host, "127.0.0.1");  // wildcard → loopback
  EXPECT_EQ(access->url.port, 8080);
  EXPECT_EQ(access->base_url, "http://127.0.0.1:8080");
  EXPECT_EQ(access->authorization, "Basic dG9rXzE6czNjcmV0");  // tok_1:s3cret

  // STEADYCAST_DATA_DIR when --data-dir is absent.
  auto from_env = ResolveServerAccess({}, {{"STEADYCAST_DATA_DIR", dir_.string()}});
  ASSERT_TRUE(from_env.ok()) << from_env.status().ToString();
  EXPECT_EQ(from_env->authorization, access->authorization);
}

TEST_F(ServerAccessTest, FlagsAndEnvironmentOverride) {
  auto access = ResolveServerAccess(
      {.data_dir = dir_.string(), .server = "http://[::1]:9/api", .token = "tok_2:x:y"}, {});
  ASSERT_TRUE(access.ok()) << access.status().ToString();
  EXPECT_EQ(access->base_url, "http://[::1]:9/api");
  EXPECT_EQ(access->authorization, "Basic dG9rXzI6eDp5");  // tok_2:x:y (secret may hold ':')
  auto env = ResolveServerAccess({.data_dir = dir_.string(), .server = "127.0.0.1:1"},
                                 {{"STEADYCAST_TOKEN", "tok_3:z"}});
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->authorization, "Basic dG9rXzM6eg==");
}

TEST_F(ServerAccessTest, MissingFilesAndBadFlags) {
  auto no_listen = ResolveServerAccess({.data_dir = dir_.string()}, {});
  ASSERT_FALSE(no_listen.ok());
  EXPECT_EQ(no_listen.status().code(), base::ErrorCode::kNotFound);
  EXPECT_NE(no_listen.status().message().find("--server"), std::string::npos);
  auto no_token = ResolveServerAccess({.data_dir = dir_.string(), .server = "127.0.0.1:1"}, {});
  ASSERT_FALSE(no_token.ok());
  EXPECT_EQ(no_token.status().code(), base::ErrorCode::kNotFound);
  EXPECT_NE(no_token.status().message().find("--token"), std::string::npos);
  for (const char* token : {"nocolon", ":secret", "id:"}) {
    auto bad = ResolveServerAccess({.server = "127.0.0.1:1", .token = token}, {});
    EXPECT_EQ(bad.status().code(), base::ErrorCode::kInvalidArgument) << token;
  }
  auto bad_server = ResolveServerAccess({.server = "https://x:1", .token = "a:b"}, {});
  EXPECT_EQ(bad_server.status().code(), base::ErrorCode::kInvalidArgument);
  Write("listen.json", "not json");
  EXPECT_FALSE(ResolveServerAccess({.data_dir = dir_.string(), .token = "a:b"}, {}).ok());
}

// A scripted server: each request gets the next canned answer; requests are recorded.
class FakeServer {
 public:
  void Answer(int status, std::string body,
              std::vector<std::pair<std::string, std::string>> h = {}) {
    net::HttpClientResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(h);
    answers_.emplace_back(std::move(r));
  }
  void Fail(base::Status status) { answers_.emplace_back(std::move(status)); }

  ApiTransport Transport() {
    return [this](const net::HttpClientRequest& request) {
      requests.push_back(request);
      if (answers_.empty()) return base::Result<net::HttpClientResponse>(base::Internal("none"));
      auto next = std::move(answers_.front());
      answers_.erase(answers_.begin());
      return next;
    };
  }

  static std::string Header(const net::HttpClientRequest& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }

  std::vector<net::HttpClientRequest> requests;

 private:
  std::vector<base::Result<net::HttpClientResponse>> answers_;
};

class RunStreamsTest : public ::testing::Test {
 protected:
  int Run(const StreamsInvocation& invocation) {
    out_.str("");
    err_.str("");
    const StreamsIo io{out_, err_,
                       [this](std::chrono::milliseconds wait) { waits_.push_back(wait); }};
    return RunStreamsInvocation(invocation, access_, server_.Transport(), io);
  }
  static std::string Data(const json& stream) { return json{{"data", stream}}.dump(); }

  ServerAccess access_{.url = {.host = "127.0.0.1", .port = 8080},
                       .base_url = "http://127.0.0.1:8080",
                       .authorization = "Basic abc"};
  FakeServer server_;
  std::ostringstream out_, err_;
  std::vector<std::chrono::milliseconds> waits_;
};

TEST_F(RunStreamsTest, CreateRetriesLostAnswersWithTheSameIdempotencyKey) {
  server_.Answer(503, R"({"title":"Service unavailable","status":503})", {{"Retry-After", "1"}});
  server_.Fail(base::Unavailable("read response: end of stream"));
  server_.Answer(201, Data(SampleStream("ls_new")));
  ASSERT_EQ(Run({.action = "create", .body = {{"reconnect_window", 10}}}), 0) << err_.str();
  ASSERT_EQ(server_.requests.size(), 3u);
  const std::string key = FakeServer::Header(server_.requests[0], "Idempotency-Key");
  EXPECT_TRUE(key.starts_with("cli-")) << key;
  for (const auto& r : server_.requests) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/v1/live-streams");
    EXPECT_EQ(r.body, R"({"reconnect_window":10})");
    EXPECT_EQ(FakeServer::Header(r, "Idempotency-Key"), key);
    EXPECT_EQ(FakeServer::Header(r, "Authorization"), "Basic abc");
    EXPECT_EQ(FakeServer::Header(r, "Content-Type"), "application/json");
  }
  EXPECT_EQ(waits_.size(), 2u);
  EXPECT_EQ(waits_[0], std::chrono::seconds(1));
  EXPECT_NE(out_.str().find("stream key        KEY123"), std::string::npos) << out_.str();
}

TEST_F(RunStreamsTest, ProblemsGoToStderrWithExitOne) {
  server_.Answer(409, R"({"title":"Conflict","status":409,"detail":"stream is idle"})");
  EXPECT_EQ(Run({.action = "complete", .id = "ls_1", .idempotency_key = "k"}), 1);
  EXPECT_EQ(server_.requests[0].target, "/v1/live-streams/ls_1/complete");
  EXPECT_EQ(FakeServer::Header(server_.requests[0], "Idempotency-Key"), "k");
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str(), "steadycast streams complete: 409 Conflict: stream is idle\n");

  server_.Fail(base::Unavailable("connect to 127.0.0.1:8080: Connection refused"));
  server_.Fail(base::Unavailable("connect to 127.0.0.1:8080: Connection refused"));
  server_.Fail(base::Unavailable("connect to 127.0.0.1:8080: Connection refused"));
  EXPECT_EQ(Run({.action = "get", .id = "ls_1"}), 1);
  EXPECT_NE(err_.str().find("cannot reach http://127.0.0.1:8080"), std::string::npos);
}

TEST_F(RunStreamsTest, NonIdempotentMethodsAreNotRetriedAfterSending) {
  server_.Fail(base::Unavailable("read response timed out"));
  EXPECT_EQ(Run({.action = "delete", .id = "ls_1"}), 1);
  EXPECT_EQ(server_.requests.size(), 1u);
  // A refused connection sent nothing: retried even for PATCH, with If-Match kept.
  server_.requests.clear();
  server_.Fail(base::Unavailable("connect to 127.0.0.1:8080: Connection refused"));
  server_.Answer(200, R"({"data":{"id":"ls_1"},"meta":{"applies_on_next_connection":["ladder"]}})");
  EXPECT_EQ(Run({.action = "update",
                 .id = "ls_1",
                 .body = {{"ladder", "default"}},
                 .if_match = "\"e1\""}),
            0);
  ASSERT_EQ(server_.requests.size(), 2u);
  EXPECT_EQ(server_.requests[1].method, "PATCH");
  EXPECT_EQ(FakeServer::Header(server_.requests[1], "If-Match"), "\"e1\"");
  EXPECT_EQ(FakeServer::Header(server_.requests[1], "Idempotency-Key"), "");
  EXPECT_NE(out_.str().find("applies on the publisher's next connection: ladder"),
            std::string::npos);
}

TEST_F(RunStreamsTest, ListFollowsCursorsWithAll) {
  server_.Answer(200, json{{"data", {SampleStream("ls_2")}}, {"next_cursor", "c/1"}}.dump());
  server_.Answer(200, json{{"data", {SampleStream("ls_1")}}, {"next_cursor", nullptr}}.dump());
  ASSERT_EQ(Run({.action = "list", .all = true}), 0) << err_.str();
  ASSERT_EQ(server_.requests.size(), 2u);
  EXPECT_EQ(server_.requests[0].target, "/v1/live-streams?limit=100");
  EXPECT_EQ(server_.requests[1].target, "/v1/live-streams?limit=100&cursor=c%2F1");
  EXPECT_NE(out_.str().find("ls_2"), std::string::npos);
  EXPECT_LT(out_.str().find("ls_2"), out_.str().find("ls_1"));

  server_.Answer(200, json{{"data", {SampleStream("ls_2")}}, {"next_cursor", "c2"}}.dump());
  ASSERT_EQ(Run({.action = "list", .json = true, .limit = 1}), 0);
  EXPECT_EQ(json::parse(out_.str())["next_cursor"], "c2");  // the raw page
  server_.Answer(200, json{{"data", {SampleStream("ls_2")}}, {"next_cursor", "c2"}}.dump());
  ASSERT_EQ(Run({.action = "list", .limit = 1}), 0);
  EXPECT_NE(err_.str().find("--cursor c2"), std::string::npos);
}

TEST_F(RunStreamsTest, DeleteAndJsonOutput) {
  server_.Answer(204, "");
  EXPECT_EQ(Run({.action = "delete", .id = "ls/../x"}), 0);
  EXPECT_EQ(server_.requests[0].target, "/v1/live-streams/ls%2F..%2Fx");  // ids stay one segment
  EXPECT_EQ(out_.str(), "deleted ls/../x\n");
  server_.Answer(200, Data(SampleStream("ls_1")));
  EXPECT_EQ(Run({.action = "get", .id = "ls_1", .json = true}), 0);
  EXPECT_EQ(json::parse(out_.str())["data"]["id"], "ls_1");
  EXPECT_EQ(Run({.action = "get"}), 2);  // no id
}

}  // namespace
}  // namespace steadycast::app
