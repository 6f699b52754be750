#include "store/sqlite/database.h"

#include <string>
#include <utility>

#include "base/log.h"

namespace steadycast::store::sqlite {

base::Status SqliteStatus(int rc, sqlite3* db, std::string_view context) {
  std::string message(context);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return base::Error(base::ErrorCode::kAlreadyExists, std::move(message));
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return base::FailedPrecondition(std::move(message));
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
      return base::InvalidArgument(std::move(message));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
      return base::Unavailable(std::move(message));
    case SQLITE_FULL:
      return base::ResourceExhausted(std::move(message));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return base::Error(base::ErrorCode::kDataLoss, std::move(message));
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return base::Error(base::ErrorCode::kPermissionDenied, std::move(message));
    default:
      return base::Internal(std::move(message));
  }
}

// ---- Statement ----

Statement::Statement(sqlite3* db, sqlite3_stmt* stmt, bool* in_use)
    : db_(db), stmt_(stmt), in_use_(in_use) {}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)),
      bind_status_(std::move(other.bind_status_)) {}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  if (in_use_ == nullptr) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *in_use_ = false;
}

Statement& Statement::Bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = SqliteStatus(rc, db_, "bind");
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT copies: callers may bind temporaries.
  int rc =
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = SqliteStatus(rc, db_, "bind");
  return *this;
}

Statement& Statement::BindNullable(int index, const std::optional<std::string>& text) {
  if (text.has_value()) return Bind(index, std::string_view(*text));
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = SqliteStatus(rc, db_, "bind");
  return *this;
}

base::Result<bool> Statement::Step() {
  if (!bind_status_.ok()) return bind_status_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteStatus(sqlite3_extended_errcode(db_), db_, "step");
}

base::Status Statement::Run() {
  while (true) {
    SC_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return base::Status::Ok();
  }
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::Text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (text == nullptr) return {};
  return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<std::string> Statement::OptionalText(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return Text(column);
}

// ---- Connection ----

base::Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path,
                                                           int busy_timeout_ms) {
  sqlite3* db = nullptr;
  // NOMUTEX: Database serialises every use of the handle, so SQLite's own mutex is redundant.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    base::Status status = SqliteStatus(rc, db, "open database");
    sqlite3_close(db);  // a handle is returned even on failure
    return status;
  }
  sqlite3_extended_result_codes(db, 1);
  std::unique_ptr<Connection> connection(new Connection(db));
  SC_RETURN_IF_ERROR(connection->Configure(busy_timeout_ms, path == ":memory:" || path.empty()));
  return connection;
}

base::Status Connection::Configure(int busy_timeout_ms, bool in_memory) {
  int rc = sqlite3_busy_timeout(db_, busy_timeout_ms);
  if (rc != SQLITE_OK) return SqliteStatus(rc, db_, "busy_timeout");
  // WAL lets readers in other processes (backups, `steadycast token create` while serving)
  // proceed during writes. synchronous=FULL: a committed state change (and, later, its outbox
  // event) survives power loss, which the contract's "a crash loses none" needs.
  SC_RETURN_IF_ERROR(
      Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
           "PRAGMA foreign_keys=ON;"));
  {
    SC_ASSIGN_OR_RETURN(Statement check, Prepare("PRAGMA foreign_keys"));
    SC_ASSIGN_OR_RETURN(bool row, check.Step());
    if (!row || check.Int(0) != 1) return base::Internal("sqlite: foreign keys unavailable");
  }
  if (!in_memory) {
    SC_ASSIGN_OR_RETURN(Statement mode, Prepare("PRAGMA journal_mode"));
    SC_ASSIGN_OR_RETURN(bool row, mode.Step());
    if (!row || mode.Text(0) != "wal") {
      SC_LOG_WARN("sqlite: WAL mode unavailable (journal_mode={}); continuing",
                  row ? mode.Text(0) : "?");
    }
  }
  return base::Status::Ok();
}

Connection::~Connection() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  sqlite3_close(db_);
}

base::Result<Statement> Connection::Prepare(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it != cache_.end() && !*it->second.in_use) {
    *it->second.in_use = true;
    return Statement(db_, it->second.stmt, it->second.in_use.get());
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteStatus(rc, db_, "prepare");
  if (it != cache_.end()) return Statement(db_, stmt, nullptr);  // nested use: owned copy
  CachedStatement& slot = cache_[std::string(sql)];
  slot.stmt = stmt;
  slot.in_use = std::make_unique<bool>(true);
  return Statement(db_, stmt, slot.in_use.get());
}

base::Status Connection::Exec(std::string_view sql) {
  std::string text(sql);  // sqlite3_exec needs NUL termination
  char* error = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return base::Status::Ok();
  std::string message = error != nullptr ? error : sqlite3_errstr(rc);
  sqlite3_free(error);
  base::Status status = SqliteStatus(sqlite3_extended_errcode(db_), db_, "exec");
  return base::Status(status.code(), "exec: " + message);
}

int64_t Connection::Changes() const { return sqlite3_changes64(db_); }

// ---- Transaction ----

base::Result<Transaction> Transaction::Begin(Connection& connection, TransactionMode mode) {
  SC_RETURN_IF_ERROR(
      connection.Exec(mode == TransactionMode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED"));
  return Transaction(&connection);
}

Transaction::Transaction(Transaction&& other) noexcept
    : connection_(std::exchange(other.connection_, nullptr)) {}

Transaction::~Transaction() {
  if (connection_ == nullptr) return;
  base::Status status = connection_->Exec("ROLLBACK");
  if (!status.ok()) SC_LOG_ERROR("sqlite: rollback failed: {}", status.ToString());
}

base::Status Transaction::Commit() {
  if (connection_ == nullptr) return base::FailedPrecondition("transaction already finished");
  base::Status status = connection_->Exec("COMMIT");
  // A failed COMMIT (e.g. SQLITE_BUSY) leaves the transaction open; the destructor rolls back.
  if (status.ok()) connection_ = nullptr;
  return status;
}

}  // namespace steadycast::store::sqlite
