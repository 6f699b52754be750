// The outbox: events commit with the state change they describe (or not at all), get a
// per-object sequence, and list in order with filters. Also idempotency records and token
// scopes (migration 3).
#include "store/sqlite/event_repository.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/random.h"
#include "store/sqlite/sqlite_store.h"

namespace steadycast::store::sqlite {
namespace {

NewEvent Event(const std::string& type, const std::string& object_id) {
  return NewEvent{.id = base::RandomId("evt"),
                  .type = type,
                  .object_type = "live_stream",
                  .object_id = object_id,
                  .created_at_ms = 1000,
                  .data_json = R"({"id":")" + object_id + R"("})"};
}

LiveStream MakeStream() {
  LiveStream s;
  s.id = base::RandomId("ls");
  s.stream_key = base::RandomUrlSafe(24);
  s.playback_ids = {{base::RandomId("pb"), "public"}};
  s.created_at_ms = s.updated_at_ms = 1000;
  return s;
}

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store =
        OpenSqliteStore(":memory:", {.busy_timeout_ms = 5000, .token_hash_iterations = 10});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }
  std::vector<StoredEvent> All(const std::string& object_id = "") {
    auto events =
        store_->events().List({.after_position = 0, .limit = 1000, .object_id = object_id});
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    return events.ok() ? *events : std::vector<StoredEvent>{};
  }
  std::unique_ptr<Store> store_;
};

TEST_F(OutboxTest, CreateMutateDeleteWriteEventsWithPerObjectSequence) {
  LiveStream a = MakeStream();
  LiveStream b = MakeStream();
  ASSERT_TRUE(
      store_->live_streams().CreateWithEvents(a, {Event("live_stream.created", a.id)}).ok());
  ASSERT_TRUE(
      store_->live_streams().CreateWithEvents(b, {Event("live_stream.created", b.id)}).ok());
  auto mutated = store_->live_streams().Mutate(
      a.id, [&](LiveStream& s) -> base::Result<std::vector<NewEvent>> {
        s.status = StreamStatus::kActive;
        s.reconnect_window = 7;
        return std::vector<NewEvent>{Event("live_stream.connected", a.id),
                                     Event("live_stream.active", a.id)};
      });
  ASSERT_TRUE(mutated.ok()) << mutated.status().ToString();
  EXPECT_EQ(mutated->status, StreamStatus::kActive);
  auto reloaded = store_->live_streams().Get(a.id);
  ASSERT_TRUE(reloaded.ok());
  EXPECT_EQ(reloaded->status, StreamStatus::kActive);
  EXPECT_EQ(reloaded->reconnect_window, 7);

  auto deleted = store_->live_streams().DeleteWithEvents(a.id, [&](const LiveStream& before) {
    EXPECT_EQ(before.status, StreamStatus::kActive);
    return std::vector<NewEvent>{Event("live_stream.deleted", a.id)};
  });
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(store_->live_streams().Get(a.id).status().code(), base::ErrorCode::kNotFound);

  const auto events = All(a.id);
  ASSERT_EQ(events.size(), 4u);
  const char* types[] = {"live_stream.created", "live_stream.connected", "live_stream.active",
                         "live_stream.deleted"};
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].type, types[i]);
    EXPECT_EQ(events[i].sequence, static_cast<int64_t>(i + 1));
    if (i > 0) {
      EXPECT_GT(events[i].position, events[i - 1].position);
    }
  }
  const auto other = All(b.id);
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0].sequence, 1);
  EXPECT_EQ(All().size(), 5u);
  auto by_type = store_->events().List({.limit = 10, .type = "live_stream.created"});
  ASSERT_TRUE(by_type.ok());
  EXPECT_EQ(by_type->size(), 2u);
  auto after = store_->events().List({.after_position = events[1].position, .limit = 2});
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 2u);
  EXPECT_EQ((*after)[0].position, events[2].position);
  auto one = store_->events().Get(events[3].id);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->type, "live_stream.deleted");
  EXPECT_EQ(one->data_json, events[3].data_json);
}

