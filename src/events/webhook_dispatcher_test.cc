// The webhook dispatcher against a real SQLite store, a fake clock and a scripted receiver:
// retries, the circuit breaker through a long outage, ordering per object, giving up, signing
// with rotated secrets.
#include "events/webhook_dispatcher.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/webhook_signature.h"
#include "store/sqlite/sqlite_store.h"
#include "store/webhook.h"

namespace steadycast::events {
namespace {

using namespace std::chrono_literals;

struct Received {
  std::string event_id;
  std::string object_id;
  int64_t sequence = 0;
  std::string attempt;
  std::string signature;
  std::string body;
  int answer = 0;
};

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::OpenSqliteStore(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  void AddEndpoint(const std::string& id, int64_t cursor = 0) {
    store::WebhookEndpoint e;
    e.id = id;
    e.url = "http://127.0.0.1:9/" + id;
    e.events = {"*"};
    e.secret = "whsec_" + id;
    e.cursor_position = cursor;
    e.created_at_ms = e.updated_at_ms = base::ToUnixMillis(clock_.WallNow());
    ASSERT_TRUE(store_->webhook_endpoints().Create(e).ok());
  }

  void AddEvents(const std::string& object_id, int count) {
    std::vector<store::NewEvent> events;
    for (int i = 0; i < count; ++i) {
      store::NewEvent e;
      e.id = "evt_" + object_id + "_" + std::to_string(next_++);
      e.type = "live_stream.updated";
      e.object_type = "live_stream";
      e.object_id = object_id;
      e.created_at_ms = base::ToUnixMillis(clock_.WallNow());
      e.data_json = R"({"id":")" + object_id + R"("})";
      events.push_back(e);
    }
    ASSERT_TRUE(store_->events().Append(events).ok());
  }

  WebhookDispatcher Make(WebhookDispatcherOptions options = {}) {
    return WebhookDispatcher(
        *store_, clock_,
        [this](std::string_view url, const net::HttpHeaderList& headers, std::string_view body,
               std::chrono::milliseconds) {
          Received r;
          for (const auto& [name, value] : headers) {
            if (name == "Steadycast-Event-Id") r.event_id = value;
            if (name == "Steadycast-Delivery-Attempt") r.attempt = value;
            if (name == kSignatureHeaderName) r.signature = value;
          }
          r.body = std::string(body);
          const auto json = nlohmann::json::parse(body);
          r.object_id = json["object"]["id"];
          r.sequence = json["sequence"];
          r.answer = answer_(std::string(url), r);
          received_.push_back(r);
          net::OutboundHttpResult result;
          if (r.answer == 0) {
            result.error = net::OutboundError::kConnect;
          } else {
            result.status_code = r.answer;
          }
          return result;
        },
        options);
  }

  // Advances the fake clock in `step`s for `total`, running a pass after each step.
  void Run(WebhookDispatcher& d, std::chrono::milliseconds total,
           std::chrono::milliseconds step = 10s) {
    for (auto t = 0ms; t < total; t += step) {
      d.RunOnce();
      clock_.Advance(step);
    }
    d.RunOnce();
  }

  std::vector<store::WebhookDelivery> Deliveries(const std::string& endpoint) {
    auto page = store_->webhook_deliveries().List(endpoint, 1000, "");
    EXPECT_TRUE(page.ok());
    return page.ok() ? page->items : std::vector<store::WebhookDelivery>{};
  }

  int64_t NowSeconds() const { return base::ToUnixMillis(clock_.WallNow()) / 1000; }

  base::FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  std::vector<Received> received_;
  std::function<int(const std::string&, const Received&)> answer_ = [](auto&, auto&) {
    return 200;
  };
  int next_ = 0;
};

TEST(WebhookRetryDelay, ScheduleWithJitter) {
  EXPECT_EQ(WebhookRetryDelay(1, 0), 10s);
  EXPECT_EQ(WebhookRetryDelay(2, 0), 1min);
  EXPECT_EQ(WebhookRetryDelay(3, 0), 5min);
  EXPECT_EQ(WebhookRetryDelay(4, 0), 30min);
  EXPECT_EQ(WebhookRetryDelay(5, 0), 60min);
  EXPECT_EQ(WebhookRetryDelay(40, 0), 60min);
  EXPECT_EQ(WebhookRetryDelay(1, 1), 11s);
  EXPECT_EQ(WebhookRetryDelay(1, -1), 9s);
}

// 500 for the first 3 attempts, then 200: exactly one success, 4 attempts in the log, each
// after its backoff, signatures verifiable with the endpoint's secret.
TEST_F(DispatcherTest, RetriesUntilSuccess) {
  AddEndpoint("we_a");
  AddEvents("ls_1", 1);
  int calls = 0;
  answer_ = [&](auto&, auto&) { return ++calls <= 3 ? 500 : 200; };
  WebhookDispatcher d = Make();
  Run(d, 2h, 5s);
  ASSERT_EQ(received_.size(), 4u);
  EXPECT_EQ(received_[0].attempt, "1");
  EXPECT_EQ(received_[3].attempt, "4");
  for (const Received& r : received_) {
    EXPECT_TRUE(VerifySignature(r.signature, "whsec_we_a", r.body, NowSeconds(), 3h).ok())
        << r.signature;
  }
  const auto log = Deliveries("we_a");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].status, store::kDeliverySucceeded);
  EXPECT_EQ(log[0].attempts, 4);
  EXPECT_EQ(log[0].last_status_code, 200);
  EXPECT_EQ(d.Stats().succeeded, 1u);
}

