#pragma once
// The default, embedded implementation of store::Store: one SQLite database file (WAL mode)
// holding live streams, playback ids and API access tokens. Opening applies pending schema
// migrations (see migrations.h). The returned Store is thread-safe: every call takes one
// mutex around the single connection, which is ample for control-plane traffic.

#include <memory>
#include <string>

#include "base/status.h"
#include "store/sqlite/secret_hash.h"
#include "store/store.h"

namespace steadycast::store::sqlite {

struct SqliteOptions {
  // How long a writer waits for another process's lock before giving up with kUnavailable.
  int busy_timeout_ms = 5000;
  // PBKDF2 iterations for newly created token hashes (existing hashes keep theirs).
  int token_hash_iterations = kDefaultSecretHashIterations;
};

}  // namespace steadycast::store::sqlite

namespace steadycast::store {

// Opens or creates the database at `path` (":memory:" for a private in-memory database, used
// by tests). kFailedPrecondition when the database was migrated by a newer binary.
base::Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);
base::Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                                     const sqlite::SqliteOptions& options);

}  // namespace steadycast::store
