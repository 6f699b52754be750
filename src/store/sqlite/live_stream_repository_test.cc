#include "store/sqlite/live_stream_repository.h"

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/random.h"
#include "store/sqlite/cursor.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/test_util.h"

namespace steadycast::store::sqlite {
namespace {

LiveStream MakeStream(int64_t created_at_ms) {
  LiveStream s;
  s.id = base::RandomId("ls");
  s.stream_key = base::RandomUrlSafe(24);
  s.playback_ids = {{base::RandomId("pb"), "public"}};
  s.created_at_ms = created_at_ms;
  s.updated_at_ms = created_at_ms;
  return s;
}

// Every test runs against a private in-memory database and a temporary file.
class LiveStreamRepositoryTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    auto store = OpenSqliteStore(GetParam() ? path_.str() : ":memory:",
                                 {.busy_timeout_ms = 5000, .token_hash_iterations = 10});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }
  LiveStreamRepository& repo() { return store_->live_streams(); }

  testing::TempDatabasePath path_;
  std::unique_ptr<Store> store_;
};

TEST_P(LiveStreamRepositoryTest, CreateGetRoundTripsEveryField) {
  LiveStream s = MakeStream(1000);
  s.status = StreamStatus::kDisabled;
  s.srt_passphrase = "0123456789abc";
  s.srt_latency_ms = 800;
  s.reconnect_window = 1800;
  s.latency_mode = "low";
  s.ladder_json = R"([{"height":720,"video_kbps":3000}])";
  s.slate = false;
  s.takeover = "newest";
  s.playback_ids.push_back({base::RandomId("pb"), "signed"});
  s.metadata_json = R"({"a":"b"})";
  s.updated_at_ms = 2000;
  ASSERT_TRUE(repo().Create(s).ok());

  auto got = repo().Get(s.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, s);
  EXPECT_EQ(*repo().GetByStreamKey(s.stream_key), s);
  EXPECT_EQ(*repo().GetByPlaybackId(s.playback_ids[1].id), s);
}

TEST_P(LiveStreamRepositoryTest, MissingRowsAreNotFound) {
  EXPECT_EQ(repo().Get("ls_nope").status().code(), base::ErrorCode::kNotFound);
  EXPECT_EQ(repo().GetByStreamKey("nope").status().code(), base::ErrorCode::kNotFound);
  EXPECT_EQ(repo().GetByPlaybackId("pb_nope").status().code(), base::ErrorCode::kNotFound);
  EXPECT_EQ(repo().Delete("ls_nope").code(), base::ErrorCode::kNotFound);
  EXPECT_EQ(repo().SetStatus("ls_nope", StreamStatus::kActive, 1).code(),
            base::ErrorCode::kNotFound);
  EXPECT_EQ(repo().Update(MakeStream(1)).code(), base::ErrorCode::kNotFound);
}

TEST_P(LiveStreamRepositoryTest, DuplicatesAreAlreadyExistsAndLeaveNothingBehind) {
  LiveStream a = MakeStream(1);
  ASSERT_TRUE(repo().Create(a).ok());

  LiveStream same_key = MakeStream(2);
  same_key.stream_key = a.stream_key;
  EXPECT_EQ(repo().Create(same_key).code(), base::ErrorCode::kAlreadyExists);

  LiveStream same_id = MakeStream(3);
  same_id.id = a.id;
  EXPECT_EQ(repo().Create(same_id).code(), base::ErrorCode::kAlreadyExists);

  // The live stream row is inserted before its playback ids: the failed transaction must not
  // leave that row behind.
  LiveStream same_playback = MakeStream(4);
  same_playback.playback_ids = a.playback_ids;
  EXPECT_EQ(repo().Create(same_playback).code(), base::ErrorCode::kAlreadyExists);
  EXPECT_EQ(repo().Get(same_playback.id).status().code(), base::ErrorCode::kNotFound);

  EXPECT_EQ(repo().List(100, "")->items.size(), 1u);
}

