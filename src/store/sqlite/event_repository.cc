#include "store/sqlite/event_repository.h"

#include <fmt/format.h>

namespace steadycast::store::sqlite {
namespace {

#define SC_EVENT_COLUMNS \
  "position, id, type, object_type, object_id, sequence, created_at_ms, data_json"

constexpr std::string_view kInsert =
    "INSERT INTO events (id, type, object_type, object_id, sequence, created_at_ms, data_json) "
    "VALUES (?1, ?2, ?3, ?4, (SELECT COALESCE(MAX(sequence), 0) + 1 FROM events "
    "WHERE object_type = ?3 AND object_id = ?4), ?5, ?6)";
constexpr std::string_view kGet = "SELECT " SC_EVENT_COLUMNS " FROM events WHERE id = ?1";
constexpr std::string_view kSelect = "SELECT " SC_EVENT_COLUMNS " FROM events";
#undef SC_EVENT_COLUMNS

// Several types are at most this many (each is one bound parameter).
constexpr size_t kMaxQueryTypes = 50;

// The list statement for `query`: empty filters match everything; the planner still walks the
// position primary key (or the by-type / by-object index). Parameters: ?1 after, ?2 before
// (0 = none), ?3 object id, ?4 limit, ?5.. the types.
std::string ListSql(const EventQuery& query, size_t type_count) {
  std::string sql = fmt::format(
      "{} WHERE position > ?1 AND (?2 = 0 OR position < ?2) AND (?3 = '' OR object_id = ?3)",
      kSelect);
  if (type_count > 0) {
    sql += " AND type IN (";
    for (size_t i = 0; i < type_count; ++i) sql += fmt::format("{}?{}", i ? ", " : "", i + 5);
    sql += ")";
  }
  sql += query.newest_first ? " ORDER BY position DESC LIMIT ?4" : " ORDER BY position LIMIT ?4";
  return sql;
}

std::vector<std::string> QueryTypes(const EventQuery& query) {
  std::vector<std::string> types = query.types;
  if (!query.type.empty()) types.push_back(query.type);
  return types;
}

StoredEvent ReadRow(const Statement& s) {
  StoredEvent event;
  event.position = s.Int(0);
  event.id = s.Text(1);
  event.type = s.Text(2);
  event.object_type = s.Text(3);
  event.object_id = s.Text(4);
  event.sequence = s.Int(5);
  event.created_at_ms = s.Int(6);
  event.data_json = s.Text(7);
  return event;
}

}  // namespace

base::Status AppendEvents(Connection& connection, const std::vector<NewEvent>& events) {
  for (const NewEvent& event : events) {
    SC_ASSIGN_OR_RETURN(Statement s, connection.Prepare(kInsert));
    s.Bind(1, event.id)
        .Bind(2, event.type)
        .Bind(3, event.object_type)
        .Bind(4, event.object_id)
        .Bind(5, event.created_at_ms)
        .Bind(6, event.data_json);
    SC_RETURN_IF_ERROR(
        s.Run().WithContext(fmt::format("append event {} ({})", event.id, event.type)));
  }
  return base::Status::Ok();
}

base::Result<std::vector<StoredEvent>> SqliteEventRepository::List(const EventQuery& query) {
  if (query.limit < 1 || query.limit > kMaxEventListLimit) {
    return base::InvalidArgument(fmt::format("limit must be 1..{}", kMaxEventListLimit));
  }
  const std::vector<std::string> types = QueryTypes(query);
  if (types.size() > kMaxQueryTypes) {
    return base::InvalidArgument(fmt::format("at most {} event types", kMaxQueryTypes));
  }
  const std::string sql = ListSql(query, types.size());
  return db_.InTransaction(TransactionMode::kRead,
                           [&](Connection& c) -> base::Result<std::vector<StoredEvent>> {
                             SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(sql));
                             s.Bind(1, query.after_position)
                                 .Bind(2, query.before_position)
                                 .Bind(3, query.object_id)
                                 .Bind(4, int64_t{query.limit});
                             for (size_t i = 0; i < types.size(); ++i)
                               s.Bind(static_cast<int>(i + 5), types[i]);
                             std::vector<StoredEvent> out;
                             while (true) {
                               SC_ASSIGN_OR_RETURN(bool row, s.Step());
                               if (!row) return out;
                               out.push_back(ReadRow(s));
                             }
                           });
}

base::Result<StoredEvent> SqliteEventRepository::Get(const std::string& id) {
  return db_.WithConnection([&](Connection& c) -> base::Result<StoredEvent> {
    SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(kGet));
    s.Bind(1, id);
    SC_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return base::NotFound("event not found");
    return ReadRow(s);
  });
}

base::Status SqliteEventRepository::Append(const std::vector<NewEvent>& events) {
  if (events.empty()) return base::Status::Ok();
  return db_.InTransaction(TransactionMode::kWrite,
                           [&](Connection& c) { return AppendEvents(c, events); });
}

}  // namespace steadycast::store::sqlite
