#include "store/sqlite/webhook_delivery_repository.h"

#include <utility>

#include <fmt/format.h>

#include "base/random.h"
#include "store/sqlite/cursor.h"
#include "store/sqlite/webhook_endpoint_repository.h"

namespace steadycast::store::sqlite {
namespace {

#define SC_DELIVERY_COLUMNS                                                                    \
  "id, endpoint_id, event_id, event_position, object_type, object_id, sequence, status, "      \
  "attempts, last_status_code, last_error, next_attempt_at_ms, created_at_ms, updated_at_ms, " \
  "succeeded_at_ms"

constexpr std::string_view kInsert =
    "INSERT INTO webhook_deliveries (" SC_DELIVERY_COLUMNS
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";
constexpr std::string_view kSelectById =
    "SELECT " SC_DELIVERY_COLUMNS " FROM webhook_deliveries WHERE id = ?1";
constexpr std::string_view kDue = "SELECT " SC_DELIVERY_COLUMNS
                                  " FROM webhook_deliveries "
                                  "WHERE status = 'pending' AND next_attempt_at_ms <= ?1 "
                                  "ORDER BY endpoint_id, object_type, object_id, sequence, id "
                                  "LIMIT ?2";
constexpr std::string_view kListFirst = "SELECT " SC_DELIVERY_COLUMNS
                                        " FROM webhook_deliveries WHERE endpoint_id = ?1 "
                                        "ORDER BY created_at_ms DESC, id DESC LIMIT ?2";
constexpr std::string_view kListAfter =
    "SELECT " SC_DELIVERY_COLUMNS
    " FROM webhook_deliveries WHERE endpoint_id = ?1 AND (created_at_ms, id) < (?3, ?4) "
    "ORDER BY created_at_ms DESC, id DESC LIMIT ?2";
constexpr std::string_view kOldestPending =
    "SELECT " SC_DELIVERY_COLUMNS
    " FROM webhook_deliveries WHERE status = 'pending' AND endpoint_id = ?1 AND "
    "object_type = ?2 AND object_id = ?3 ORDER BY sequence, id LIMIT 1";
#undef SC_DELIVERY_COLUMNS
constexpr std::string_view kUpdate =
    "UPDATE webhook_deliveries SET status = ?8, attempts = ?9, last_status_code = ?10, "
    "last_error = ?11, next_attempt_at_ms = ?12, updated_at_ms = ?14, succeeded_at_ms = ?15 "
    "WHERE id = ?1";
constexpr std::string_view kOutboxAfter =
    "SELECT position, id, type, object_type, object_id, sequence FROM events "
    "WHERE position > ?1 ORDER BY position LIMIT ?2";
constexpr std::string_view kEventById =
    "SELECT position, id, type, object_type, object_id, sequence FROM events WHERE id = ?1";
constexpr std::string_view kAdvanceCursor =
    "UPDATE webhook_endpoints SET cursor_position = ?2 WHERE id = ?1";

// Binds ?1..?15 in column order.
void BindDelivery(Statement& s, const WebhookDelivery& d) {
  s.Bind(1, d.id)
      .Bind(2, d.endpoint_id)
      .Bind(3, d.event_id)
      .Bind(4, d.event_position)
      .Bind(5, d.object_type)
      .Bind(6, d.object_id)
      .Bind(7, d.sequence)
      .Bind(8, d.status)
      .Bind(9, d.attempts)
      .Bind(10, d.last_status_code)
      .Bind(11, d.last_error)
      .Bind(12, d.next_attempt_at_ms)
      .Bind(13, d.created_at_ms)
      .Bind(14, d.updated_at_ms)
      .Bind(15, d.succeeded_at_ms);
}

WebhookDelivery ReadRow(const Statement& s) {
  WebhookDelivery d;
  d.id = s.Text(0);
  d.endpoint_id = s.Text(1);
  d.event_id = s.Text(2);
  d.event_position = s.Int(3);
  d.object_type = s.Text(4);
  d.object_id = s.Text(5);
  d.sequence = s.Int(6);
  d.status = s.Text(7);
  d.attempts = s.Int(8);
  d.last_status_code = s.Int(9);
  d.last_error = s.Text(10);
  d.next_attempt_at_ms = s.Int(11);
  d.created_at_ms = s.Int(12);
  d.updated_at_ms = s.Int(13);
  d.succeeded_at_ms = s.Int(14);
  return d;
}

// The outbox fields a delivery copies (its type decides the filter match).
struct OutboxEvent {
  int64_t position = 0;
  std::string id;
  std::string type;
  std::string object_type;
  std::string object_id;
  int64_t sequence = 0;
};

OutboxEvent ReadEvent(const Statement& s) {
  return {s.Int(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Int(5)};
}

base::Result<std::vector<WebhookDelivery>> ReadAll(Statement& s) {
  std::vector<WebhookDelivery> out;
  while (true) {
    SC_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return out;
    out.push_back(ReadRow(s));
  }
}

// Inserts a fresh pending delivery of `event` for `endpoint_id`, due at `now_ms`.
base::Result<WebhookDelivery> InsertPending(Connection& c, const std::string& endpoint_id,
                                            const OutboxEvent& event, int64_t now_ms) {
  WebhookDelivery d;
  d.id = base::RandomId("whd");
  d.endpoint_id = endpoint_id;
  d.event_id = event.id;
  d.event_position = event.position;
  d.object_type = event.object_type;
  d.object_id = event.object_id;
  d.sequence = event.sequence;
  d.next_attempt_at_ms = d.created_at_ms = d.updated_at_ms = now_ms;
  SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(kInsert));
  BindDelivery(s, d);
  SC_RETURN_IF_ERROR(s.Run().WithContext("insert webhook delivery for " + event.id));
  return d;
}

base::Status CheckLimit(int limit) {
  if (limit >= 1 && limit <= kMaxWebhookListLimit) return base::Status::Ok();
  return base::InvalidArgument(fmt::format("limit must be 1..{}", kMaxWebhookListLimit));
}

}  // namespace

base::Result<int> SqliteWebhookDeliveryRepository::EnqueueFromOutbox(const std::string& endpoint_id,
                                                                     int limit, int64_t now_ms) {
  SC_RETURN_IF_ERROR(CheckLimit(limit));
  return db_.InTransaction(TransactionMode::kWrite, [&](Connection& c) -> base::Result<int> {
    SC_ASSIGN_OR_RETURN(WebhookEndpoint endpoint, LoadWebhookEndpoint(c, endpoint_id));
    std::vector<OutboxEvent> scanned;
    {
      SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(kOutboxAfter));
      s.Bind(1, endpoint.cursor_position).Bind(2, int64_t{limit});
      while (true) {
        SC_ASSIGN_OR_RETURN(bool row, s.Step());
        if (!row) break;
        scanned.push_back(ReadEvent(s));
      }
    }
    if (scanned.empty()) return 0;
    int created = 0;
    for (const OutboxEvent& event : scanned) {
      if (!EventFilterMatches(endpoint.events, event.type)) continue;
      SC_RETURN_IF_ERROR(InsertPending(c, endpoint_id, event, now_ms).status());
      ++created;
    }
    SC_ASSIGN_OR_RETURN(Statement advance, c.Prepare(kAdvanceCursor));
    advance.Bind(1, endpoint_id).Bind(2, scanned.back().position);
    SC_RETURN_IF_ERROR(advance.Run());
    return created;
  });
}

