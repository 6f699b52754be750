#pragma once
// Versioned schema migrations. Each migration is a numbered block of SQL applied once, in its
// own write transaction together with its row in `schema_migrations`, so a crash leaves the
// schema at a whole version. Migrations are append-only: never edit a released one, add the
// next number instead.

#include <span>
#include <string_view>

#include "base/status.h"
#include "store/sqlite/database.h"

namespace steadycast::store::sqlite {

struct Migration {
  int version;           // 1, 2, 3, ... without gaps
  std::string_view sql;  // may hold several statements
};

// The migrations this binary knows, in order.
std::span<const Migration> SchemaMigrations();

// Applies every migration of `migrations` newer than the database's version. A database whose
// version is newer than the last of `migrations` was written by a newer binary: returns
// kFailedPrecondition and changes nothing. Safe to run concurrently from several processes
// (each step re-reads the version under the write lock).
base::Status ApplyMigrations(Connection& connection, std::span<const Migration> migrations);

// The highest applied version (0 for a fresh database).
base::Result<int> SchemaVersion(Connection& connection);

}  // namespace steadycast::store::sqlite
