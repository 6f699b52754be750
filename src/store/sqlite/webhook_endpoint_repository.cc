#include "store/sqlite/webhook_endpoint_repository.h"

#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "store/sqlite/cursor.h"

namespace steadycast::store::sqlite {
namespace {

// A macro so the statements stay compile-time literals (the statement cache keys on the text).
#define SC_ENDPOINT_COLUMNS                                                               \
  "id, url, events, secret, previous_secret, previous_secret_expires_ms, created_at_ms, " \
  "updated_at_ms, breaker_state, consecutive_failures, breaker_open_until_ms, cursor_position"

constexpr std::string_view kSelectById =
    "SELECT " SC_ENDPOINT_COLUMNS " FROM webhook_endpoints WHERE id = ?1";
constexpr std::string_view kSelectAll = "SELECT " SC_ENDPOINT_COLUMNS " FROM webhook_endpoints";
constexpr std::string_view kListFirst = "SELECT " SC_ENDPOINT_COLUMNS
                                        " FROM webhook_endpoints "
                                        "ORDER BY created_at_ms DESC, id DESC LIMIT ?1";
constexpr std::string_view kListAfter = "SELECT " SC_ENDPOINT_COLUMNS
                                        " FROM webhook_endpoints "
                                        "WHERE (created_at_ms, id) < (?1, ?2) "
                                        "ORDER BY created_at_ms DESC, id DESC LIMIT ?3";
constexpr std::string_view kInsert = "INSERT INTO webhook_endpoints (" SC_ENDPOINT_COLUMNS
                                     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
#undef SC_ENDPOINT_COLUMNS
constexpr std::string_view kUpdate =
    "UPDATE webhook_endpoints SET url = ?2, events = ?3, secret = ?4, previous_secret = ?5, "
    "previous_secret_expires_ms = ?6, updated_at_ms = ?8, breaker_state = ?9, "
    "consecutive_failures = ?10, breaker_open_until_ms = ?11, cursor_position = ?12 "
    "WHERE id = ?1";
constexpr std::string_view kRotate =
    "UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_expires_ms = ?3, "
    "secret = ?2, updated_at_ms = MAX(updated_at_ms, ?4) WHERE id = ?1";
constexpr std::string_view kSetBreaker =
    "UPDATE webhook_endpoints SET breaker_state = ?2, consecutive_failures = ?3, "
    "breaker_open_until_ms = ?4 WHERE id = ?1";
constexpr std::string_view kOutboxEnd = "SELECT COALESCE(MAX(position), 0) FROM events";

// Binds ?1..?12 in column order; `events` is the joined filter.
void BindEndpoint(Statement& s, const WebhookEndpoint& e, const std::string& events) {
  s.Bind(1, e.id)
      .Bind(2, e.url)
      .Bind(3, events)
      .Bind(4, e.secret)
      .BindNullable(5, e.previous_secret)
      .Bind(6, e.previous_secret_expires_ms)
      .Bind(7, e.created_at_ms)
      .Bind(8, e.updated_at_ms)
      .Bind(9, e.breaker_state)
      .Bind(10, e.consecutive_failures)
      .Bind(11, e.breaker_open_until_ms)
      .Bind(12, e.cursor_position);
}

WebhookEndpoint ReadRow(const Statement& s) {
  WebhookEndpoint e;
  e.id = s.Text(0);
  e.url = s.Text(1);
  e.events = SplitEventFilter(s.Text(2));
  e.secret = s.Text(3);
  e.previous_secret = s.OptionalText(4);
  e.previous_secret_expires_ms = s.Int(5);
  e.created_at_ms = s.Int(6);
  e.updated_at_ms = s.Int(7);
  e.breaker_state = s.Text(8);
  e.consecutive_failures = s.Int(9);
  e.breaker_open_until_ms = s.Int(10);
  e.cursor_position = s.Int(11);
  return e;
}

base::Result<int64_t> OutboxEnd(Connection& c) {
  SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(kOutboxEnd));
  SC_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return base::Internal("outbox end: no row");
  return s.Int(0);
}

}  // namespace

base::Result<std::string> JoinEventFilter(const std::vector<std::string>& events) {
  if (events.empty()) return base::InvalidArgument("webhook event filter is empty");
  std::string out;
  for (const std::string& type : events) {
    if (type.empty() || type.find(',') != std::string::npos) {
      return base::InvalidArgument("webhook event filter entry is empty or holds ','");
    }
    if (!out.empty()) out.push_back(',');
    out += type;
  }
  return out;
}

std::vector<std::string> SplitEventFilter(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    out.emplace_back(text.substr(0, comma));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

base::Result<WebhookEndpoint> LoadWebhookEndpoint(Connection& c, const std::string& id) {
  SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(kSelectById));
  s.Bind(1, id);
  SC_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return base::NotFound("webhook endpoint not found");
  return ReadRow(s);
}

base::Result<std::vector<WebhookEndpoint>> LoadAllWebhookEndpoints(Connection& c) {
  SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(kSelectAll));
  std::vector<WebhookEndpoint> out;
  while (true) {
    SC_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return out;
    out.push_back(ReadRow(s));
  }
}

