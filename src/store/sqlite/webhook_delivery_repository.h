#pragma once
// store::WebhookDeliveryRepository on SQLite: table webhook_deliveries (migration 4), fed from
// the events outbox. Thread-safe through Database; holds a reference to it.

#include <optional>
#include <string>
#include <vector>

#include "store/sqlite/database.h"
#include "store/store.h"

namespace steadycast::store::sqlite {

class SqliteWebhookDeliveryRepository final : public WebhookDeliveryRepository {
 public:
  explicit SqliteWebhookDeliveryRepository(Database& db) : db_(db) {}

  base::Result<int> EnqueueFromOutbox(const std::string& endpoint_id, int limit,
                                      int64_t now_ms) override;
  base::Result<std::vector<WebhookDelivery>> Due(int64_t now_ms, int limit) override;
  base::Result<WebhookDelivery> Get(const std::string& id) override;
  base::Status Update(const WebhookDelivery& delivery) override;
  // `limit` 1..kMaxWebhookListLimit, else kInvalidArgument.
  base::Result<WebhookDeliveryPage> List(const std::string& endpoint_id, int limit,
                                         const std::string& cursor) override;
  base::Result<std::vector<WebhookDelivery>> Redeliver(const std::string& event_id,
                                                       int64_t now_ms) override;
  base::Result<std::optional<WebhookDelivery>> OldestPendingFor(
      const std::string& endpoint_id, const std::string& object_type,
      const std::string& object_id) override;

 private:
  Database& db_;
};

}  // namespace steadycast::store::sqlite