TEST_P(LiveStreamRepositoryTest, UpdateReplacesFieldsAndPlaybackIds) {
  LiveStream s = MakeStream(10);
  ASSERT_TRUE(repo().Create(s).ok());
  const std::string old_key = s.stream_key;
  s.stream_key = base::RandomUrlSafe(24);
  s.reconnect_window = 0;
  s.srt_passphrase = "passphrase-1";
  s.playback_ids = {{base::RandomId("pb"), "signed"}, {s.playback_ids[0].id, "signed"}};
  s.updated_at_ms = 99;
  ASSERT_TRUE(repo().Update(s).ok());
  EXPECT_EQ(*repo().Get(s.id), s);
  EXPECT_EQ(repo().GetByStreamKey(old_key).status().code(), base::ErrorCode::kNotFound);

  // Status belongs to SetStatus: an Update carrying a stale status must not undo it.
  ASSERT_TRUE(repo().SetStatus(s.id, StreamStatus::kActive, 100).ok());
  s.status = StreamStatus::kIdle;
  s.updated_at_ms = 101;
  ASSERT_TRUE(repo().Update(s).ok());
  EXPECT_EQ(repo().Get(s.id)->status, StreamStatus::kActive);
  s.status = StreamStatus::kActive;

  s.playback_ids.erase(s.playback_ids.begin());
  s.srt_passphrase.reset();
  ASSERT_TRUE(repo().Update(s).ok());
  EXPECT_EQ(*repo().Get(s.id), s);

  // A playback id that belongs to another stream cannot be taken over.
  LiveStream other = MakeStream(11);
  ASSERT_TRUE(repo().Create(other).ok());
  s.playback_ids.push_back(other.playback_ids[0]);
  EXPECT_EQ(repo().Update(s).code(), base::ErrorCode::kAlreadyExists);
  EXPECT_EQ(repo().GetByPlaybackId(other.playback_ids[0].id)->id, other.id);
  // Nor a key of another stream.
  s.playback_ids.pop_back();
  s.stream_key = other.stream_key;
  EXPECT_EQ(repo().Update(s).code(), base::ErrorCode::kAlreadyExists);
}

TEST_P(LiveStreamRepositoryTest, SetStatusAndDeleteCascadesPlaybackIds) {
  LiveStream s = MakeStream(10);
  ASSERT_TRUE(repo().Create(s).ok());
  ASSERT_TRUE(repo().SetStatus(s.id, StreamStatus::kReconnecting, 77).ok());
  auto got = repo().Get(s.id);
  EXPECT_EQ(got->status, StreamStatus::kReconnecting);
  EXPECT_EQ(got->updated_at_ms, 77);
  EXPECT_EQ(got->created_at_ms, 10);

  ASSERT_TRUE(repo().Delete(s.id).ok());
  EXPECT_EQ(repo().Get(s.id).status().code(), base::ErrorCode::kNotFound);
  EXPECT_EQ(repo().GetByPlaybackId(s.playback_ids[0].id).status().code(),
            base::ErrorCode::kNotFound);
  // The playback id is free again, which proves its row is gone.
  LiveStream reuse = MakeStream(11);
  reuse.playback_ids = s.playback_ids;
  EXPECT_TRUE(repo().Create(reuse).ok());
}

TEST_P(LiveStreamRepositoryTest, PaginatesNewestFirstWithoutDuplicatesOrGaps) {
  std::vector<LiveStream> created;
  for (int i = 0; i < 60; ++i) {
    // Pairs share a timestamp so that the id tie-breaker is exercised too.
    created.push_back(MakeStream(1000 + i / 2));
    ASSERT_TRUE(repo().Create(created.back()).ok());
  }
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  while (true) {
    auto page = repo().List(25, cursor);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    ++pages;
    for (const LiveStream& s : page->items) {
      seen.push_back(s.id);
      EXPECT_EQ(s.playback_ids.size(), 1u);
    }
    if (!page->next_cursor) break;
    cursor = *page->next_cursor;
    // A row inserted after the first page (newer than everything) must not shift later pages.
    if (pages == 1) {
      ASSERT_TRUE(repo().Create(MakeStream(5000)).ok());
    }
  }
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seen.size(), 60u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 60u);
  std::sort(created.begin(), created.end(), [](const LiveStream& a, const LiveStream& b) {
    return a.created_at_ms != b.created_at_ms ? a.created_at_ms > b.created_at_ms : a.id > b.id;
  });
  for (size_t i = 0; i < created.size(); ++i) EXPECT_EQ(seen[i], created[i].id) << i;
}

