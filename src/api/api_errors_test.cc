// Router-level tests of every /v1 error class (401, 403, 404, 409, 412, 422, 429) on every
// route, the RateLimit-* headers, Idempotency-Key replay and pagination over many streams.
// (The concurrent-request 409 of Idempotency-Key is in idempotency_test.cc, where a handler
// can hold its response.)

#include <chrono>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "api/api_test_util.h"

namespace steadycast::api {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using testing::ExpectProblem;
using testing::Reply;

struct Route {
  std::string method;
  std::string path;
  std::string body;
};

// Every /v1 route; `id` fills {id}.
std::vector<Route> AllRoutes(const std::string& id) {
  const std::string one = "/v1/live-streams/" + id;
  return {
      {"POST", "/v1/live-streams", "{}"},
      {"GET", "/v1/live-streams", ""},
      {"GET", one, ""},
      {"PATCH", one, R"({"slate":false})"},
      {"DELETE", one, ""},
      {"POST", one + "/reset-stream-key", ""},
      {"POST", one + "/disable", ""},
      {"POST", one + "/enable", ""},
      {"POST", one + "/complete", ""},
      {"GET", one + "/health", ""},
  };
}

// Rate limits off (the fixture's default): these tests issue many requests at one instant.
class ApiErrorsTest : public testing::ApiTest {};

// The documented defaults: reads 20/s burst 40, writes 5/s burst 10, per address 10/s burst 20.
class RateLimitTest : public testing::ApiTest {
 protected:
  ApiOptions MakeOptions() override { return ApiOptions{}; }

