#pragma once
// store::WebhookEndpointRepository on SQLite: table webhook_endpoints (migration 4).
// Thread-safe through Database; holds a reference to it (owned by SqliteStore).

#include <string>
#include <vector>

#include "store/sqlite/database.h"
#include "store/store.h"

namespace steadycast::store::sqlite {

inline constexpr int kMaxWebhookListLimit = 1000;

// The stored form of an event filter: comma-separated types. kInvalidArgument for an empty
// filter, an empty entry or an entry holding ','.
base::Result<std::string> JoinEventFilter(const std::vector<std::string>& events);
std::vector<std::string> SplitEventFilter(std::string_view text);

class SqliteWebhookEndpointRepository final : public WebhookEndpointRepository {
 public:
  explicit SqliteWebhookEndpointRepository(Database& db) : db_(db) {}

  base::Status Create(const WebhookEndpoint& endpoint) override;
  base::Result<WebhookEndpoint> Get(const std::string& id) override;
  // `limit` 1..kMaxWebhookListLimit, else kInvalidArgument.
  base::Result<WebhookEndpointPage> List(int limit, const std::string& cursor) override;
  base::Status Update(const WebhookEndpoint& endpoint) override;
  base::Status Delete(const std::string& id) override;
  base::Result<WebhookEndpoint> RotateSecret(const std::string& id, const std::string& new_secret,
                                             int64_t previous_expires_ms, int64_t now_ms) override;
  base::Status SetBreakerState(const std::string& id, std::string_view breaker_state,
                               int64_t consecutive_failures,
                               int64_t breaker_open_until_ms) override;

 private:
  Database& db_;
};

// Reads one endpoint on a connection the caller holds (also used by the delivery repository
// inside its transactions). kNotFound.
base::Result<WebhookEndpoint> LoadWebhookEndpoint(Connection& c, const std::string& id);
// Every endpoint (id and filter only are needed by the callers, but whole rows are cheap).
base::Result<std::vector<WebhookEndpoint>> LoadAllWebhookEndpoints(Connection& c);

}  // namespace steadycast::store::sqlite
