// Webhook endpoints and deliveries on real SQLite (migration 4): CRUD and pagination, enqueue
// from the outbox by filter (idempotent through the cursor), due ordering, the per-object
// ordering lookup, redeliver, delete cascading to deliveries, and a v3 → v4 upgrade.

#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/random.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/test_util.h"
#include "store/sqlite/webhook_endpoint_repository.h"

namespace steadycast::store::sqlite {
namespace {

NewEvent Event(const std::string& type, const std::string& object_id, int64_t at_ms = 1000) {
  return NewEvent{.id = base::RandomId("evt"),
                  .type = type,
                  .object_type = "live_stream",
                  .object_id = object_id,
                  .created_at_ms = at_ms,
                  .data_json = "{}"};
}

WebhookEndpoint MakeEndpoint(std::vector<std::string> events, int64_t created_at_ms = 1000) {
  WebhookEndpoint e;
  e.id = base::RandomId("we");
  e.url = "https://example.com/hook";
  e.events = std::move(events);
  e.secret = "whsec_" + base::RandomUrlSafe(24);
  e.created_at_ms = e.updated_at_ms = created_at_ms;
  return e;
}

class WebhookRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store =
        OpenSqliteStore(path_.str(), {.busy_timeout_ms = 5000, .token_hash_iterations = 10});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }
  WebhookEndpointRepository& endpoints() { return store_->webhook_endpoints(); }
  WebhookDeliveryRepository& deliveries() { return store_->webhook_deliveries(); }
  void Append(const std::vector<NewEvent>& events) {
    ASSERT_TRUE(store_->events().Append(events).ok());
  }
  WebhookEndpoint Created(std::vector<std::string> events, int64_t created_at_ms = 1000) {
    WebhookEndpoint e = MakeEndpoint(std::move(events), created_at_ms);
    EXPECT_TRUE(endpoints().Create(e).ok());
    return e;
  }
  std::vector<WebhookDelivery> Log(const std::string& endpoint_id) {
    auto page = deliveries().List(endpoint_id, 1000, "");
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? page->items : std::vector<WebhookDelivery>{};
  }

  testing::TempDatabasePath path_;
  std::unique_ptr<Store> store_;
};

TEST_F(WebhookRepositoryTest, CreateGetUpdateRoundTripEveryField) {
  WebhookEndpoint e = MakeEndpoint({"live_stream.active", "live_stream.idle"});
  ASSERT_TRUE(endpoints().Create(e).ok());
  auto got = endpoints().Get(e.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, e);

  e.url = "http://10.0.0.1:8080/x";
  e.events = {"*"};
  e.previous_secret = e.secret;
  e.previous_secret_expires_ms = 99'000;
  e.secret = "whsec_new";
  e.updated_at_ms = 2000;
  e.breaker_state = "half_open";
  e.consecutive_failures = 5;
  e.breaker_open_until_ms = 12'345;
  e.cursor_position = 42;
  ASSERT_TRUE(endpoints().Update(e).ok());
  EXPECT_EQ(*endpoints().Get(e.id), e);

  EXPECT_EQ(endpoints().Create(e).code(), base::ErrorCode::kAlreadyExists);
  EXPECT_EQ(endpoints().Get("we_nope").status().code(), base::ErrorCode::kNotFound);
  WebhookEndpoint unknown = MakeEndpoint({"*"});
  EXPECT_EQ(endpoints().Update(unknown).code(), base::ErrorCode::kNotFound);
  e.breaker_state = "broken";  // the CHECK constraint
  EXPECT_FALSE(endpoints().Update(e).ok());
}

