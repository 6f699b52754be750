#pragma once
// Test-only fixture for router-level API tests: a real ":memory:" SQLite store, a FakeClock,
// the routes registered on an HttpRouter, and a helper that dispatches a request and captures
// the (synchronous) response. No sockets.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/api.h"
#include "api/basic_auth.h"
#include "base/clock.h"
#include "net/http_router.h"
#include "store/sqlite/sqlite_store.h"

namespace steadycast::api::testing {

struct Reply {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  nlohmann::json json;  // parsed body (null when empty or not JSON)
  int responses = 0;    // how many times the handler responded (must be 1)

  std::string Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() == name.size() &&
          std::equal(k.begin(), k.end(), name.begin(),
                     [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        return v;
      }
    }
    return "";
  }
};

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store =
        store::OpenSqliteStore(":memory:", {.busy_timeout_ms = 1000, .token_hash_iterations = 10});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    sessions_ =
        std::make_unique<session::StreamRegistry>(*store_, clock_, session::RegistryOptions{});
    // Direct initialisation (no moved temporary): GCC 12 -O3 reports a false
    // -Wmaybe-uninitialized on the moved ApiOptions otherwise.
    ctx_.reset(new ApiContext{
        .store = *store_,
        .clock = clock_,
        .sessions = *sessions_,
        .options = MakeOptions(),
        .rtmp_base = "rtmp://ingest.example:1935/live",
        .srt_base = "srt://ingest.example:9000",
        .stream_health =
            [](const std::string& id) {
              return nlohmann::json{{"publisher", {{"protocol", "srt"}}}, {"asked_for", id}};
            },
        .stream_health_history =
            [](const std::string& id, int seconds) {
              return nlohmann::json::array(
                  {{{"asked_for", id}, {"seconds", seconds}, {"status", "active"}}});
            },
        .listeners_ready = [this] { return listeners_ready_; },
    });
    RegisterApiRoutes(router_, *ctx_);
    auto token = store_->tokens().Create("test", 0);
    ASSERT_TRUE(token.ok());
    authorization_ = "Basic " + Base64Encode(token->id + ":" + token->secret);
  }

  // Options for the ApiContext. Rate limits are off here: most tests issue many requests at
  // one FakeClock instant; tests of the limits override this.
  virtual ApiOptions MakeOptions() {
    ApiOptions options;
    options.rate_limits.enabled = false;
    return options;
  }

  // "Basic ..." for a new token with `scope`.
  std::string NewAuthorization(store::TokenScope scope, const std::string& name = "extra") {
    auto token = store_->tokens().Create(name, scope, 0);
    EXPECT_TRUE(token.ok()) << token.status().ToString();
    return token.ok() ? "Basic " + Base64Encode(token->id + ":" + token->secret) : "";
  }

  // Dispatches `method target` with the test token (unless `authorization` is given).
  Reply Call(const std::string& method, const std::string& target, const std::string& body = "",
             std::map<std::string, std::string> headers = {}) {
    net::HttpRequest request;
    request.method = method;
    request.target = target;
    EXPECT_TRUE(net::ParseTarget(target, request.path, request.query).ok()) << target;
    if (headers.count("authorization") == 0) headers["authorization"] = authorization_;
    if (!body.empty() && headers.count("content-type") == 0) {
      headers["content-type"] = "application/json";
    }
    for (auto it = headers.begin(); it != headers.end();) {
      it = it->second.empty() ? headers.erase(it) : std::next(it);  // "" removes a default
    }
    request.headers = std::move(headers);
    request.body = body;
    request.remote_address = remote_address_;
    Reply reply;
    router_.Dispatch(std::move(request), [&reply](net::HttpResponse response) {
      ++reply.responses;
      reply.status = response.status;
      reply.headers = response.headers;
      reply.body = std::string(response.body.AsStringView());
    });
    EXPECT_EQ(reply.responses, 1) << method << " " << target;
    if (!reply.body.empty()) {
      reply.json = nlohmann::json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
    }
    return reply;
  }

  // Creates a live stream through the API; returns its JSON object.
  nlohmann::json CreateStream(const std::string& body = "") {
    Reply r = Call("POST", "/v1/live-streams", body);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json["data"];
  }

  // Attaches a publisher with `stream_key` through the session registry (as ingest would);
  // disconnect requests are counted in kicks_.
  std::unique_ptr<media::PublishSession> Publish(const std::string& stream_key) {
    media::PublishRequest request;
    request.protocol = "rtmp";
    request.stream_key = stream_key;
    request.remote_address = "127.0.0.1:40000";
    request.disconnect = [this] { ++kicks_; };
    auto session = sessions_->Authorize(request);
    EXPECT_TRUE(session.ok()) << session.status().ToString();
    return session.ok() ? std::move(*session) : nullptr;
  }

  base::FakeClock clock_;
  int kicks_ = 0;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<session::StreamRegistry> sessions_;
  std::unique_ptr<ApiContext> ctx_;
  net::HttpRouter router_;
  std::string authorization_;
  bool listeners_ready_ = true;
  std::string remote_address_ = "192.0.2.10:50000";  // the peer of Call()'s requests
};

// Asserts an RFC 9457 problem body of `slug` with `status`.
inline void ExpectProblem(const Reply& r, int status, const std::string& slug) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/problem+json") << r.body;
  EXPECT_EQ(r.json.value("type", ""), "https://steadycast.dev/problems/" + slug) << r.body;
  EXPECT_EQ(r.json.value("status", 0), status) << r.body;
  EXPECT_TRUE(r.json.contains("title")) << r.body;
  EXPECT_TRUE(r.json.contains("detail")) << r.body;
}

}  // namespace steadycast::api::testing
