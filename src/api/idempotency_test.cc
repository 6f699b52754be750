#include "api/idempotency.h"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "api/problem.h"
#include "store/sqlite/sqlite_store.h"

namespace steadycast::api {
namespace {

struct Answer {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
};

// The middleware alone in front of a scripted handler: `x-token` stands in for the
// authenticated token id.
class IdempotencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::OpenSqliteStore(":memory:");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    Rebuild({});
  }

  void Rebuild(IdempotencyOptions options) {
    auto set_token = [](ApiRequest& request, net::HttpResponder respond, const ApiHandler& next) {
      request.token_id = std::string(request.http.Header("x-token"));
      next(request, std::move(respond));
    };
    handler_ = Chain({set_token, Idempotency(store_->idempotency(), clock_, options)},
                     [this](ApiRequest& request, net::HttpResponder respond) {
                       ++runs_;
                       Script(request, std::move(respond));
                     });
  }

  // What the handler does; default: `next_status_` with a body that counts the runs.
  void Script(ApiRequest& request, net::HttpResponder respond) {
    if (defer_) {
      deferred_ = std::move(respond);
      return;
    }
    if (drop_) return;  // never responds; the responder is destroyed
    if (throw_) throw std::runtime_error("handler bug");
    net::HttpResponse response = net::HttpResponse::Status(next_status_);
    response.Text("{\"run\":" + std::to_string(runs_) + ",\"body\":\"" + request.http.body + "\"}",
                  "application/json");
    response.Header("Location", "/v1/things/" + std::to_string(runs_));
    respond(std::move(response));
  }

  Answer Send(const std::string& method, const std::string& path, const std::string& body,
              std::optional<std::string> key, const std::string& token = "tok_a") {
    net::HttpRequest request;
    request.method = method;
    request.path = path;
    request.body = body;
    request.headers["x-token"] = token;
    if (key) request.headers["idempotency-key"] = *key;
    // Shared: a deferred responder may be called after Send() returned.
    auto answer = std::make_shared<Answer>();
    auto respond = [answer](net::HttpResponse response) {
      answer->status = response.status;
      for (auto& [k, v] : response.headers) answer->headers[k] = v;
      answer->body = std::string(response.body.AsStringView());
    };
    try {
      handler_(request, respond);
    } catch (const std::runtime_error&) {
      answer->status = -1;  // the router would answer 500
    }
    return *answer;
  }

  base::FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  net::HttpHandler handler_;
  int runs_ = 0;
  int next_status_ = 201;
  bool defer_ = false;
  bool drop_ = false;
  bool throw_ = false;
  net::HttpResponder deferred_;
};

TEST_F(IdempotencyTest, WithoutKeyOrOnOtherMethodsTheHandlerAlwaysRuns) {
  Send("POST", "/v1/x", "{}", std::nullopt);
  Send("POST", "/v1/x", "{}", std::nullopt);
  Send("PATCH", "/v1/x", "{}", "k1");
  Send("PATCH", "/v1/x", "{}", "k1");
  Send("GET", "/v1/x", "", "k1");
  EXPECT_EQ(runs_, 5);
}

TEST_F(IdempotencyTest, SameKeyAndRequestReplaysTheFirstResponse) {
  Answer first = Send("POST", "/v1/x", R"({"a":1})", "key-1");
  ASSERT_EQ(first.status, 201);
  EXPECT_EQ(first.headers.count("Idempotent-Replayed"), 0u);
  Answer second = Send("POST", "/v1/x", R"({"a":1})", "key-1");
  EXPECT_EQ(runs_, 1);
  EXPECT_EQ(second.status, 201);
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(second.headers["Content-Type"], "application/json");
  EXPECT_EQ(second.headers["Location"], "/v1/things/1");
  EXPECT_EQ(second.headers["Idempotent-Replayed"], "true");
  EXPECT_EQ(second.headers["Cache-Control"], "no-store");
  // Another token's identical key is a different key.
  Answer other = Send("POST", "/v1/x", R"({"a":1})", "key-1", "tok_b");
  EXPECT_EQ(runs_, 2);
  EXPECT_EQ(other.headers.count("Idempotent-Replayed"), 0u);
}

TEST_F(IdempotencyTest, SameKeyWithAnotherRequestIs422) {
  ASSERT_EQ(Send("POST", "/v1/x", R"({"a":1})", "key-1").status, 201);
  for (auto [path, body] : {std::pair{"/v1/x", R"({"a":2})"}, std::pair{"/v1/y", R"({"a":1})"},
                            std::pair{"/v1/x", ""}}) {
    Answer a = Send("POST", path, body, "key-1");
    EXPECT_EQ(a.status, 422) << path << body;
    EXPECT_EQ(a.headers["Content-Type"], "application/problem+json");
    EXPECT_NE(a.body.find("different request"), std::string::npos) << a.body;
  }
  EXPECT_EQ(runs_, 1);
}

