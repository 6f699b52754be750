#pragma once
// store::EventRepository on SQLite: the `events` outbox table (migration 3). AppendEvents is
// also what the live stream repository calls inside its own transactions, which is how a state
// change and its events commit together. Thread-safe through Database.

#include <string>
#include <vector>

#include "store/sqlite/database.h"
#include "store/store.h"

namespace steadycast::store::sqlite {

inline constexpr int kMaxEventListLimit = 1000;

// Appends `events` on `connection`, which must be inside a write transaction: assigns each its
// per-object sequence (one more than the object's last). kAlreadyExists on a duplicate event id.
base::Status AppendEvents(Connection& connection, const std::vector<NewEvent>& events);

class SqliteEventRepository final : public EventRepository {
 public:
  explicit SqliteEventRepository(Database& db) : db_(db) {}

  // `query.limit` 1..kMaxEventListLimit, else kInvalidArgument.
  base::Result<std::vector<StoredEvent>> List(const EventQuery& query) override;
  base::Result<StoredEvent> Get(const std::string& id) override;
  base::Status Append(const std::vector<NewEvent>& events) override;

 private:
  Database& db_;
};

}  // namespace steadycast::store::sqlite
