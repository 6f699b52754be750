#include "api/middleware.h"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "api/api_test_util.h"

namespace steadycast::api {
namespace {

TEST(MiddlewareTest, ChainRunsInOrderAndCanShortCircuit) {
  std::vector<std::string> trace;
  auto tag = [&trace](std::string name, bool pass) -> Middleware {
    return [&trace, name, pass](ApiRequest& request, net::HttpResponder respond,
                                const ApiHandler& next) {
      trace.push_back(name);
      if (!pass) return respond(net::HttpResponse::Status(418));
      request.token_id += name;
      next(request, std::move(respond));
    };
  };
  std::string seen_token;
  auto handler = [&](ApiRequest& request, net::HttpResponder respond) {
    trace.push_back("handler");
    seen_token = request.token_id;
    respond(net::HttpResponse::Status(200));
  };
  int status = 0;
  net::HttpRequest http;
  Chain({tag("a", true), tag("b", true)}, handler)(http,
                                                   [&](net::HttpResponse r) { status = r.status; });
  EXPECT_EQ(status, 200);
  EXPECT_EQ(trace, (std::vector<std::string>{"a", "b", "handler"}));
  EXPECT_EQ(seen_token, "ab");

  trace.clear();
  Chain({tag("a", false), tag("b", true)}, handler)(
      http, [&](net::HttpResponse r) { status = r.status; });
  EXPECT_EQ(status, 418);
  EXPECT_EQ(trace, (std::vector<std::string>{"a"}));
}

TEST(MiddlewareTest, JsonContentTypes) {
  for (const char* ok : {"application/json", "Application/JSON", "application/json; charset=utf-8",
                         " application/json ;charset=UTF-8", "application/merge-patch+json"}) {
    EXPECT_TRUE(IsJsonContentType(ok)) << ok;
  }
  for (const char* bad : {"", "text/plain", "application/jsonx", "text/json",
                          "application/x-www-form-urlencoded", "multipart/form-data; a=json"}) {
    EXPECT_FALSE(IsJsonContentType(bad)) << bad;
  }
}

TEST(MiddlewareTest, IfMatchUsesStrongComparison) {
  const std::string etag = "\"abc\"";
  for (const char* match : {"*", " * ", "\"abc\"", "\"x\", \"abc\"", "\"x\",\"abc\" ",
                            "W/\"x\", \"abc\"", ",\"abc\","}) {
    EXPECT_TRUE(IfMatchSatisfied(match, etag)) << match;
  }
  for (const char* miss :
       {"", "W/\"abc\"", "abc", "\"abc", "\"ab\"", "\"x\" \"abc\"", "**", "\"abc\"x", "\"ABC\""}) {
    EXPECT_FALSE(IfMatchSatisfied(miss, etag)) << miss;
  }
}

// Counts Authenticate calls (each one hashes a secret in the real store).
class CountingTokens : public store::TokenRepository {
 public:
  base::Result<store::AccessToken> Create(const std::string&, int64_t) override {
    return base::Internal("unused");
  }
  base::Result<store::AccessToken> Create(const std::string&, store::TokenScope, int64_t) override {
    return base::Internal("unused");
  }
  base::Status Verify(const std::string&, const std::string&) override {
    return base::Internal("unused");
  }
  base::Result<store::AccessToken> Authenticate(const std::string& id,
                                                const std::string& secret) override {
    ++calls;
    if (id == "tok_ok" && secret == "s") {
      return store::AccessToken{.id = id, .scope = store::TokenScope::kRead};
    }
    if (id == "tok_down") return base::Unavailable("database locked");
    return base::Error(base::ErrorCode::kUnauthenticated, "wrong");
  }
  base::Result<int64_t> Count() override { return 1; }
  int calls = 0;
};

TEST(MiddlewareTest, ExhaustedAddressIsRefusedBeforeAnySecretIsChecked) {
  base::FakeClock clock;
  CountingTokens tokens;
  RateLimitOptions limits;
  limits.per_address = {1, 3};
  auto handler = Chain(
      {AuthenticateAndRateLimit(tokens, "r", std::make_shared<RateLimiter>(clock, 10), limits),
       RequireScope()},
      [](ApiRequest&, net::HttpResponder respond) { respond(net::HttpResponse::Status(200)); });
  auto call = [&](const std::string& user, const std::string& method = "GET") {
    net::HttpRequest http;
    http.method = method;
    http.remote_address = "203.0.113.5:1234";
    http.headers["authorization"] = "Basic " + Base64Encode(user + ":" + "s");
    int status = 0;
    handler(http, [&](net::HttpResponse r) { status = r.status; });
    return status;
  };
  EXPECT_EQ(call("tok_down"), 503);  // a store failure is not charged
  for (int i = 0; i < 3; ++i) EXPECT_EQ(call("tok_bad"), 401);
  EXPECT_EQ(tokens.calls, 4);
  EXPECT_EQ(call("tok_bad"), 429);
  EXPECT_EQ(call("tok_ok"), 429);
  EXPECT_EQ(tokens.calls, 4);  // no secret hashed for the refused requests
  clock.Advance(std::chrono::seconds(1));
  EXPECT_EQ(call("tok_ok"), 200);
  EXPECT_EQ(call("tok_ok", "PATCH"), 403);  // read scope
  EXPECT_EQ(tokens.calls, 6);
}

TEST(MiddlewareTest, DisabledLimitsAddNoHeaders) {
  base::FakeClock clock;
  CountingTokens tokens;
  RateLimitOptions limits;
  limits.enabled = false;
  auto handler = Chain(
      {AuthenticateAndRateLimit(tokens, "r", std::make_shared<RateLimiter>(clock, 10), limits)},
      [](ApiRequest&, net::HttpResponder respond) { respond(net::HttpResponse::Status(200)); });
  net::HttpRequest http;
  http.method = "GET";
  http.headers["authorization"] = "Basic " + Base64Encode("tok_ok:s");
  net::HttpResponse seen;
  for (int i = 0; i < 100; ++i) {
    handler(http, [&](net::HttpResponse r) { seen = std::move(r); });
    ASSERT_EQ(seen.status, 200);
  }
  EXPECT_FALSE(seen.HasHeader("RateLimit-Limit"));
}

using AuthTest = testing::ApiTest;

TEST_F(AuthTest, MissingCredentialsAre401WithChallenge) {
  testing::Reply r = Call("GET", "/v1/live-streams", "", {{"authorization", ""}});
  testing::ExpectProblem(r, 401, "unauthorized");
  EXPECT_EQ(r.Header("www-authenticate"), "Basic realm=\"steadycast\"");
}

TEST_F(AuthTest, WrongCredentialsAre401OnEveryV1Route) {
  auto token = store_->tokens().Create("other", 0);
  ASSERT_TRUE(token.ok());
  const std::string wrong_secret = "Basic " + Base64Encode(token->id + ":nope");
  const std::string unknown_id = "Basic " + Base64Encode("tok_zzz:" + token->secret);
  const std::pair<const char*, const char*> routes[] = {
      {"POST", "/v1/live-streams"},
      {"GET", "/v1/live-streams"},
      {"GET", "/v1/live-streams/ls_x"},
      {"PATCH", "/v1/live-streams/ls_x"},
      {"DELETE", "/v1/live-streams/ls_x"},
      {"POST", "/v1/live-streams/ls_x/reset-stream-key"},
      {"POST", "/v1/live-streams/ls_x/disable"},
      {"POST", "/v1/live-streams/ls_x/enable"},
  };
  for (const auto& [method, path] : routes) {
    for (const std::string& auth :
         {wrong_secret, unknown_id, std::string("Bearer x"), std::string("Basic %%%")}) {
      testing::Reply r = Call(method, path, "", {{"authorization", auth}});
      testing::ExpectProblem(r, 401, "unauthorized");
      EXPECT_EQ(r.Header("www-authenticate"), "Basic realm=\"steadycast\"") << method << path;
    }
  }
  // The other token works.
  EXPECT_EQ(Call("GET", "/v1/live-streams", "",
                 {{"authorization", "Basic " + Base64Encode(token->id + ":" + token->secret)}})
                .status,
            200);
}

TEST_F(AuthTest, AuthIsCheckedBeforeTheBody) {
  // An anonymous caller learns nothing about body handling: 401 even for a huge bad body.
  testing::Reply r = Call("POST", "/v1/live-streams", std::string(100'000, 'x'),
                          {{"authorization", ""}, {"content-type", "text/plain"}});
  EXPECT_EQ(r.status, 401);
}

TEST_F(AuthTest, BodyLimitsGive413And415) {
  std::string big = R"({"metadata":{"k":")" + std::string(size_t{64} * 1024, 'x') + "\"}}";
  testing::ExpectProblem(Call("POST", "/v1/live-streams", big), 413, "payload-too-large");
  // Exactly at the limit is fine as far as size goes (then it fails validation instead).
  std::string at_limit = R"({"x":")";
  at_limit += std::string(size_t{64} * 1024 - at_limit.size() - 2, 'y') + "\"}";
  ASSERT_EQ(at_limit.size(), 64u * 1024);
  testing::ExpectProblem(Call("POST", "/v1/live-streams", at_limit), 400, "invalid-request");

  testing::ExpectProblem(Call("POST", "/v1/live-streams", "{}", {{"content-type", "text/plain"}}),
                         415, "unsupported-media-type");
  testing::Reply no_type =
      Call("POST", "/v1/live-streams", "{}", {{"content-type", ""}});  // removed
  testing::ExpectProblem(no_type, 415, "unsupported-media-type");
  testing::ExpectProblem(
      Call("PATCH", "/v1/live-streams/ls_x", "{}", {{"content-type", "application/xml"}}), 415,
      "unsupported-media-type");
  // Without a body no Content-Type is needed.
  EXPECT_EQ(Call("POST", "/v1/live-streams", "", {{"content-type", ""}}).status, 201);
  EXPECT_EQ(
      Call("POST", "/v1/live-streams", "{}", {{"content-type", "application/json; charset=utf-8"}})
          .status,
      201);
}

}  // namespace
}  // namespace steadycast::api
