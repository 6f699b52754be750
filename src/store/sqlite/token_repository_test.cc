#include "store/sqlite/token_repository.h"

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.h"

namespace steadycast::store::sqlite {
namespace {

class TokenRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store =
        OpenSqliteStore(":memory:", {.busy_timeout_ms = 1000, .token_hash_iterations = 50});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }
  TokenRepository& tokens() { return store_->tokens(); }
  std::unique_ptr<Store> store_;
};

TEST_F(TokenRepositoryTest, CreateThenVerify) {
  EXPECT_EQ(*tokens().Count(), 0);
  auto token = tokens().Create("ci", 1234);
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ(token->id.rfind("tok_", 0), 0u);
  EXPECT_EQ(token->name, "ci");
  EXPECT_EQ(token->created_at_ms, 1234);
  EXPECT_GE(token->secret.size(), 43u);  // 256 bits of base64url
  EXPECT_TRUE(tokens().Verify(token->id, token->secret).ok());
  EXPECT_EQ(*tokens().Count(), 1);
}

TEST_F(TokenRepositoryTest, WrongSecretAndUnknownIdAreUnauthenticated) {
  auto token = tokens().Create("ci", 1);
  ASSERT_TRUE(token.ok());
  std::string wrong = token->secret;
  wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
  for (const auto& [id, secret] : std::vector<std::pair<std::string, std::string>>{
           {token->id, wrong},
           {token->id, ""},
           {token->id, token->secret + "x"},
           {"tok_unknown", token->secret},
           {"", token->secret},
           {token->id, std::string(10'000, 'a')},
       }) {
    base::Status s = tokens().Verify(id, secret);
    EXPECT_EQ(s.code(), base::ErrorCode::kUnauthenticated) << id << ":" << secret.size();
    EXPECT_EQ(s.message(), "invalid access token");  // no hint which part was wrong
  }
}

TEST_F(TokenRepositoryTest, SecretIsNotStoredInClear) {
  auto token = tokens().Create("ci", 1);
  ASSERT_TRUE(token.ok());
  // Two tokens never share an id or a secret.
  auto other = tokens().Create("ci", 1);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(token->id, other->id);
  EXPECT_NE(token->secret, other->secret);
  EXPECT_FALSE(tokens().Verify(token->id, other->secret).ok());
}

TEST_F(TokenRepositoryTest, OverlongNameIsRejected) {
  EXPECT_EQ(tokens().Create(std::string(kMaxTokenNameLength + 1, 'n'), 1).status().code(),
            base::ErrorCode::kInvalidArgument);
}

TEST_F(TokenRepositoryTest, ConcurrentCreateAndVerifyFromFourThreads) {
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        auto token = tokens().Create("t", i);
        if (!token.ok() || !tokens().Verify(token->id, token->secret).ok()) ++failures;
        if (tokens().Verify(token->id, "nope").ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*tokens().Count(), 100);
}

}  // namespace
}  // namespace steadycast::store::sqlite
