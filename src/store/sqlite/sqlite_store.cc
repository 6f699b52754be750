#include "store/sqlite/sqlite_store.h"

#include <memory>
#include <utility>

#include "store/sqlite/database.h"
#include "store/sqlite/event_repository.h"
#include "store/sqlite/idempotency_repository.h"
#include "store/sqlite/live_stream_repository.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/token_repository.h"
#include "store/sqlite/webhook_delivery_repository.h"
#include "store/sqlite/webhook_endpoint_repository.h"

namespace steadycast::store {
namespace sqlite {
namespace {

// Owns the database and the repositories that borrow it (declared first, destroyed last).
class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<Connection> connection, const SqliteOptions& options)
      : db_(std::move(connection)),
        live_streams_(db_),
        tokens_(db_, options.token_hash_iterations),
        events_(db_),
        idempotency_(db_),
        webhook_endpoints_(db_),
        webhook_deliveries_(db_) {}

  LiveStreamRepository& live_streams() override { return live_streams_; }
  TokenRepository& tokens() override { return tokens_; }
  EventRepository& events() override { return events_; }
  IdempotencyRepository& idempotency() override { return idempotency_; }
  WebhookEndpointRepository& webhook_endpoints() override { return webhook_endpoints_; }
  WebhookDeliveryRepository& webhook_deliveries() override { return webhook_deliveries_; }

  base::Status Ping() override {
    return db_.WithConnection([](Connection& c) -> base::Status {
      SC_ASSIGN_OR_RETURN(Statement s, c.Prepare("SELECT 1"));
      return s.Run().WithContext("store ping");
    });
  }

 private:
  Database db_;
  SqliteLiveStreamRepository live_streams_;
  SqliteTokenRepository tokens_;
  SqliteEventRepository events_;
  SqliteIdempotencyRepository idempotency_;
  SqliteWebhookEndpointRepository webhook_endpoints_;
  SqliteWebhookDeliveryRepository webhook_deliveries_;
};

}  // namespace
}  // namespace sqlite

base::Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  return OpenSqliteStore(path, sqlite::SqliteOptions{});
}

base::Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                                     const sqlite::SqliteOptions& options) {
  if (options.token_hash_iterations < 1 ||
      options.token_hash_iterations > sqlite::kMaxSecretHashIterations) {
    return base::InvalidArgument("sqlite store: token_hash_iterations out of range");
  }
  auto connection = sqlite::Connection::Open(path, options.busy_timeout_ms);
  if (!connection.ok()) return std::move(connection).status().WithContext("sqlite store");
  SC_RETURN_IF_ERROR(sqlite::ApplyMigrations(**connection, sqlite::SchemaMigrations())
                         .WithContext("sqlite store: migrate"));
  return std::unique_ptr<Store>(
      std::make_unique<sqlite::SqliteStore>(std::move(*connection), options));
}

}  // namespace steadycast::store
