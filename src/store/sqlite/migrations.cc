#include "store/sqlite/migrations.h"

#include <string>

#include <fmt/format.h>

namespace steadycast::store::sqlite {
namespace {

// Version 1: live streams, their playback ids, API access tokens.
// STRICT tables make SQLite enforce column types like the PostgreSQL port will.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE live_streams (
  id               TEXT PRIMARY KEY,
  status           TEXT NOT NULL
                   CHECK (status IN ('idle', 'active', 'reconnecting', 'disabled')),
  stream_key       TEXT NOT NULL UNIQUE,
  srt_passphrase   TEXT,
  reconnect_window INTEGER NOT NULL,
  latency_mode     TEXT NOT NULL,
  ladder_json      TEXT NOT NULL,
  slate            INTEGER NOT NULL,
  takeover         TEXT NOT NULL,
  metadata_json    TEXT NOT NULL,
  created_at_ms    INTEGER NOT NULL,
  updated_at_ms    INTEGER NOT NULL
) STRICT;
CREATE INDEX live_streams_newest ON live_streams (created_at_ms DESC, id DESC);

CREATE TABLE playback_ids (
  id             TEXT PRIMARY KEY,
  live_stream_id TEXT NOT NULL REFERENCES live_streams (id) ON DELETE CASCADE,
  policy         TEXT NOT NULL CHECK (policy IN ('public', 'signed')),
  position       INTEGER NOT NULL
) STRICT;
CREATE INDEX playback_ids_by_stream ON playback_ids (live_stream_id, position);

CREATE TABLE access_tokens (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  secret_hash   TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
) STRICT;
)sql";

// v2: per-stream SRT receive latency (0 = the server's default).
constexpr std::string_view kV2 = R"sql(
ALTER TABLE live_streams ADD COLUMN srt_latency_ms INTEGER NOT NULL DEFAULT 0;
)sql";

// v3: the events outbox (one row per event, `position` orders everything, `sequence` orders
// per object), stored POST responses for Idempotency-Key, token scopes.
constexpr std::string_view kV3 = R"sql(
CREATE TABLE events (
  position      INTEGER PRIMARY KEY AUTOINCREMENT,
  id            TEXT NOT NULL UNIQUE,
  type          TEXT NOT NULL,
  object_type   TEXT NOT NULL,
  object_id     TEXT NOT NULL,
  sequence      INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  data_json     TEXT NOT NULL,
  UNIQUE (object_type, object_id, sequence)
) STRICT;
CREATE INDEX events_by_type ON events (type, position);
CREATE INDEX events_by_object ON events (object_id, position);

CREATE TABLE idempotency_keys (
  token_id      TEXT NOT NULL,
  key           TEXT NOT NULL,
  request_hash  TEXT NOT NULL,
  status        INTEGER NOT NULL,
  content_type  TEXT NOT NULL,
  location      TEXT NOT NULL,
  body          TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (token_id, key)
) STRICT;
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at_ms);

ALTER TABLE access_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'admin'
  CHECK (scope IN ('admin', 'read'));
)sql";

// v4: webhook endpoints (with the dispatcher's breaker state and outbox cursor, so a restart
// resumes where it stopped) and their deliveries. `events` is the filter as comma-separated
// types ("*" = all). Deliveries go with their endpoint (ON DELETE CASCADE). Indexes: the
// newest-first listings, the due scan (pending only) and the per-object ordering lookup.
constexpr std::string_view kV4 = R"sql(
CREATE TABLE webhook_endpoints (
  id                         TEXT PRIMARY KEY,
  url                        TEXT NOT NULL,
  events                     TEXT NOT NULL,
  secret                     TEXT NOT NULL,
  previous_secret            TEXT,
  previous_secret_expires_ms INTEGER NOT NULL,
  created_at_ms              INTEGER NOT NULL,
  updated_at_ms              INTEGER NOT NULL,
  breaker_state              TEXT NOT NULL
                             CHECK (breaker_state IN ('closed', 'open', 'half_open')),
  consecutive_failures       INTEGER NOT NULL,
  breaker_open_until_ms      INTEGER NOT NULL,
  cursor_position            INTEGER NOT NULL
) STRICT;
CREATE INDEX webhook_endpoints_newest ON webhook_endpoints (created_at_ms DESC, id DESC);