// webhooks.time_scale: the same schedule, a thousand times faster (integration tests).
TEST_F(DispatcherTest, TimeScaleShrinksTheSchedule) {
  AddEndpoint("we_a");
  AddEvents("ls_1", 1);
  int calls = 0;
  answer_ = [&](auto&, auto&) { return ++calls <= 3 ? 500 : 200; };
  WebhookDispatcherOptions options;
  options.time_scale = 0.001;
  WebhookDispatcher d = Make(options);
  Run(d, 1s, 10ms);  // 10 s + 1 min + 5 min of schedule in 0.371 s
  ASSERT_EQ(received_.size(), 4u);
  EXPECT_EQ(received_.back().answer, 200);
}

// The receiver is down for 6 hours: the breaker opens after 5 failures, then only one probe
// per cool-down (no attempts burned meanwhile); when the receiver is back everything arrives,
// in order, and the breaker closes.
TEST_F(DispatcherTest, LongOutageOpensAndClosesTheBreaker) {
  AddEndpoint("we_a");
  AddEvents("ls_1", 5);
  AddEvents("ls_2", 5);
  bool up = false;
  answer_ = [&](auto&, auto&) { return up ? 200 : 0; };
  WebhookDispatcher d = Make();
  Run(d, 6h, 1min);
  const size_t attempts_while_down = received_.size();
  EXPECT_EQ(d.BreakerStates().at("we_a"), "open");
  auto endpoint = store_->webhook_endpoints().Get("we_a");
  ASSERT_TRUE(endpoint.ok());
  EXPECT_EQ(endpoint->breaker_state, store::kBreakerOpen);  // persisted
  // 5 to open + one probe per cool-down (1 min doubling up to 1 h): far fewer than 10 events
  // × the retry schedule would make.
  EXPECT_LE(attempts_while_down, 20u);
  up = true;
  Run(d, 3h, 1min);
  std::map<std::string, std::vector<int64_t>> order;
  int successes = 0;
  for (const Received& r : received_) {
    if (r.answer == 200) {
      ++successes;
      order[r.object_id].push_back(r.sequence);
    }
  }
  EXPECT_EQ(successes, 10);
  EXPECT_EQ(order["ls_1"], (std::vector<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(order["ls_2"], (std::vector<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(d.BreakerStates().at("we_a"), "closed");
  for (const auto& delivery : Deliveries("we_a")) {
    EXPECT_EQ(delivery.status, store::kDeliverySucceeded);
  }
}

// Sequence order per object under retries: while event 1 of ls_1 is being retried, events 2
// and 3 of ls_1 wait; ls_2's events are not held back.
TEST_F(DispatcherTest, OrderPerObjectUnderRetries) {
  AddEndpoint("we_a");
  AddEvents("ls_1", 3);
  AddEvents("ls_2", 2);
  int first_failures = 0;
  answer_ = [&](auto&, const Received& r) {
    if (r.object_id == "ls_1" && r.sequence == 1 && first_failures < 2) {
      ++first_failures;
      return 503;
    }
    return 200;
  };
  WebhookDispatcher d = Make();
  Run(d, 20min, 5s);
  std::vector<std::string> successes;
  for (const Received& r : received_) {
    if (r.answer == 200) successes.push_back(r.object_id + "#" + std::to_string(r.sequence));
  }
  ASSERT_EQ(successes.size(), 5u);
  // ls_2 went on at once; ls_1 strictly 1, 2, 3.
  std::vector<std::string> ls1;
  for (const auto& s : successes) {
    if (s.rfind("ls_1", 0) == 0) ls1.push_back(s);
  }
  EXPECT_EQ(ls1, (std::vector<std::string>{"ls_1#1", "ls_1#2", "ls_1#3"}));
  EXPECT_EQ(successes[0], "ls_2#1");
}

// A receiver that never accepts: after 24 h the delivery is failed (and stays visible).
TEST_F(DispatcherTest, GivesUpAfterTheRetryAge) {
  AddEndpoint("we_a");
  AddEvents("ls_1", 1);
  answer_ = [](auto&, auto&) { return 500; };
  WebhookDispatcherOptions options;
  options.breaker.failure_threshold = 1000;  // the breaker is not the subject here
  WebhookDispatcher d = Make(options);
  Run(d, 26h, 5min);
  const auto log = Deliveries("we_a");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].status, store::kDeliveryFailed);
  EXPECT_GE(log[0].attempts, 25);  // 10 s, 1 m, 5 m, 30 m, 1 h, then hourly for a day
  EXPECT_LE(log[0].attempts, 30);
  EXPECT_EQ(log[0].last_error, "HTTP 500");
  EXPECT_EQ(d.Stats().gave_up, 1u);
  // Redelivery through the API's repository call queues it again.
  auto again =
      store_->webhook_deliveries().Redeliver(log[0].event_id, base::ToUnixMillis(clock_.WallNow()));
  ASSERT_TRUE(again.ok());
  answer_ = [](auto&, auto&) { return 204; };
  d.RunOnce();
  EXPECT_EQ(received_.back().answer, 204);
}

// During a rotation overlap both secrets sign; after it only the new one.
TEST_F(DispatcherTest, RotatedSecretsSignTwiceDuringTheOverlap) {
  AddEndpoint("we_a");
  auto endpoint = store_->webhook_endpoints().Get("we_a");
  ASSERT_TRUE(endpoint.ok());
  endpoint->previous_secret = endpoint->secret;
  endpoint->secret = "whsec_new";
  endpoint->previous_secret_expires_ms = base::ToUnixMillis(clock_.WallNow()) + 3'600'000;
  ASSERT_TRUE(store_->webhook_endpoints().Update(*endpoint).ok());
  WebhookDispatcher d = Make();
  AddEvents("ls_1", 1);
  d.RunOnce();
  ASSERT_EQ(received_.size(), 1u);
  const Received first = received_[0];
  EXPECT_TRUE(VerifySignature(first.signature, "whsec_new", first.body, NowSeconds()).ok());
  EXPECT_TRUE(VerifySignature(first.signature, "whsec_we_a", first.body, NowSeconds()).ok());
  clock_.Advance(2h);
  AddEvents("ls_1", 1);
  d.RunOnce();
  ASSERT_EQ(received_.size(), 2u);
  const Received second = received_[1];
  EXPECT_TRUE(VerifySignature(second.signature, "whsec_new", second.body, NowSeconds()).ok());
  EXPECT_FALSE(VerifySignature(second.signature, "whsec_we_a", second.body, NowSeconds()).ok());
}

}  // namespace
}  // namespace steadycast::events