  void ExpectLimitHeaders(const Reply& r, int limit, int remaining) {
    EXPECT_EQ(r.Header("ratelimit-limit"), std::to_string(limit)) << r.status << r.body;
    EXPECT_EQ(r.Header("ratelimit-remaining"), std::to_string(remaining)) << r.status << r.body;
    EXPECT_FALSE(r.Header("ratelimit-reset").empty()) << r.status << r.body;
  }
};

TEST_F(ApiErrorsTest, UnauthorizedOnEveryRoute) {
  for (const Route& route : AllRoutes("ls_x")) {
    Reply r = Call(route.method, route.path, route.body, {{"authorization", ""}});
    ExpectProblem(r, 401, "unauthorized");
    EXPECT_EQ(r.Header("www-authenticate"), "Basic realm=\"steadycast\"");
  }
}

TEST_F(ApiErrorsTest, ReadScopeTokenMayOnlyRead) {
  const std::string id = CreateStream()["id"];
  const std::string reader = NewAuthorization(store::TokenScope::kRead, "reader");
  for (const Route& route : AllRoutes(id)) {
    Reply r = Call(route.method, route.path, route.body, {{"authorization", reader}});
    if (route.method == "GET") {
      EXPECT_EQ(r.status, 200) << route.path << r.body;
    } else {
      ExpectProblem(r, 403, "forbidden");
      EXPECT_NE(r.json.value("detail", "").find("read"), std::string::npos) << r.body;
    }
  }
  EXPECT_EQ(Call("HEAD", "/v1/live-streams/" + id, "", {{"authorization", reader}}).status, 200);
  // Nothing changed, nothing was created.
  Reply list = Call("GET", "/v1/live-streams");
  ASSERT_EQ(list.json["data"].size(), 1u);
  EXPECT_EQ(list.json["data"][0]["slate"], true);
  EXPECT_EQ(list.json["data"][0]["status"], "idle");
  // An admin token created with an explicit scope may write.
  const std::string admin = NewAuthorization(store::TokenScope::kAdmin, "admin");
  EXPECT_EQ(Call("POST", "/v1/live-streams", "{}", {{"authorization", admin}}).status, 201);
}

TEST_F(ApiErrorsTest, NotFoundOnEveryRouteWithAnId) {
  for (const Route& route : AllRoutes("ls_doesnotexist")) {
    if (route.path == "/v1/live-streams") continue;
    ExpectProblem(Call(route.method, route.path, route.body), 404, "not-found");
  }
}

TEST_F(ApiErrorsTest, CompletingAnIdleStreamIs409) {
  const std::string id = CreateStream()["id"];
  Reply r = Call("POST", "/v1/live-streams/" + id + "/complete");
  ExpectProblem(r, 409, "conflict");
}

TEST_F(ApiErrorsTest, SingleStreamResponsesCarryAStrongETag) {
  const std::regex strong("\"[0-9a-f]{32}\"");
  Reply created = Call("POST", "/v1/live-streams", "{}");
  ASSERT_EQ(created.status, 201);
  const std::string id = created.json["data"]["id"];
  const std::string one = "/v1/live-streams/" + id;
  EXPECT_TRUE(std::regex_match(created.Header("etag"), strong)) << created.Header("etag");
  Reply got = Call("GET", one);
  EXPECT_EQ(got.Header("etag"), created.Header("etag"));  // same object, same tag
  for (const char* action : {"/disable", "/enable", "/reset-stream-key"}) {
    Reply r = Call("POST", one + action);
    ASSERT_EQ(r.status, 200) << action;
    EXPECT_TRUE(std::regex_match(r.Header("etag"), strong)) << action;
    EXPECT_EQ(Call("GET", one).Header("etag"), r.Header("etag")) << action;
  }
  // Every change gives a new tag, even within the same millisecond (the clock does not move).
  const std::string before = Call("GET", one).Header("etag");
  Reply patched = Call("PATCH", one, R"({"slate":false})");
  ASSERT_EQ(patched.status, 200);
  EXPECT_NE(patched.Header("etag"), before);
  EXPECT_EQ(Call("GET", one).Header("etag"), patched.Header("etag"));
  // A PATCH that changes nothing keeps it.
  EXPECT_EQ(Call("PATCH", one, R"({"slate":false})").Header("etag"), patched.Header("etag"));
}

TEST_F(ApiErrorsTest, IfMatchMismatchIs412) {
  const std::string id = CreateStream()["id"];
  const std::string one = "/v1/live-streams/" + id;
  const std::string old_tag = Call("GET", one).Header("etag");
  Reply patched = Call("PATCH", one, R"({"slate":false})", {{"if-match", old_tag}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  const std::string tag = patched.Header("etag");

  // A stale tag, a weak tag (If-Match compares strongly) and garbage never match.
  for (const std::string& stale :
       {old_tag, "W/" + tag, std::string("\"nope\""), std::string("garbage")}) {
    ExpectProblem(Call("PATCH", one, R"({"slate":true})", {{"if-match", stale}}), 412,
                  "precondition-failed");
    ExpectProblem(Call("DELETE", one, "", {{"if-match", stale}}), 412, "precondition-failed");
  }
  EXPECT_EQ(Call("GET", one).json["data"]["slate"], false);  // the 412 PATCHes changed nothing

  // "*", the current tag, or a list containing it match.
  Reply star = Call("PATCH", one, R"({"reconnect_window":30})", {{"if-match", "*"}});
  ASSERT_EQ(star.status, 200);
  Reply listed = Call("PATCH", one, R"({"reconnect_window":31})",
                      {{"if-match", old_tag + ", " + star.Header("etag")}});
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(Call("DELETE", one, "", {{"if-match", listed.Header("etag")}}).status, 204);
  // Gone: 404 whatever If-Match says.
  ExpectProblem(Call("PATCH", one, "{}", {{"if-match", "*"}}), 404, "not-found");
  ExpectProblem(Call("DELETE", one, "", {{"if-match", "*"}}), 404, "not-found");
}

TEST_F(ApiErrorsTest, IdempotentReplayCreatesNoSecondStream) {
  const std::map<std::string, std::string> key{{"idempotency-key", "create-news-1"}};
  Reply first = Call("POST", "/v1/live-streams", R"({"metadata":{"team":"news"}})", key);
  ASSERT_EQ(first.status, 201);
  clock_.Advance(std::chrono::hours(1));
  Reply again = Call("POST", "/v1/live-streams", R"({"metadata":{"team":"news"}})", key);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.Header("location"), first.Header("location"));
  EXPECT_EQ(again.Header("content-type"), "application/json");
  EXPECT_EQ(again.Header("idempotent-replayed"), "true");
  EXPECT_EQ(Call("GET", "/v1/live-streams").json["data"].size(), 1u);

  // Same key, another body: 422, still one stream.
  Reply other = Call("POST", "/v1/live-streams", R"({"metadata":{"team":"sport"}})", key);
  ExpectProblem(other, 422, "unprocessable");
  EXPECT_EQ(Call("GET", "/v1/live-streams").json["data"].size(), 1u);

  // Actions are POSTs too: a replayed reset-stream-key does not rotate the key again.
  const std::string id = first.json["data"]["id"];
  const std::map<std::string, std::string> reset_key{{"idempotency-key", "reset-1"}};
  Reply reset = Call("POST", "/v1/live-streams/" + id + "/reset-stream-key", "", reset_key);
  Reply reset_again = Call("POST", "/v1/live-streams/" + id + "/reset-stream-key", "", reset_key);
  EXPECT_EQ(reset_again.json["data"]["stream_key"], reset.json["data"]["stream_key"]);
  EXPECT_EQ(Call("GET", "/v1/live-streams/" + id).json["data"]["stream_key"],
            reset.json["data"]["stream_key"]);

  // After 24 h the key may be reused for a new request.
  clock_.Advance(std::chrono::hours(24));
  Reply later = Call("POST", "/v1/live-streams", R"({"metadata":{"team":"sport"}})", key);
  EXPECT_EQ(later.status, 201);
  EXPECT_EQ(later.Header("idempotent-replayed"), "");
  EXPECT_EQ(Call("GET", "/v1/live-streams").json["data"].size(), 2u);
}

TEST_F(ApiErrorsTest, MalformedIdempotencyKeyIs400) {
  Reply r = Call("POST", "/v1/live-streams", "{}", {{"idempotency-key", std::string(256, 'k')}});
  ExpectProblem(r, 400, "invalid-request");
  ASSERT_EQ(r.json["errors"].size(), 1u);
  EXPECT_EQ(r.json["errors"][0]["field"], "Idempotency-Key");
  EXPECT_EQ(Call("GET", "/v1/live-streams").json["data"].size(), 0u);
}

TEST_F(ApiErrorsTest, ListPaginatesOver120Streams) {
  std::vector<std::string> created;
  for (int i = 0; i < 120; ++i) {
    created.push_back(CreateStream()["id"]);
    clock_.Advance(milliseconds(1));
  }
  Reply page1 = Call("GET", "/v1/live-streams?limit=100");
  ASSERT_EQ(page1.status, 200);
  ASSERT_EQ(page1.json["data"].size(), 100u);
  ASSERT_TRUE(page1.json["next_cursor"].is_string());
  Reply page2 = Call(
      "GET", "/v1/live-streams?limit=100&cursor=" + page1.json["next_cursor"].get<std::string>());
  ASSERT_EQ(page2.status, 200);
  ASSERT_EQ(page2.json["data"].size(), 20u);
  EXPECT_TRUE(page2.json["next_cursor"].is_null());
  std::vector<std::string> seen;
  for (const Reply* page : {&page1, &page2}) {
    for (const json& s : page->json["data"]) seen.push_back(s["id"]);
  }
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 120u);      // each once
  EXPECT_EQ(seen, std::vector<std::string>(created.rbegin(), created.rend()));  // newest first
}

TEST_F(ApiErrorsTest, NoRateLimitHeadersWhenDisabled) {
  Reply r = Call("GET", "/v1/live-streams");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("ratelimit-limit"), "");
}