CREATE TABLE webhook_deliveries (
  id                 TEXT PRIMARY KEY,
  endpoint_id        TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  event_id           TEXT NOT NULL,
  event_position     INTEGER NOT NULL,
  object_type        TEXT NOT NULL,
  object_id          TEXT NOT NULL,
  sequence           INTEGER NOT NULL,
  status             TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempts           INTEGER NOT NULL,
  last_status_code   INTEGER NOT NULL,
  last_error         TEXT NOT NULL,
  next_attempt_at_ms INTEGER NOT NULL,
  created_at_ms      INTEGER NOT NULL,
  updated_at_ms      INTEGER NOT NULL,
  succeeded_at_ms    INTEGER NOT NULL
) STRICT;
CREATE INDEX webhook_deliveries_log
  ON webhook_deliveries (endpoint_id, created_at_ms DESC, id DESC);
CREATE INDEX webhook_deliveries_due
  ON webhook_deliveries (next_attempt_at_ms) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_object
  ON webhook_deliveries (endpoint_id, object_type, object_id, sequence) WHERE status = 'pending';
)sql";

constexpr Migration kMigrations[] = {
    {1, kV1},
    {2, kV2},
    {3, kV3},
    {4, kV4},
};

base::Status EnsureMigrationTable(Connection& connection) {
  return connection.Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INTEGER PRIMARY KEY,"
      " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
      ") STRICT");
}

base::Status CheckNotNewer(int current, std::span<const Migration> migrations) {
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  if (current <= latest) return base::Status::Ok();
  return base::FailedPrecondition(
      fmt::format("database schema version {} is newer than this binary supports ({}); "
                  "upgrade steadycast or use another data dir",
                  current, latest));
}

// Applies one migration if still pending, under the write lock.
base::Status ApplyOne(Connection& connection, const Migration& migration,
                      std::span<const Migration> all) {
  SC_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(connection, TransactionMode::kWrite));
  SC_ASSIGN_OR_RETURN(int current, SchemaVersion(connection));
  SC_RETURN_IF_ERROR(CheckNotNewer(current, all));
  if (current >= migration.version) return base::Status::Ok();  // another process won
  if (current != migration.version - 1) {
    return base::Internal(
        fmt::format("migration {} found schema version {} (gap)", migration.version, current));
  }
  SC_RETURN_IF_ERROR(
      connection.Exec(migration.sql).WithContext(fmt::format("migration {}", migration.version)));
  SC_ASSIGN_OR_RETURN(Statement insert,
                      connection.Prepare("INSERT INTO schema_migrations (version) VALUES (?1)"));
  insert.Bind(1, static_cast<int64_t>(migration.version));
  SC_RETURN_IF_ERROR(insert.Run());
  return tx.Commit();
}

}  // namespace

std::span<const Migration> SchemaMigrations() { return kMigrations; }

base::Result<int> SchemaVersion(Connection& connection) {
  SC_ASSIGN_OR_RETURN(
      Statement query,
      connection.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  SC_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return base::Internal("schema version: no row");
  return static_cast<int>(query.Int(0));
}

base::Status ApplyMigrations(Connection& connection, std::span<const Migration> migrations) {
  SC_RETURN_IF_ERROR(EnsureMigrationTable(connection).WithContext("schema_migrations"));
  {
    SC_ASSIGN_OR_RETURN(int current, SchemaVersion(connection));
    SC_RETURN_IF_ERROR(CheckNotNewer(current, migrations));
  }
  for (const Migration& migration : migrations) {
    SC_RETURN_IF_ERROR(ApplyOne(connection, migration, migrations));
  }
  return base::Status::Ok();
}

}  // namespace steadycast::store::sqlite
