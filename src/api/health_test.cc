#include "api/health.h"

#include <gtest/gtest.h>

#include "api/api_test_util.h"

namespace steadycast::api {
namespace {

using HealthTest = testing::ApiTest;

TEST_F(HealthTest, HealthzNeedsNoAuth) {
  testing::Reply r = Call("GET", "/healthz", "", {{"authorization", ""}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json, (nlohmann::json{{"status", "ok"}}));
  EXPECT_EQ(r.Header("content-type"), "application/json");
}

TEST_F(HealthTest, ReadyzFollowsListenersAndStore) {
  testing::Reply r = Call("GET", "/readyz", "", {{"authorization", ""}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["status"], "ready");

  listeners_ready_ = false;
  r = Call("GET", "/readyz", "", {{"authorization", ""}});
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.json["status"], "unavailable");
  EXPECT_EQ(r.json["checks"]["listeners"], "not ready");
  EXPECT_EQ(r.json["checks"]["store"], "ok");
}

// A store whose Ping fails; everything else is unused by /readyz.
class BrokenStore final : public store::Store {
 public:
  explicit BrokenStore(store::Store& inner) : inner_(inner) {}
  store::LiveStreamRepository& live_streams() override { return inner_.live_streams(); }
  store::TokenRepository& tokens() override { return inner_.tokens(); }
  store::EventRepository& events() override { return inner_.events(); }
  store::IdempotencyRepository& idempotency() override { return inner_.idempotency(); }
  store::WebhookEndpointRepository& webhook_endpoints() override {
    return inner_.webhook_endpoints();
  }
  store::WebhookDeliveryRepository& webhook_deliveries() override {
    return inner_.webhook_deliveries();
  }
  base::Status Ping() override { return base::Unavailable("disk on fire"); }

 private:
  store::Store& inner_;
};

TEST_F(HealthTest, ReadyzIs503WhenTheStoreFails) {
  BrokenStore broken(*store_);
  ApiContext ctx{.store = broken, .clock = clock_, .sessions = *sessions_};
  net::HttpRouter router;
  RegisterApiRoutes(router, ctx);
  net::HttpRequest request;
  request.method = "GET";
  request.path = "/readyz";
  int status = 0;
  nlohmann::json body;
  router.Dispatch(request, [&](net::HttpResponse r) {
    status = r.status;
    body = nlohmann::json::parse(r.body.AsStringView());
  });
  EXPECT_EQ(status, 503);
  EXPECT_EQ(body["checks"]["store"], "failing");
  EXPECT_EQ(body["checks"]["listeners"], "ok");  // no callback: counted as ready
}

}  // namespace
}  // namespace steadycast::api