TEST_F(OutboxTest, FailedMutationWritesNeitherStateNorEvents) {
  LiveStream a = MakeStream();
  ASSERT_TRUE(store_->live_streams().Create(a).ok());
  auto failed =
      store_->live_streams().Mutate(a.id, [](LiveStream& s) -> base::Result<std::vector<NewEvent>> {
        s.status = StreamStatus::kDisabled;
        return base::FailedPrecondition("no");
      });
  EXPECT_EQ(failed.status().code(), base::ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store_->live_streams().Get(a.id)->status, StreamStatus::kIdle);
  // A duplicate event id rolls the status change back too.
  const NewEvent dup = Event("live_stream.updated", a.id);
  ASSERT_TRUE(store_->events().Append({dup}).ok());
  auto rolled_back = store_->live_streams().Mutate(
      a.id, [&](LiveStream& s) -> base::Result<std::vector<NewEvent>> {
        s.status = StreamStatus::kDisabled;
        return std::vector<NewEvent>{dup};
      });
  EXPECT_FALSE(rolled_back.ok());
  EXPECT_EQ(store_->live_streams().Get(a.id)->status, StreamStatus::kIdle);
  EXPECT_EQ(All().size(), 1u);
  EXPECT_EQ(store_->live_streams().Mutate("ls_missing", nullptr).status().code(),
            base::ErrorCode::kNotFound);
}

TEST_F(OutboxTest, ListByStatusFindsLiveStreams) {
  LiveStream a = MakeStream(), b = MakeStream(), c = MakeStream();
  a.status = StreamStatus::kActive;
  b.status = StreamStatus::kReconnecting;
  for (auto* s : {&a, &b, &c}) ASSERT_TRUE(store_->live_streams().Create(*s).ok());
  auto live =
      store_->live_streams().ListByStatus({StreamStatus::kActive, StreamStatus::kReconnecting});
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live->size(), 2u);
  EXPECT_EQ((*live)[0].id, a.id);
  EXPECT_EQ((*live)[1].id, b.id);
  EXPECT_EQ((*live)[1].playback_ids, b.playback_ids);
}

TEST_F(OutboxTest, IdempotencyRecordsExpireAndReplace) {
  IdempotencyRecord r{.token_id = "tok_a",
                      .key = "k1",
                      .request_hash = "h",
                      .status = 201,
                      .content_type = "application/json",
                      .location = "/v1/x",
                      .body = "{}",
                      .created_at_ms = 5000};
  ASSERT_TRUE(store_->idempotency().Save(r).ok());
  auto found = store_->idempotency().Find("tok_a", "k1", 4000);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, r);
  EXPECT_FALSE(store_->idempotency().Find("tok_a", "k1", 6000)->has_value());  // too old
  EXPECT_FALSE(store_->idempotency().Find("tok_b", "k1", 0)->has_value());     // other token
  auto purged = store_->idempotency().Purge(6000);
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1);
  EXPECT_FALSE(store_->idempotency().Find("tok_a", "k1", 0)->has_value());
}

TEST_F(OutboxTest, TokenScopeRoundTrips) {
  auto read = store_->tokens().Create("ro", TokenScope::kRead, 1);
  ASSERT_TRUE(read.ok());
  auto admin = store_->tokens().Create("rw", 1);
  ASSERT_TRUE(admin.ok());
  auto a = store_->tokens().Authenticate(read->id, read->secret);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->scope, TokenScope::kRead);
  EXPECT_EQ(a->name, "ro");
  EXPECT_TRUE(a->secret.empty());
  EXPECT_EQ(store_->tokens().Authenticate(admin->id, admin->secret)->scope, TokenScope::kAdmin);
  EXPECT_EQ(store_->tokens().Authenticate(read->id, "wrong").status().code(),
            base::ErrorCode::kUnauthenticated);
}

}  // namespace
}  // namespace steadycast::store::sqlite