TEST_F(WebhookRepositoryTest, RotateAndBreakerWritesTouchOnlyTheirColumns) {
  WebhookEndpoint e = Created({"*"});
  Append({Event("live_stream.active", "ls_a")});
  ASSERT_EQ(*deliveries().EnqueueFromOutbox(e.id, 10, 1), 1);  // moves the cursor
  auto rotated = endpoints().RotateSecret(e.id, "whsec_two", 90'000, 5000);
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_EQ(rotated->secret, "whsec_two");
  EXPECT_EQ(rotated->previous_secret, e.secret);
  EXPECT_EQ(rotated->previous_secret_expires_ms, 90'000);
  EXPECT_EQ(rotated->updated_at_ms, 5000);
  EXPECT_GT(rotated->cursor_position, 0);  // not reset by the rotation
  ASSERT_TRUE(endpoints().SetBreakerState(e.id, "open", 5, 70'000).ok());
  auto now = endpoints().Get(e.id);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->breaker_state, "open");
  EXPECT_EQ(now->consecutive_failures, 5);
  EXPECT_EQ(now->breaker_open_until_ms, 70'000);
  EXPECT_EQ(now->secret, "whsec_two");  // the breaker write kept the rotation
  EXPECT_EQ(now->cursor_position, rotated->cursor_position);
  EXPECT_EQ(endpoints().RotateSecret("we_nope", "x", 1, 1).status().code(),
            base::ErrorCode::kNotFound);
  EXPECT_EQ(endpoints().SetBreakerState("we_nope", "open", 1, 1).code(),
            base::ErrorCode::kNotFound);
  EXPECT_FALSE(endpoints().SetBreakerState(e.id, "melted", 1, 1).ok());  // CHECK constraint
}

TEST_F(WebhookRepositoryTest, FilterMustBeNonEmptyWithoutCommas) {
  EXPECT_EQ(endpoints().Create(MakeEndpoint({})).code(), base::ErrorCode::kInvalidArgument);
  EXPECT_EQ(endpoints().Create(MakeEndpoint({"a,b"})).code(), base::ErrorCode::kInvalidArgument);
  EXPECT_EQ(endpoints().Create(MakeEndpoint({""})).code(), base::ErrorCode::kInvalidArgument);
  EXPECT_EQ(SplitEventFilter("a,b,c"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(*JoinEventFilter({"*"}), "*");
}

TEST_F(WebhookRepositoryTest, ListIsNewestFirstAndPaginates) {
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) ids.push_back(Created({"*"}, 1000 + i).id);
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page = endpoints().List(3, cursor);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const auto& e : page->items) seen.push_back(e.id);
    cursor = page->next_cursor.value_or("");
    ++pages;
  } while (!cursor.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, std::vector<std::string>(ids.rbegin(), ids.rend()));
  EXPECT_EQ(endpoints().List(3, "garbage!").status().code(), base::ErrorCode::kInvalidArgument);
  EXPECT_EQ(endpoints().List(0, "").status().code(), base::ErrorCode::kInvalidArgument);
}

TEST_F(WebhookRepositoryTest, EnqueueMatchesFiltersAndIsIdempotent) {
  WebhookEndpoint all = Created({"*"});
  WebhookEndpoint active_only = Created({"live_stream.active"});
  Append({Event("live_stream.created", "ls_a"), Event("live_stream.active", "ls_a"),
          Event("live_stream.idle", "ls_a"), Event("live_stream.active", "ls_b")});

  EXPECT_EQ(*deliveries().EnqueueFromOutbox(all.id, 100, 5000), 4);
  EXPECT_EQ(*deliveries().EnqueueFromOutbox(active_only.id, 100, 5000), 2);
  // Again: the cursor moved past those events, nothing new.
  EXPECT_EQ(*deliveries().EnqueueFromOutbox(all.id, 100, 6000), 0);
  EXPECT_EQ(*deliveries().EnqueueFromOutbox(active_only.id, 100, 6000), 0);
  EXPECT_EQ(Log(all.id).size(), 4u);
  const auto active = Log(active_only.id);
  ASSERT_EQ(active.size(), 2u);
  for (const WebhookDelivery& d : active) {
    EXPECT_EQ(d.status, "pending");
    EXPECT_EQ(d.attempts, 0);
    EXPECT_EQ(d.next_attempt_at_ms, 5000);
    EXPECT_EQ(d.created_at_ms, 5000);
    EXPECT_EQ(d.object_type, "live_stream");
    EXPECT_EQ(d.sequence, d.object_id == "ls_a" ? 2 : 1);
    EXPECT_EQ(d.id.rfind("whd_", 0), 0u);
  }
  // The cursor advanced past the unmatched events too.
  auto events = store_->events().List({.after_position = 0, .limit = 100});
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(endpoints().Get(active_only.id)->cursor_position, events->back().position);

  // A later event is picked up; `limit` bounds the events scanned per call.
  Append({Event("live_stream.idle", "ls_b"), Event("live_stream.active", "ls_c")});
  EXPECT_EQ(*deliveries().EnqueueFromOutbox(active_only.id, 1, 7000), 0);  // only the idle
  EXPECT_EQ(*deliveries().EnqueueFromOutbox(active_only.id, 1, 7000), 1);
  EXPECT_EQ(*deliveries().EnqueueFromOutbox(active_only.id, 1, 7000), 0);
  EXPECT_EQ(deliveries().EnqueueFromOutbox("we_nope", 10, 0).status().code(),
            base::ErrorCode::kNotFound);
  EXPECT_EQ(deliveries().EnqueueFromOutbox(all.id, 0, 0).status().code(),
            base::ErrorCode::kInvalidArgument);
}

TEST_F(WebhookRepositoryTest, NewEndpointStartsAtTheEndOfTheOutbox) {
  Append({Event("live_stream.created", "ls_a"), Event("live_stream.active", "ls_a")});
  WebhookEndpoint e = MakeEndpoint({"*"});
  e.cursor_position = kCursorAtOutboxEnd;
  ASSERT_TRUE(endpoints().Create(e).ok());
  EXPECT_GT(endpoints().Get(e.id)->cursor_position, 0);
  EXPECT_EQ(*deliveries().EnqueueFromOutbox(e.id, 100, 1), 0);
  Append({Event("live_stream.idle", "ls_a")});
  EXPECT_EQ(*deliveries().EnqueueFromOutbox(e.id, 100, 1), 1);
}

TEST_F(WebhookRepositoryTest, DueIsOrderedByEndpointObjectSequenceAndSkipsFuture) {
  WebhookEndpoint a = Created({"*"});
  WebhookEndpoint b = Created({"*"});
  Append({Event("live_stream.created", "ls_2"), Event("live_stream.created", "ls_1"),
          Event("live_stream.active", "ls_2"), Event("live_stream.active", "ls_1")});
  ASSERT_EQ(*deliveries().EnqueueFromOutbox(b.id, 100, 1000), 4);
  ASSERT_EQ(*deliveries().EnqueueFromOutbox(a.id, 100, 1000), 4);

  auto due = deliveries().Due(1000, 100);
  ASSERT_TRUE(due.ok()) << due.status().ToString();
  ASSERT_EQ(due->size(), 8u);
  for (size_t i = 1; i < due->size(); ++i) {
    const auto& p = (*due)[i - 1];
    const auto& q = (*due)[i];
    EXPECT_LE(std::tie(p.endpoint_id, p.object_type, p.object_id, p.sequence),
              std::tie(q.endpoint_id, q.object_type, q.object_id, q.sequence));
  }
  EXPECT_EQ(deliveries().Due(999, 100)->size(), 0u);  // not yet due
  EXPECT_EQ(deliveries().Due(1000, 3)->size(), 3u);

  // A retry later, a success: neither is due now; the succeeded one never again.
  WebhookDelivery retry = (*due)[0];
  retry.attempts = 1;
  retry.last_status_code = 500;
  retry.last_error = "HTTP 500";
  retry.next_attempt_at_ms = 60'000;
  retry.updated_at_ms = 1001;
  ASSERT_TRUE(deliveries().Update(retry).ok());
  EXPECT_EQ(*deliveries().Get(retry.id), retry);
  WebhookDelivery done = (*due)[2];
  done.status = "succeeded";
  done.attempts = 1;
  done.last_status_code = 200;
  done.succeeded_at_ms = done.updated_at_ms = 1002;
  ASSERT_TRUE(deliveries().Update(done).ok());
  EXPECT_EQ(deliveries().Due(1000, 100)->size(), 6u);
  EXPECT_EQ(deliveries().Due(60'000, 100)->size(), 7u);
  WebhookDelivery unknown = retry;
  unknown.id = "whd_nope";
  EXPECT_EQ(deliveries().Update(unknown).code(), base::ErrorCode::kNotFound);
}

TEST_F(WebhookRepositoryTest, OldestPendingForGivesTheLowestPendingSequence) {
  WebhookEndpoint e = Created({"*"});
  Append({Event("live_stream.created", "ls_a"), Event("live_stream.active", "ls_a"),
          Event("live_stream.created", "ls_b")});
  ASSERT_EQ(*deliveries().EnqueueFromOutbox(e.id, 100, 1000), 3);
  auto oldest = deliveries().OldestPendingFor(e.id, "live_stream", "ls_a");
  ASSERT_TRUE(oldest.ok());
  ASSERT_TRUE(oldest->has_value());
  EXPECT_EQ((*oldest)->sequence, 1);
  WebhookDelivery first = **oldest;
  first.status = "succeeded";
  ASSERT_TRUE(deliveries().Update(first).ok());
  EXPECT_EQ((*deliveries().OldestPendingFor(e.id, "live_stream", "ls_a"))->sequence, 2);
  EXPECT_FALSE(deliveries().OldestPendingFor(e.id, "live_stream", "ls_z")->has_value());
}

TEST_F(WebhookRepositoryTest, RedeliverCreatesOnePendingPerMatchingEndpoint) {
  WebhookEndpoint all = Created({"*"});
  WebhookEndpoint active_only = Created({"live_stream.active"});
  WebhookEndpoint idle_only = Created({"live_stream.idle"});
  const NewEvent active = Event("live_stream.active", "ls_a");
  Append({active});
  auto created = deliveries().Redeliver(active.id, 9000);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  ASSERT_EQ(created->size(), 2u);
  std::set<std::string> endpoints_hit;
  for (const WebhookDelivery& d : *created) {
    endpoints_hit.insert(d.endpoint_id);
    EXPECT_EQ(d.event_id, active.id);
    EXPECT_EQ(d.status, "pending");
    EXPECT_EQ(d.next_attempt_at_ms, 9000);
    EXPECT_EQ(*deliveries().Get(d.id), d);
  }
  EXPECT_EQ(endpoints_hit, (std::set<std::string>{all.id, active_only.id}));
  EXPECT_TRUE(Log(idle_only.id).empty());
  // Twice → a second delivery each (a redelivery is a new attempt series).
  EXPECT_EQ(deliveries().Redeliver(active.id, 9001)->size(), 2u);
  EXPECT_EQ(Log(all.id).size(), 2u);
  EXPECT_EQ(deliveries().Redeliver("evt_nope", 1).status().code(), base::ErrorCode::kNotFound);
}

TEST_F(WebhookRepositoryTest, DeliveryLogIsNewestFirstAndPaginates) {
  WebhookEndpoint e = Created({"*"});
  const NewEvent event = Event("live_stream.active", "ls_a");
  Append({event});
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(deliveries().Redeliver(event.id, 100 + i).ok());
  auto first = deliveries().List(e.id, 2, "");
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[0].created_at_ms, 104);
  ASSERT_TRUE(first->next_cursor.has_value());
  auto second = deliveries().List(e.id, 10, *first->next_cursor);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->items.size(), 3u);
  EXPECT_EQ(second->items[0].created_at_ms, 102);
  EXPECT_FALSE(second->next_cursor.has_value());
  EXPECT_TRUE(deliveries().List("we_other", 10, "")->items.empty());
}

TEST_F(WebhookRepositoryTest, DeleteCascadesToDeliveries) {
  WebhookEndpoint gone = Created({"*"});
  WebhookEndpoint kept = Created({"*"});
  Append({Event("live_stream.active", "ls_a")});
  ASSERT_EQ(*deliveries().EnqueueFromOutbox(gone.id, 10, 1), 1);
  ASSERT_EQ(*deliveries().EnqueueFromOutbox(kept.id, 10, 1), 1);
  const std::string gone_delivery = Log(gone.id)[0].id;
  ASSERT_TRUE(endpoints().Delete(gone.id).ok());
  EXPECT_EQ(endpoints().Get(gone.id).status().code(), base::ErrorCode::kNotFound);
  EXPECT_EQ(deliveries().Get(gone_delivery).status().code(), base::ErrorCode::kNotFound);
  EXPECT_EQ(deliveries().Due(10, 100)->size(), 1u);
  EXPECT_EQ(endpoints().Delete(gone.id).code(), base::ErrorCode::kNotFound);
}

TEST_F(WebhookRepositoryTest, StateSurvivesReopening) {
  WebhookEndpoint e = Created({"*"});
  Append({Event("live_stream.active", "ls_a")});
  ASSERT_EQ(*deliveries().EnqueueFromOutbox(e.id, 10, 1), 1);
  store_.reset();
  auto reopened = OpenSqliteStore(path_.str());
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(*(*reopened)->webhook_deliveries().EnqueueFromOutbox(e.id, 10, 2), 0);
  EXPECT_EQ((*reopened)->webhook_deliveries().Due(10, 10)->size(), 1u);
}

TEST(WebhookMigrationTest, UpgradesAVersion3DatabaseKeepingItsEvents) {
  testing::TempDatabasePath path;
  {
    auto c = Connection::Open(path.str(), 1000);
    ASSERT_TRUE(c.ok());
    const auto all = SchemaMigrations();
    ASSERT_GE(all.size(), 4u);
    ASSERT_TRUE(ApplyMigrations(**c, all.first(3)).ok());
    EXPECT_EQ(*SchemaVersion(**c), 3);
    ASSERT_TRUE((*c)->Exec("INSERT INTO events (id, type, object_type, object_id, sequence, "
                           "created_at_ms, data_json) VALUES ('evt_old', 'live_stream.active', "
                           "'live_stream', 'ls_a', 1, 1, '{}')")
                    .ok());
  }
  auto store = OpenSqliteStore(path.str());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  {
    auto c = Connection::Open(path.str(), 1000);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(*SchemaVersion(**c), 4);
  }
  WebhookEndpoint e = MakeEndpoint({"*"});  // cursor 0: the whole outbox
  ASSERT_TRUE((*store)->webhook_endpoints().Create(e).ok());
  EXPECT_EQ(*(*store)->webhook_deliveries().EnqueueFromOutbox(e.id, 10, 5), 1);
  auto redelivered = (*store)->webhook_deliveries().Redeliver("evt_old", 6);
  ASSERT_TRUE(redelivered.ok());
  EXPECT_EQ(redelivered->size(), 1u);
}

}  // namespace
}  // namespace steadycast::store::sqlite
