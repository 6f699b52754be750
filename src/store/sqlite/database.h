#pragma once
// Thin RAII layer over the SQLite C API used by every repository in store/sqlite: one
// connection, a cache of prepared statements, bound parameters only (never string-built SQL),
// and SQLite result codes mapped to base::Status.
//
// Threading: a Connection is NOT thread-safe. Database owns the only Connection and hands it
// out under its mutex (WithConnection / InTransaction), which is how the repositories become
// thread-safe. Statements and Transactions borrow the Connection and must not outlive the
// callback they were created in.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"

namespace steadycast::store::sqlite {

// Maps an (extended) SQLite result code to a Status: unique/primary-key violations become
// kAlreadyExists, busy/locked kUnavailable, corruption kDataLoss, anything else kInternal.
base::Status SqliteStatus(int rc, sqlite3* db, std::string_view context);

// A prepared statement borrowed from the connection's cache (or owned, when the cached one is
// already in use by an enclosing loop). Reset and unbound on destruction, so the next user
// starts clean. Bind errors are remembered and reported by the next Step/Run.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  // 1-based parameter indexes, as in the SQL ("?1").
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view text);
  Statement& BindNullable(int index, const std::optional<std::string>& text);  // nullopt → NULL

  // Advances one row: true when a row is available, false when the statement is done.
  base::Result<bool> Step();
  // Steps to completion, ignoring rows (INSERT/UPDATE/DELETE).
  base::Status Run();

  int64_t Int(int column) const;
  std::string Text(int column) const;  // "" for NULL
  std::optional<std::string> OptionalText(int column) const;

 private:
  friend class Connection;
  Statement(sqlite3* db, sqlite3_stmt* stmt, bool* in_use);

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool* in_use_;  // cache slot flag; nullptr when this statement is owned (finalized at end)
  base::Status bind_status_;
};

// One open SQLite database handle plus its statement cache.
class Connection {
 public:
  // Opens (creating if needed) the database at `path` (":memory:" for a private in-memory
  // database) and applies the connection settings: WAL, busy_timeout, foreign keys.
  static base::Result<std::unique_ptr<Connection>> Open(const std::string& path,
                                                        int busy_timeout_ms);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Prepares `sql` (one statement) or reuses the cached prepared form.
  base::Result<Statement> Prepare(std::string_view sql);
  // Runs trusted, parameterless SQL that may hold several statements (migrations, pragmas).
  base::Status Exec(std::string_view sql);
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t Changes() const;
  sqlite3* raw() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  base::Status Configure(int busy_timeout_ms, bool in_memory);

  struct CachedStatement {
    sqlite3_stmt* stmt = nullptr;
    std::unique_ptr<bool> in_use;  // stable address handed to Statement
  };
  sqlite3* db_;
  std::unordered_map<std::string, CachedStatement> cache_;
};

enum class TransactionMode {
  kRead,   // BEGIN (deferred): a consistent snapshot for multi-statement reads
  kWrite,  // BEGIN IMMEDIATE: takes the write lock up front, so a read-then-write cannot fail
           // with SQLITE_BUSY half-way (busy_timeout applies to the BEGIN instead)
};

// A transaction on a borrowed connection; rolls back on destruction unless committed.
// This is the unit the events outbox will join: a state change and its outbox row are written
// inside one Transaction, so either both persist or neither does (docs/architecture.md).
class Transaction {
 public:
  static base::Result<Transaction> Begin(Connection& connection, TransactionMode mode);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  base::Status Commit();

 private:
  explicit Transaction(Connection* connection) : connection_(connection) {}
  Connection* connection_;  // nullptr once committed or rolled back
};

// The shared database: one Connection guarded by a mutex. Every repository call goes through
// WithConnection or InTransaction; callbacks must not call back into the Database (the mutex
// is not recursive) and should be short (they block every other store user).
class Database {
 public:
  explicit Database(std::unique_ptr<Connection> connection) : connection_(std::move(connection)) {}

  // Runs `fn(Connection&)` under the lock. `fn` returns a Status or a Result<T>.
  template <typename Fn>
  auto WithConnection(Fn&& fn) {
    std::lock_guard<std::mutex> lock(mutex_);
    return fn(*connection_);
  }

  // Runs `fn(Connection&)` under the lock inside a transaction; commits when `fn` succeeds,
  // rolls back when it fails (its error is returned unchanged).
  template <typename Fn>
  auto InTransaction(TransactionMode mode, Fn&& fn) -> decltype(fn(std::declval<Connection&>())) {
    using Ret = decltype(fn(std::declval<Connection&>()));
    std::lock_guard<std::mutex> lock(mutex_);
    auto tx = Transaction::Begin(*connection_, mode);
    if (!tx.ok()) return Ret(std::move(tx).status());
    auto ret = fn(*connection_);
    if (!ret.ok()) return ret;  // ~Transaction rolls back
    base::Status committed = tx->Commit();
    if (!committed.ok()) return Ret(std::move(committed));
    return ret;
  }

 private:
  std::mutex mutex_;
  std::unique_ptr<Connection> connection_;
};

}  // namespace steadycast::store::sqlite