TEST_P(LiveStreamRepositoryTest, ExactPageSizeEndsWithNullCursor) {
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(repo().Create(MakeStream(i)).ok());
  auto page = repo().List(25, "");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 25u);
  EXPECT_FALSE(page->next_cursor.has_value());
  auto empty = repo().List(25, "");
  EXPECT_TRUE(repo().List(1, EncodeCursor({0, "a"}))->items.empty());
}

TEST_P(LiveStreamRepositoryTest, BadCursorAndLimitAreInvalidArgument) {
  EXPECT_EQ(repo().List(25, "%%%").status().code(), base::ErrorCode::kInvalidArgument);
  EXPECT_EQ(repo().List(25, "Zg==").status().code(), base::ErrorCode::kInvalidArgument);
  EXPECT_EQ(repo().List(0, "").status().code(), base::ErrorCode::kInvalidArgument);
  EXPECT_EQ(repo().List(kMaxListLimit + 1, "").status().code(), base::ErrorCode::kInvalidArgument);
}

TEST_P(LiveStreamRepositoryTest, ConcurrentAccessFromFourThreads) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 40;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        LiveStream s = MakeStream(t * 1000 + i);
        if (!repo().Create(s).ok()) ++failures;
        if (!repo().SetStatus(s.id, StreamStatus::kActive, 1).ok()) ++failures;
        auto got = repo().GetByStreamKey(s.stream_key);
        if (!got.ok() || got->status != StreamStatus::kActive) ++failures;
        if (!repo().List(10, "").ok()) ++failures;
        if (!store_->Ping().ok()) ++failures;
        if (i % 2 == 0 && !repo().Delete(s.id).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(repo().List(kMaxListLimit, "")->items.size(), size_t{kThreads * kPerThread / 2});
}

INSTANTIATE_TEST_SUITE_P(MemoryAndFile, LiveStreamRepositoryTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "File" : "Memory"; });

TEST(SqliteStoreFileTest, DataPersistsAcrossReopen) {
  testing::TempDatabasePath path;
  LiveStream s = MakeStream(42);
  std::string token_id, secret;
  {
    auto store = OpenSqliteStore(path.str());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->live_streams().Create(s).ok());
    auto token = (*store)->tokens().Create("admin", 1);
    ASSERT_TRUE(token.ok());
    token_id = token->id;
    secret = token->secret;
  }
  for (int reopen = 0; reopen < 2; ++reopen) {  // migrations are idempotent across reopens
    auto store = OpenSqliteStore(path.str());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ(*(*store)->live_streams().Get(s.id), s);
    EXPECT_TRUE((*store)->tokens().Verify(token_id, secret).ok());
    EXPECT_EQ(*(*store)->tokens().Count(), 1);
  }
}

TEST(SqliteStoreFileTest, TokenSecretIsStoredOnlyAsASaltedHash) {
  testing::TempDatabasePath path;
  std::string secret;
  {
    auto store = OpenSqliteStore(path.str());
    ASSERT_TRUE(store.ok());
    auto token = (*store)->tokens().Create("admin", 1);
    ASSERT_TRUE(token.ok());
    secret = token->secret;
  }
  auto c = Connection::Open(path.str(), 1000);
  ASSERT_TRUE(c.ok());
  auto row = (*c)->Prepare("SELECT secret_hash FROM access_tokens");
  ASSERT_TRUE(row.ok());
  ASSERT_TRUE(*row->Step());
  const std::string hash = row->Text(0);
  EXPECT_EQ(hash.find(secret), std::string::npos);
  EXPECT_EQ(hash.rfind("pbkdf2-sha256$", 0), 0u) << hash;
}

TEST(SqliteStoreFileTest, TwoStoresOnOneFileSeeEachOther) {
  testing::TempDatabasePath path;
  auto a = OpenSqliteStore(path.str());
  auto b = OpenSqliteStore(path.str());
  ASSERT_TRUE(a.ok() && b.ok());
  LiveStream s = MakeStream(1);
  ASSERT_TRUE((*a)->live_streams().Create(s).ok());
  EXPECT_EQ(*(*b)->live_streams().Get(s.id), s);
}

TEST(SqliteStoreFileTest, UnopenablePathIsAnError) {
  auto store = OpenSqliteStore("/nonexistent-dir/steadycast/x.db");
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("sqlite store"), std::string::npos);
}

}  // namespace
}  // namespace steadycast::store::sqlite