TEST_F(IdempotencyTest, MalformedKeysAre400NamingTheHeader) {
  for (const std::string& key : {std::string(""), std::string(256, 'k'), std::string("a\x01"),
                                 std::string("caf\xc3\xa9"), std::string("tab\there")}) {
    Answer a = Send("POST", "/v1/x", "{}", key);
    EXPECT_EQ(a.status, 400) << key;
    EXPECT_NE(a.body.find("Idempotency-Key"), std::string::npos) << a.body;
  }
  EXPECT_EQ(runs_, 0);
  EXPECT_EQ(Send("POST", "/v1/x", "{}", std::string(255, 'k')).status, 201);
  EXPECT_EQ(Send("POST", "/v1/x", "{}", "with space ~!").status, 201);
}

TEST_F(IdempotencyTest, ConcurrentRequestWithTheSameKeyIs409) {
  defer_ = true;
  EXPECT_EQ(Send("POST", "/v1/x", "{}", "key-1").status, 0);  // handler holds the responder
  ASSERT_TRUE(deferred_);
  net::HttpResponder first = std::move(deferred_);
  Answer concurrent = Send("POST", "/v1/x", "{}", "key-1");
  EXPECT_EQ(concurrent.status, 409);
  EXPECT_EQ(concurrent.headers["Content-Type"], "application/problem+json");
  EXPECT_NE(concurrent.body.find("still being processed"), std::string::npos);
  EXPECT_EQ(Send("POST", "/v1/x", "{}", "key-2").status, 0);  // other keys are not blocked
  EXPECT_EQ(runs_, 2);
  // The first request completes later, as an asynchronous handler would: then it is replayed.
  net::HttpResponse response = net::HttpResponse::Status(201);
  response.Text("{\"late\":true}", "application/json");
  first(std::move(response));
  defer_ = false;
  Answer replay = Send("POST", "/v1/x", "{}", "key-1");
  EXPECT_EQ(replay.status, 201);
  EXPECT_EQ(replay.body, "{\"late\":true}");
  EXPECT_EQ(replay.headers["Idempotent-Replayed"], "true");
  EXPECT_EQ(runs_, 2);
}

TEST_F(IdempotencyTest, AbandonedRequestReleasesItsKey) {
  drop_ = true;
  Send("POST", "/v1/x", "{}", "key-1");
  throw_ = true;
  drop_ = false;
  EXPECT_EQ(Send("POST", "/v1/x", "{}", "key-1").status, -1);  // not 409: the key was released
  throw_ = false;
  EXPECT_EQ(Send("POST", "/v1/x", "{}", "key-1").status, 201);  // nor by the throwing handler
  EXPECT_EQ(runs_, 3);
}

TEST_F(IdempotencyTest, ServerErrorsAndRateLimitsAreNotStored) {
  for (int status : {500, 503, 429}) {
    next_status_ = status;
    EXPECT_EQ(Send("POST", "/v1/x", "{}", "key-1").status, status);
  }
  EXPECT_EQ(runs_, 3);
  next_status_ = 404;  // a client error is final: stored and replayed
  EXPECT_EQ(Send("POST", "/v1/x", "{}", "key-1").status, 404);
  next_status_ = 201;
  Answer replay = Send("POST", "/v1/x", "{}", "key-1");
  EXPECT_EQ(replay.status, 404);
  EXPECT_EQ(replay.headers["Idempotent-Replayed"], "true");
  EXPECT_EQ(runs_, 4);
}

TEST_F(IdempotencyTest, RecordsExpireAfterTheTtlAndArePurged) {
  Rebuild({.ttl = std::chrono::hours(24), .purge_every = 2});
  ASSERT_EQ(Send("POST", "/v1/x", "{}", "old").status, 201);
  clock_.Advance(std::chrono::hours(24));
  EXPECT_EQ(Send("POST", "/v1/x", "{}", "old").headers["Idempotent-Replayed"], "true");
  clock_.Advance(std::chrono::milliseconds(1));
  Answer rerun = Send("POST", "/v1/x", "{}", "old");  // expired: runs again (second save)
  EXPECT_EQ(rerun.headers.count("Idempotent-Replayed"), 0u);
  EXPECT_EQ(runs_, 2);
  clock_.Advance(std::chrono::hours(25));
  ASSERT_EQ(Send("POST", "/v1/x", "{}", "new").status, 201);
  ASSERT_EQ(Send("POST", "/v1/x", "{}", "newer").status, 201);  // fourth save: purge
  auto old = store_->idempotency().Find("tok_a", "old", 0);
  ASSERT_TRUE(old.ok());
  EXPECT_FALSE(old->has_value());
  auto kept = store_->idempotency().Find("tok_a", "new", 0);
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE(kept->has_value());
}

TEST(IdempotencyHashTest, HashSeparatesMethodPathAndBody) {
  const std::string h = IdempotencyRequestHash("POST", "/v1/a", "{}");
  EXPECT_EQ(h.size(), 64u);
  EXPECT_EQ(h, IdempotencyRequestHash("POST", "/v1/a", "{}"));
  EXPECT_NE(h, IdempotencyRequestHash("POST", "/v1/a{", "}"));
  EXPECT_NE(h, IdempotencyRequestHash("POST", "/v1/b", "{}"));
  EXPECT_NE(h, IdempotencyRequestHash("PUT", "/v1/a", "{}"));
  // SHA-256("abc"), FIPS 180-2 appendix B.1.
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace steadycast::api