TEST_F(RateLimitTest, EveryResponseCarriesRateLimitHeaders) {
  ExpectLimitHeaders(Call("GET", "/v1/live-streams"), 40, 39);
  Reply created = Call("POST", "/v1/live-streams", "{}");
  ASSERT_EQ(created.status, 201);
  ExpectLimitHeaders(created, 10, 9);
  EXPECT_EQ(created.Header("ratelimit-reset"), "1");  // one write back after 0.2 s
  ExpectLimitHeaders(Call("GET", "/v1/live-streams/ls_none"), 40, 38);   // 404
  ExpectLimitHeaders(Call("POST", "/v1/live-streams", "{", {}), 10, 8);  // 400
  ExpectLimitHeaders(Call("POST", "/v1/live-streams", "{}", {{"content-type", "text/plain"}}), 10,
                     7);  // 415
  const std::string id = created.json["data"]["id"];
  ExpectLimitHeaders(Call("POST", "/v1/live-streams/" + id + "/complete"), 10, 6);  // 409
  ExpectLimitHeaders(Call("DELETE", "/v1/live-streams/" + id, "", {{"if-match", "\"x\""}}), 10,
                     5);  // 412
  const std::string reader = NewAuthorization(store::TokenScope::kRead, "reader");
  ExpectLimitHeaders(Call("POST", "/v1/live-streams", "{}", {{"authorization", reader}}), 10,
                     9);  // 403, charged to the reader's own write bucket
  Reply unauthorized = Call("GET", "/v1/live-streams", "", {{"authorization", ""}});
  EXPECT_EQ(unauthorized.status, 401);
  ExpectLimitHeaders(unauthorized, 20, 19);  // per address
  EXPECT_EQ(unauthorized.Header("retry-after"), "");
}