base::Result<std::vector<WebhookDelivery>> SqliteWebhookDeliveryRepository::Due(int64_t now_ms,
                                                                                int limit) {
  SC_RETURN_IF_ERROR(CheckLimit(limit));
  return db_.WithConnection([&](Connection& c) -> base::Result<std::vector<WebhookDelivery>> {
    SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(kDue));
    s.Bind(1, now_ms).Bind(2, int64_t{limit});
    return ReadAll(s);
  });
}

base::Result<WebhookDelivery> SqliteWebhookDeliveryRepository::Get(const std::string& id) {
  return db_.WithConnection([&](Connection& c) -> base::Result<WebhookDelivery> {
    SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(kSelectById));
    s.Bind(1, id);
    SC_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return base::NotFound("webhook delivery not found");
    return ReadRow(s);
  });
}

base::Status SqliteWebhookDeliveryRepository::Update(const WebhookDelivery& delivery) {
  return db_
      .InTransaction(TransactionMode::kWrite,
                     [&](Connection& c) -> base::Status {
                       SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(kUpdate));
                       BindDelivery(s, delivery);
                       SC_RETURN_IF_ERROR(s.Run());
                       if (c.Changes() == 0) return base::NotFound("webhook delivery not found");
                       return base::Status::Ok();
                     })
      .WithContext("update webhook delivery " + delivery.id);
}