base::Status SqliteWebhookEndpointRepository::Create(const WebhookEndpoint& endpoint) {
  SC_ASSIGN_OR_RETURN(std::string events, JoinEventFilter(endpoint.events));
  return db_
      .InTransaction(TransactionMode::kWrite,
                     [&](Connection& c) -> base::Status {
                       WebhookEndpoint row = endpoint;
                       if (row.cursor_position == kCursorAtOutboxEnd) {
                         SC_ASSIGN_OR_RETURN(row.cursor_position, OutboxEnd(c));
                       }
                       SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(kInsert));
                       BindEndpoint(s, row, events);
                       return s.Run();
                     })
      .WithContext("create webhook endpoint " + endpoint.id);
}

base::Result<WebhookEndpoint> SqliteWebhookEndpointRepository::Get(const std::string& id) {
  return db_.WithConnection([&](Connection& c) { return LoadWebhookEndpoint(c, id); });
}

base::Result<WebhookEndpointPage> SqliteWebhookEndpointRepository::List(int limit,
                                                                        const std::string& cursor) {
  if (limit < 1 || limit > kMaxWebhookListLimit) {
    return base::InvalidArgument(fmt::format("limit must be 1..{}", kMaxWebhookListLimit));
  }
  std::optional<CursorPosition> after;
  if (!cursor.empty()) {
    SC_ASSIGN_OR_RETURN(CursorPosition position, DecodeCursor(cursor));
    after = std::move(position);
  }
  return db_.WithConnection([&](Connection& c) -> base::Result<WebhookEndpointPage> {
    SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(after ? kListAfter : kListFirst));
    // One extra row tells whether another page exists.
    if (after) {
      s.Bind(1, after->created_at_ms).Bind(2, after->id).Bind(3, int64_t{limit} + 1);
    } else {
      s.Bind(1, int64_t{limit} + 1);
    }
    WebhookEndpointPage page;
    while (true) {
      SC_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      if (static_cast<int>(page.items.size()) == limit) {
        const WebhookEndpoint& last = page.items.back();
        page.next_cursor = EncodeCursor({last.created_at_ms, last.id});
        break;
      }
      page.items.push_back(ReadRow(s));
    }
    return page;
  });
}

base::Status SqliteWebhookEndpointRepository::Update(const WebhookEndpoint& endpoint) {
  SC_ASSIGN_OR_RETURN(std::string events, JoinEventFilter(endpoint.events));
  return db_
      .InTransaction(TransactionMode::kWrite,
                     [&](Connection& c) -> base::Status {
                       SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(kUpdate));
                       BindEndpoint(s, endpoint, events);
                       SC_RETURN_IF_ERROR(s.Run());
                       if (c.Changes() == 0) return base::NotFound("webhook endpoint not found");
                       return base::Status::Ok();
                     })
      .WithContext("update webhook endpoint " + endpoint.id);
}

base::Status SqliteWebhookEndpointRepository::Delete(const std::string& id) {
  return db_.InTransaction(TransactionMode::kWrite, [&](Connection& c) -> base::Status {
    // Its deliveries go with it (ON DELETE CASCADE).
    SC_ASSIGN_OR_RETURN(Statement s, c.Prepare("DELETE FROM webhook_endpoints WHERE id = ?1"));
    s.Bind(1, id);
    SC_RETURN_IF_ERROR(s.Run());
    if (c.Changes() == 0) return base::NotFound("webhook endpoint not found");
    return base::Status::Ok();
  });
}

base::Result<WebhookEndpoint> SqliteWebhookEndpointRepository::RotateSecret(
    const std::string& id, const std::string& new_secret, int64_t previous_expires_ms,
    int64_t now_ms) {
  return db_.InTransaction(
      TransactionMode::kWrite, [&](Connection& c) -> base::Result<WebhookEndpoint> {
        {
          SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(kRotate));
          s.Bind(1, id).Bind(2, new_secret).Bind(3, previous_expires_ms).Bind(4, now_ms);
          SC_RETURN_IF_ERROR(s.Run());
          if (c.Changes() == 0) {
            return base::NotFound("webhook endpoint not found");
          }
        }
        return LoadWebhookEndpoint(c, id);
      });
}

base::Status SqliteWebhookEndpointRepository::SetBreakerState(const std::string& id,
                                                              std::string_view breaker_state,
                                                              int64_t consecutive_failures,
                                                              int64_t breaker_open_until_ms) {
  return db_
      .InTransaction(TransactionMode::kWrite,
                     [&](Connection& c) -> base::Status {
                       SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(kSetBreaker));
                       s.Bind(1, id)
                           .Bind(2, breaker_state)
                           .Bind(3, consecutive_failures)
                           .Bind(4, breaker_open_until_ms);
                       SC_RETURN_IF_ERROR(s.Run());
                       if (c.Changes() == 0) return base::NotFound("webhook endpoint not found");
                       return base::Status::Ok();
                     })
      .WithContext("webhook endpoint " + id + ": breaker state");
}

}  // namespace steadycast::store::sqlite
