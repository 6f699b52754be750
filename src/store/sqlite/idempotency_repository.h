#pragma once
// store::IdempotencyRepository on SQLite: table idempotency_keys (migration 3), one row per
// (token, Idempotency-Key). Thread-safe through Database.

#include <optional>
#include <string>

#include "store/sqlite/database.h"
#include "store/store.h"

namespace steadycast::store::sqlite {

class SqliteIdempotencyRepository final : public IdempotencyRepository {
 public:
  explicit SqliteIdempotencyRepository(Database& db) : db_(db) {}

  base::Result<std::optional<IdempotencyRecord>> Find(const std::string& token_id,
                                                      const std::string& key,
                                                      int64_t not_before_ms) override;
  base::Status Save(const IdempotencyRecord& record) override;
  base::Result<int64_t> Purge(int64_t before_ms) override;

 private:
  Database& db_;
};

}  // namespace steadycast::store::sqlite