TEST_F(RateLimitTest, WritesOverTheLimitAre429UntilTheBucketRefills) {
  for (int i = 0; i < 10; ++i) ASSERT_EQ(Call("POST", "/v1/live-streams", "{}").status, 201) << i;
  Reply limited = Call("POST", "/v1/live-streams", "{}");
  ExpectProblem(limited, 429, "rate-limited");
  EXPECT_EQ(limited.Header("retry-after"), "1");
  ExpectLimitHeaders(limited, 10, 0);
  EXPECT_EQ(limited.Header("ratelimit-reset"), "2");  // 10 writes at 5/s
  // Reads have their own bucket; other tokens their own buckets.
  EXPECT_EQ(Call("GET", "/v1/live-streams").status, 200);
  const std::string other = NewAuthorization(store::TokenScope::kAdmin, "other");
  EXPECT_EQ(Call("POST", "/v1/live-streams", "{}", {{"authorization", other}}).status, 201);
  // One token back after 200 ms, then refused again.
  clock_.Advance(milliseconds(199));
  EXPECT_EQ(Call("POST", "/v1/live-streams", "{}").status, 429);
  clock_.Advance(milliseconds(1));
  Reply refilled = Call("POST", "/v1/live-streams", "{}");
  EXPECT_EQ(refilled.status, 201);
  ExpectLimitHeaders(refilled, 10, 0);
  EXPECT_EQ(Call("POST", "/v1/live-streams", "{}").status, 429);
  clock_.Advance(std::chrono::seconds(2));
  ExpectLimitHeaders(Call("POST", "/v1/live-streams", "{}"), 10, 9);
  // The 429s created nothing: 10 + 1 + 1 for this token, 1 for the other.
  EXPECT_EQ(Call("GET", "/v1/live-streams?limit=100").json["data"].size(), 13u);
}

TEST_F(RateLimitTest, ReadsOverTheLimitAre429) {
  for (int i = 0; i < 40; ++i) ASSERT_EQ(Call("GET", "/v1/live-streams").status, 200) << i;
  Reply limited = Call("HEAD", "/v1/live-streams");  // HEAD counts as a read
  ExpectProblem(limited, 429, "rate-limited");
  EXPECT_EQ(limited.Header("retry-after"), "1");
  ExpectLimitHeaders(limited, 40, 0);
  EXPECT_EQ(Call("POST", "/v1/live-streams", "{}").status, 201);  // writes unaffected
  clock_.Advance(milliseconds(50));                               // 20/s
  EXPECT_EQ(Call("GET", "/v1/live-streams").status, 200);
  EXPECT_EQ(Call("GET", "/v1/live-streams").status, 429);
}

TEST_F(RateLimitTest, FailedAuthenticationIsLimitedPerClientAddress) {
  auto token = store_->tokens().Create("victim", 0);
  ASSERT_TRUE(token.ok());
  const std::string wrong = "Basic " + Base64Encode(token->id + ":guess");
  for (int i = 0; i < 20; ++i) {
    Reply r = Call("GET", "/v1/live-streams", "", {{"authorization", wrong}});
    ASSERT_EQ(r.status, 401) << i;
    ExpectLimitHeaders(r, 20, 19 - i);
  }
  // The 21st guess is refused before its secret is checked, as is anything else from there
  // (a valid token too: telling them apart would need the hashing the limit saves).
  Reply limited = Call("GET", "/v1/live-streams", "", {{"authorization", wrong}});
  ExpectProblem(limited, 429, "rate-limited");
  EXPECT_EQ(limited.Header("retry-after"), "1");
  EXPECT_EQ(limited.Header("www-authenticate"), "");
  EXPECT_EQ(Call("GET", "/v1/live-streams").status, 429);
  EXPECT_EQ(Call("POST", "/v1/live-streams", "{}", {{"authorization", ""}}).status, 429);
  // Another address is not affected; the port does not matter.
  remote_address_ = "198.51.100.7:40000";
  EXPECT_EQ(Call("GET", "/v1/live-streams", "", {{"authorization", wrong}}).status, 401);
  remote_address_ = "192.0.2.10:50001";
  EXPECT_EQ(Call("GET", "/v1/live-streams").status, 429);
  // 10/s: one more attempt after 100 ms.
  clock_.Advance(milliseconds(100));
  EXPECT_EQ(Call("GET", "/v1/live-streams").status, 200);  // valid: charges the token, not
  EXPECT_EQ(Call("GET", "/v1/live-streams", "", {{"authorization", wrong}}).status, 401);
  EXPECT_EQ(Call("GET", "/v1/live-streams", "", {{"authorization", wrong}}).status, 429);
}

TEST_F(RateLimitTest, SuccessfulRequestsDoNotUseTheAddressBudget) {
  for (int i = 0; i < 40; ++i) ASSERT_EQ(Call("GET", "/v1/live-streams").status, 200);
  Reply r = Call("GET", "/v1/live-streams", "", {{"authorization", ""}});
  EXPECT_EQ(r.status, 401);
  ExpectLimitHeaders(r, 20, 19);
}

}  // namespace
}  // namespace steadycast::api
