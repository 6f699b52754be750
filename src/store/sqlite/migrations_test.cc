#include "store/sqlite/migrations.h"

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/test_util.h"

namespace steadycast::store::sqlite {
namespace {

std::unique_ptr<Connection> OpenMemory() {
  auto c = Connection::Open(":memory:", 1000);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return std::move(*c);
}

TEST(MigrationsTest, VersionsAreContiguousFromOne) {
  int expected = 1;
  for (const Migration& m : SchemaMigrations()) EXPECT_EQ(m.version, expected++);
}

TEST(MigrationsTest, AppliesAllAndIsIdempotent) {
  auto c = OpenMemory();
  ASSERT_TRUE(ApplyMigrations(*c, SchemaMigrations()).ok());
  EXPECT_EQ(*SchemaVersion(*c), SchemaMigrations().back().version);
  ASSERT_TRUE(ApplyMigrations(*c, SchemaMigrations()).ok());
  auto count = c->Prepare("SELECT COUNT(*) FROM schema_migrations");
  ASSERT_TRUE(count.ok());
  ASSERT_TRUE(*count->Step());
  EXPECT_EQ(count->Int(0), static_cast<int64_t>(SchemaMigrations().size()));
}

TEST(MigrationsTest, FailingMigrationRollsBackAndKeepsEarlierOnes) {
  const Migration migrations[] = {
      {1, "CREATE TABLE a (x INTEGER)"},
      {2, "CREATE TABLE b (x INTEGER); THIS IS NOT SQL"},
  };
  auto c = OpenMemory();
  base::Status status = ApplyMigrations(*c, migrations);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("migration 2"), std::string::npos) << status.message();
  EXPECT_EQ(*SchemaVersion(*c), 1);
  EXPECT_TRUE(c->Exec("SELECT * FROM a").ok());
  EXPECT_FALSE(c->Exec("SELECT * FROM b").ok());  // table b rolled back with its migration
}

TEST(MigrationsTest, LaterMigrationsApplyOnTopOfEarlierOnes) {
  const Migration v1[] = {{1, "CREATE TABLE a (x INTEGER)"}};
  const Migration v2[] = {{1, "CREATE TABLE a (x INTEGER)"}, {2, "ALTER TABLE a ADD COLUMN y"}};
  auto c = OpenMemory();
  ASSERT_TRUE(ApplyMigrations(*c, v1).ok());
  ASSERT_TRUE(ApplyMigrations(*c, v2).ok());
  EXPECT_EQ(*SchemaVersion(*c), 2);
  EXPECT_TRUE(c->Exec("SELECT y FROM a").ok());
}

TEST(MigrationsTest, DatabaseNewerThanBinaryIsAClearError) {
  testing::TempDatabasePath path;
  {
    auto store = OpenSqliteStore(path.str());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
  }
  {
    auto c = Connection::Open(path.str(), 1000);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE((*c)->Exec("INSERT INTO schema_migrations (version) VALUES (999)").ok());
  }
  auto store = OpenSqliteStore(path.str());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), base::ErrorCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("newer than this binary"), std::string::npos)
      << store.status().message();
}

TEST(MigrationsTest, OpeningAFileThatIsNotADatabaseFails) {
  testing::TempDatabasePath path;
  {
    FILE* f = fopen(path.str().c_str(), "wb");
    ASSERT_NE(f, nullptr);
    fputs("this is not a sqlite database, just some text that is long enough......", f);
    fclose(f);
  }
  auto store = OpenSqliteStore(path.str());
  EXPECT_FALSE(store.ok());
}

}  // namespace
}  // namespace steadycast::store::sqlite