base::Result<WebhookDeliveryPage> SqliteWebhookDeliveryRepository::List(
    const std::string& endpoint_id, int limit, const std::string& cursor) {
  SC_RETURN_IF_ERROR(CheckLimit(limit));
  std::optional<CursorPosition> after;
  if (!cursor.empty()) {
    SC_ASSIGN_OR_RETURN(CursorPosition position, DecodeCursor(cursor));
    after = std::move(position);
  }
  return db_.WithConnection([&](Connection& c) -> base::Result<WebhookDeliveryPage> {
    SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(after ? kListAfter : kListFirst));
    s.Bind(1, endpoint_id).Bind(2, int64_t{limit} + 1);  // one extra: is there a next page?
    if (after) s.Bind(3, after->created_at_ms).Bind(4, after->id);
    SC_ASSIGN_OR_RETURN(std::vector<WebhookDelivery> rows, ReadAll(s));
    WebhookDeliveryPage page;
    if (static_cast<int>(rows.size()) > limit) {
      rows.resize(static_cast<size_t>(limit));
      page.next_cursor = EncodeCursor({rows.back().created_at_ms, rows.back().id});
    }
    page.items = std::move(rows);
    return page;
  });
}

base::Result<std::vector<WebhookDelivery>> SqliteWebhookDeliveryRepository::Redeliver(
    const std::string& event_id, int64_t now_ms) {
  return db_.InTransaction(
      TransactionMode::kWrite, [&](Connection& c) -> base::Result<std::vector<WebhookDelivery>> {
        OutboxEvent event;
        {
          SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(kEventById));
          s.Bind(1, event_id);
          SC_ASSIGN_OR_RETURN(bool row, s.Step());
          if (!row) return base::NotFound("event not found");
          event = ReadEvent(s);
        }
        SC_ASSIGN_OR_RETURN(std::vector<WebhookEndpoint> endpoints, LoadAllWebhookEndpoints(c));
        std::vector<WebhookDelivery> created;
        for (const WebhookEndpoint& endpoint : endpoints) {
          if (!EventFilterMatches(endpoint.events, event.type)) continue;
          SC_ASSIGN_OR_RETURN(WebhookDelivery d, InsertPending(c, endpoint.id, event, now_ms));
          created.push_back(std::move(d));
        }
        return created;
      });
}

base::Result<std::optional<WebhookDelivery>> SqliteWebhookDeliveryRepository::OldestPendingFor(
    const std::string& endpoint_id, const std::string& object_type, const std::string& object_id) {
  return db_.WithConnection([&](Connection& c) -> base::Result<std::optional<WebhookDelivery>> {
    SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(kOldestPending));
    s.Bind(1, endpoint_id).Bind(2, object_type).Bind(3, object_id);
    SC_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return std::optional<WebhookDelivery>();
    return std::optional<WebhookDelivery>(ReadRow(s));
  });
}

}  // namespace steadycast::store::sqlite
