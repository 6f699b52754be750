// Router-level tests of /v1/webhook-endpoints and POST /v1/events/{id}/redeliver: the secret
// is shown once, list/get hide it, delete, rotate, validation and URL policy errors, the
// delivery log, redeliver 404/202, scopes and Idempotency-Key.

#include "api/webhook_endpoints.h"

#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "api/api_test_util.h"
#include "base/random.h"

namespace steadycast::api {
namespace {

using nlohmann::json;
using testing::ExpectProblem;
using testing::Reply;

class WebhookEndpointsTest : public testing::ApiTest {
 protected:
  Reply CreateEndpoint(const std::string& body) {
    return Call("POST", "/v1/webhook-endpoints", body);
  }
  json Created(const std::string& body = R"({"url":"https://hooks.example.com/in"})") {
    Reply r = CreateEndpoint(body);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json["data"];
  }
  // Appends one outbox event; returns its id.
  std::string AppendEvent(const std::string& type) {
    store::NewEvent event{.id = base::RandomId("evt"),
                          .type = type,
                          .object_type = "live_stream",
                          .object_id = "ls_x",
                          .created_at_ms = 1,
                          .data_json = "{}"};
    EXPECT_TRUE(store_->events().Append({event}).ok());
    return event.id;
  }
};

// A second fixture whose server refuses private webhook URLs.
class StrictWebhookEndpointsTest : public WebhookEndpointsTest {
 protected:
  ApiOptions MakeOptions() override {
    ApiOptions options = WebhookEndpointsTest::MakeOptions();
    options.webhooks_allow_private = false;
    return options;
  }
};

TEST_F(WebhookEndpointsTest, CreateShowsTheSecretOnceAndNeverAgain) {
  Reply r = CreateEndpoint(R"({"url":"https://hooks.example.com/in","events":["*"]})");
  ASSERT_EQ(r.status, 201) << r.body;
  const json& e = r.json["data"];
  const std::string id = e["id"];
  EXPECT_TRUE(std::regex_match(id, std::regex("we_[a-z0-9]{24}")));
  EXPECT_EQ(r.Header("location"), "/v1/webhook-endpoints/" + id);
  EXPECT_EQ(r.Header("cache-control"), "no-store");
  EXPECT_TRUE(
      std::regex_match(e["secret"].get<std::string>(), std::regex("whsec_[A-Za-z0-9_-]{32}")));
  EXPECT_EQ(e["url"], "https://hooks.example.com/in");
  EXPECT_EQ(e["events"], json::array({"*"}));
  EXPECT_EQ(e["created_at"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(e["updated_at"], e["created_at"]);
  EXPECT_EQ(e["status"], json({{"breaker", "closed"}, {"consecutive_failures", 0}}));
  EXPECT_EQ(e.size(), 7u);

  Reply got = Call("GET", "/v1/webhook-endpoints/" + id);
  ASSERT_EQ(got.status, 200);
  EXPECT_FALSE(got.json["data"].contains("secret"));
  json without_secret = e;
  without_secret.erase("secret");
  EXPECT_EQ(got.json["data"], without_secret);
  EXPECT_TRUE(std::regex_match(got.Header("etag"), std::regex("\"[0-9a-f]{32}\"")));
  Reply list = Call("GET", "/v1/webhook-endpoints");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.json["data"].size(), 1u);
  EXPECT_FALSE(list.json["data"][0].contains("secret"));
  EXPECT_EQ(list.body.find(e["secret"].get<std::string>()), std::string::npos);
  EXPECT_EQ(list.json["next_cursor"], nullptr);
}

TEST_F(WebhookEndpointsTest, EventsDefaultToAllAndAcceptKnownTypes) {
  EXPECT_EQ(Created()["events"], json::array({"*"}));
  json e = Created(
      R"({"url":"http://10.0.0.7:8080/h","events":["live_stream.active","live_stream.idle"]})");
  EXPECT_EQ(e["events"], json::array({"live_stream.active", "live_stream.idle"}));
}

TEST_F(WebhookEndpointsTest, ValidationErrorsNameTheField) {
  const std::string long_url = "https://example.com/" + std::string(2048, 'a');
  const std::pair<std::string, std::string> cases[] = {
      {R"({})", "url"},
      {R"({"url":42})", "url"},
      {R"({"url":"ftp://example.com/"})", "url"},
      {R"({"url":"https:///nohost"})", "url"},
      {R"({"url":"not a url"})", "url"},
      {R"({"url":")" + long_url + R"("})", "url"},
      {R"({"url":"https://example.com/","events":[]})", "events"},
      {R"({"url":"https://example.com/","events":"*"})", "events"},
      {R"({"url":"https://example.com/","events":["live_stream.exploded"]})", "events[0]"},
      {R"({"url":"https://example.com/","events":["*","live_stream.idle"]})", "events[0]"},
      {R"({"url":"https://example.com/","events":["live_stream.idle",1]})", "events[1]"},
      {R"({"url":"https://example.com/","events":["live_stream.idle","live_stream.idle"]})",
       "events[1]"},
      {R"({"url":"https://example.com/","secret":"mine"})", "secret"},
  };
  for (const auto& [body, field] : cases) {
    Reply r = CreateEndpoint(body);
    ExpectProblem(r, 400, "invalid-request");
    ASSERT_TRUE(r.json["errors"].is_array()) << body;
    EXPECT_EQ(r.json["errors"][0]["field"], field) << body;
  }
  json too_many = json::array();
  for (int i = 0; i < 65; ++i) too_many.push_back("live_stream.idle");
  Reply many = CreateEndpoint(json{{"url", "https://e.com/"}, {"events", too_many}}.dump());
  ExpectProblem(many, 400, "invalid-request");
  EXPECT_EQ(many.json["errors"][0]["field"], "events");
  ExpectProblem(CreateEndpoint("{"), 400, "invalid-json");
  ExpectProblem(CreateEndpoint("[]"), 400, "invalid-request");
  EXPECT_EQ(Call("GET", "/v1/webhook-endpoints").json["data"].size(), 0u);
}

TEST_F(WebhookEndpointsTest, LinkLocalAndMetadataUrlsAreRefused) {
  for (const char* url : {"http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/",
                          "http://metadata.google.internal/computeMetadata/v1/",
                          "http://169.254.3.4/", "http://[fe80::1]/"}) {
    Reply r = CreateEndpoint(json{{"url", url}}.dump());
    ExpectProblem(r, 400, "invalid-request");
    EXPECT_EQ(r.json["errors"][0]["field"], "url") << url;
  }
  // Private and loopback are fine by default (self-hosting).
  Created(R"({"url":"http://127.0.0.1:9000/hook"})");
  Created(R"({"url":"http://192.168.1.5/hook"})");
}

TEST_F(StrictWebhookEndpointsTest, PrivateUrlsAreRefusedWhenTheSettingIsOff) {
  for (const char* url : {"http://127.0.0.1:9000/hook", "http://10.1.2.3/", "http://[::1]/",
                          "http://localhost:8080/", "http://[fd12::1]/"}) {
    Reply r = CreateEndpoint(json{{"url", url}}.dump());
    ExpectProblem(r, 400, "invalid-request");
    EXPECT_EQ(r.json["errors"][0]["field"], "url") << url;
    EXPECT_NE(r.json["errors"][0]["message"].get<std::string>().find("allow_private"),
              std::string::npos);
  }
  Created(R"({"url":"https://hooks.example.com/in"})");
}

TEST_F(WebhookEndpointsTest, DeleteThen404) {
  const std::string id = Created()["id"];
  Reply deleted = Call("DELETE", "/v1/webhook-endpoints/" + id);
  EXPECT_EQ(deleted.status, 204);
  ExpectProblem(Call("GET", "/v1/webhook-endpoints/" + id), 404, "not-found");
  ExpectProblem(Call("DELETE", "/v1/webhook-endpoints/" + id), 404, "not-found");
  ExpectProblem(Call("POST", "/v1/webhook-endpoints/" + id + "/rotate-secret"), 404, "not-found");
  ExpectProblem(Call("GET", "/v1/webhook-endpoints/" + id + "/deliveries"), 404, "not-found");
}

TEST_F(WebhookEndpointsTest, RotateSecretShowsTheNewOneAndKeepsTheOldFor24Hours) {
  json e = Created();
  const std::string id = e["id"];
  clock_.Advance(std::chrono::seconds(5));
  Reply r = Call("POST", "/v1/webhook-endpoints/" + id + "/rotate-secret");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string fresh = r.json["data"]["secret"];
  EXPECT_NE(fresh, e["secret"].get<std::string>());
  EXPECT_EQ(r.json["data"]["updated_at"], "2023-11-14T22:13:25.000Z");
  auto stored = store_->webhook_endpoints().Get(id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->secret, fresh);
  EXPECT_EQ(stored->previous_secret, e["secret"].get<std::string>());
  EXPECT_EQ(stored->previous_secret_expires_ms,
            base::ToUnixMillis(clock_.WallNow()) + 24 * 3600 * 1000);
  EXPECT_FALSE(Call("GET", "/v1/webhook-endpoints/" + id).json["data"].contains("secret"));
}

TEST_F(WebhookEndpointsTest, ListPaginatesNewestFirst) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(Created()["id"]);
    clock_.Advance(std::chrono::milliseconds(1));
  }
  Reply first = Call("GET", "/v1/webhook-endpoints?limit=2");
  ASSERT_EQ(first.status, 200);
  ASSERT_EQ(first.json["data"].size(), 2u);
  EXPECT_EQ(first.json["data"][0]["id"], ids[4]);
  const std::string cursor = first.json["next_cursor"];
  Reply rest = Call("GET", "/v1/webhook-endpoints?limit=10&cursor=" + cursor);
  ASSERT_EQ(rest.json["data"].size(), 3u);
  EXPECT_EQ(rest.json["data"][2]["id"], ids[0]);
  EXPECT_EQ(rest.json["next_cursor"], nullptr);
  ExpectProblem(Call("GET", "/v1/webhook-endpoints?limit=0"), 400, "invalid-request");
  ExpectProblem(Call("GET", "/v1/webhook-endpoints?cursor=zzz"), 400, "invalid-request");
}

TEST_F(WebhookEndpointsTest, DeliveryLogShowsQueuedDeliveries) {
  const std::string id =
      Created(R"({"url":"https://e.com/","events":["live_stream.active"]})")["id"];
  AppendEvent("live_stream.idle");
  const std::string active = AppendEvent("live_stream.active");
  ASSERT_EQ(*store_->webhook_deliveries().EnqueueFromOutbox(id, 100, 1'700'000'000'000), 1);
  Reply log = Call("GET", "/v1/webhook-endpoints/" + id + "/deliveries");
  ASSERT_EQ(log.status, 200) << log.body;
  ASSERT_EQ(log.json["data"].size(), 1u);
  const json& d = log.json["data"][0];
  EXPECT_TRUE(std::regex_match(d["id"].get<std::string>(), std::regex("whd_[a-z0-9]{24}")));
  EXPECT_EQ(d["event_id"], active);
  EXPECT_EQ(d["endpoint_id"], id);
  EXPECT_EQ(d["status"], "pending");
  EXPECT_EQ(d["attempts"], 0);
  EXPECT_EQ(d["last_status_code"], nullptr);
  EXPECT_EQ(d["last_error"], nullptr);
  EXPECT_EQ(d["next_attempt_at"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(d["object"], json({{"type", "live_stream"}, {"id", "ls_x"}}));
  EXPECT_EQ(log.json["next_cursor"], nullptr);
}

TEST_F(WebhookEndpointsTest, NewEndpointsOnlyGetEventsAfterTheirCreation) {
  AppendEvent("live_stream.active");
  const std::string id = Created()["id"];
  EXPECT_EQ(*store_->webhook_deliveries().EnqueueFromOutbox(id, 100, 1), 0);
  AppendEvent("live_stream.idle");
  EXPECT_EQ(*store_->webhook_deliveries().EnqueueFromOutbox(id, 100, 1), 1);
}

TEST_F(WebhookEndpointsTest, RedeliverQueuesForEveryMatchingEndpoint) {
  ExpectProblem(Call("POST", "/v1/events/evt_unknown/redeliver"), 404, "not-found");
  const std::string all = Created()["id"];
  const std::string idle_only =
      Created(R"({"url":"https://e.com/","events":["live_stream.idle"]})")["id"];
  const std::string event_id = AppendEvent("live_stream.active");
  Reply r = Call("POST", "/v1/events/" + event_id + "/redeliver");
  ASSERT_EQ(r.status, 202) << r.body;
  ASSERT_EQ(r.json["data"].size(), 1u);
  EXPECT_EQ(r.json["data"][0]["endpoint_id"], all);
  EXPECT_EQ(r.json["data"][0]["event_id"], event_id);
  EXPECT_EQ(r.json["data"][0]["status"], "pending");
  EXPECT_EQ(Call("GET", "/v1/webhook-endpoints/" + all + "/deliveries").json["data"].size(), 1u);
  EXPECT_EQ(Call("GET", "/v1/webhook-endpoints/" + idle_only + "/deliveries").json["data"].size(),
            0u);
}

TEST_F(WebhookEndpointsTest, ReadScopeTokensMayOnlyRead) {
  const std::string id = Created()["id"];
  const std::string event_id = AppendEvent("live_stream.active");
  const std::string reader = NewAuthorization(store::TokenScope::kRead);
  const std::map<std::string, std::string> as_reader = {{"authorization", reader}};
  EXPECT_EQ(Call("GET", "/v1/webhook-endpoints", "", as_reader).status, 200);
  EXPECT_EQ(Call("GET", "/v1/webhook-endpoints/" + id, "", as_reader).status, 200);
  EXPECT_EQ(Call("GET", "/v1/webhook-endpoints/" + id + "/deliveries", "", as_reader).status, 200);
  ExpectProblem(Call("POST", "/v1/webhook-endpoints", R"({"url":"https://e.com/"})", as_reader),
                403, "forbidden");
  ExpectProblem(Call("DELETE", "/v1/webhook-endpoints/" + id, "", as_reader), 403, "forbidden");
  ExpectProblem(Call("POST", "/v1/webhook-endpoints/" + id + "/rotate-secret", "", as_reader), 403,
                "forbidden");
  ExpectProblem(Call("POST", "/v1/events/" + event_id + "/redeliver", "", as_reader), 403,
                "forbidden");
  Reply anonymous = Call("GET", "/v1/webhook-endpoints", "", {{"authorization", ""}});
  EXPECT_EQ(anonymous.status, 401);
}

TEST_F(WebhookEndpointsTest, IdempotencyKeyReplaysTheCreate) {
  const std::map<std::string, std::string> headers = {{"idempotency-key", "create-hook-1"}};
  Reply first = Call("POST", "/v1/webhook-endpoints", R"({"url":"https://e.com/"})", headers);
  Reply again = Call("POST", "/v1/webhook-endpoints", R"({"url":"https://e.com/"})", headers);
  ASSERT_EQ(first.status, 201);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.json, first.json);
  EXPECT_EQ(Call("GET", "/v1/webhook-endpoints").json["data"].size(), 1u);
}

}  // namespace
}  // namespace steadycast::api
