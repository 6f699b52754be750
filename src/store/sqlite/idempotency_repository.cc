#include "store/sqlite/idempotency_repository.h"

namespace steadycast::store::sqlite {

base::Result<std::optional<IdempotencyRecord>> SqliteIdempotencyRepository::Find(
    const std::string& token_id, const std::string& key, int64_t not_before_ms) {
  return db_.WithConnection([&](Connection& c) -> base::Result<std::optional<IdempotencyRecord>> {
    SC_ASSIGN_OR_RETURN(
        Statement s,
        c.Prepare("SELECT request_hash, status, content_type, location, body, created_at_ms "
                  "FROM idempotency_keys WHERE token_id = ?1 AND key = ?2 AND "
                  "created_at_ms >= ?3"));
    s.Bind(1, token_id).Bind(2, key).Bind(3, not_before_ms);
    SC_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return std::optional<IdempotencyRecord>();
    IdempotencyRecord record;
    record.token_id = token_id;
    record.key = key;
    record.request_hash = s.Text(0);
    record.status = static_cast<int>(s.Int(1));
    record.content_type = s.Text(2);
    record.location = s.Text(3);
    record.body = s.Text(4);
    record.created_at_ms = s.Int(5);
    return std::optional<IdempotencyRecord>(std::move(record));
  });
}

base::Status SqliteIdempotencyRepository::Save(const IdempotencyRecord& record) {
  return db_.InTransaction(TransactionMode::kWrite, [&](Connection& c) -> base::Status {
    SC_ASSIGN_OR_RETURN(
        Statement s,
        c.Prepare("INSERT OR REPLACE INTO idempotency_keys (token_id, key, request_hash, status, "
                  "content_type, location, body, created_at_ms) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    s.Bind(1, record.token_id)
        .Bind(2, record.key)
        .Bind(3, record.request_hash)
        .Bind(4, int64_t{record.status})
        .Bind(5, record.content_type)
        .Bind(6, record.location)
        .Bind(7, record.body)
        .Bind(8, record.created_at_ms);
    return s.Run().WithContext("save idempotency key");
  });
}

base::Result<int64_t> SqliteIdempotencyRepository::Purge(int64_t before_ms) {
  return db_.InTransaction(TransactionMode::kWrite, [&](Connection& c) -> base::Result<int64_t> {
    SC_ASSIGN_OR_RETURN(Statement s,
                        c.Prepare("DELETE FROM idempotency_keys WHERE created_at_ms < ?1"));
    s.Bind(1, before_ms);
    SC_RETURN_IF_ERROR(s.Run());
    return c.Changes();
  });
}

}  // namespace steadycast::store::sqlite
