#pragma once
// Repository interfaces: the seam between the control plane (api/, session/) and storage.
// Implementations: store/sqlite (default, embedded); store/postgres later. All methods are
// thread-safe and synchronous; callers must not hold them on the media hot path for long.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/live_stream.h"
#include "store/webhook.h"

namespace steadycast::store {

// An event for the transactional outbox (docs/architecture.md "Key decisions"): built by events/,
// appended by the store in the same transaction as the state change it describes. The store
// assigns `position` (global order) and `sequence` (1, 2, ... per object).
struct NewEvent {
  std::string id;           // "evt_..."
  std::string type;         // "live_stream.active"
  std::string object_type;  // "live_stream"
  std::string object_id;    // "ls_..."
  int64_t created_at_ms = 0;
  std::string data_json = "{}";  // the payload object; never holds secrets
  bool operator==(const NewEvent&) const = default;
};

struct StoredEvent : NewEvent {
  int64_t position = 0;  // strictly increasing across all objects
  int64_t sequence = 0;  // strictly increasing per (object_type, object_id), from 1
};

// A state change of one live stream: edits `stream` in place (any field except id and
// created_at_ms) and returns the events that describe the change. An error aborts the whole
// change (nothing written) and is returned to the caller unchanged.
using StreamMutation = std::function<base::Result<std::vector<NewEvent>>(LiveStream& stream)>;
// Events for a deletion, built from the stream as it was.
using DeletionEvents = std::function<std::vector<NewEvent>(const LiveStream& before)>;

struct Page {
  std::vector<LiveStream> items;
  std::optional<std::string> next_cursor;  // opaque; null at the end
};

class LiveStreamRepository {
 public:
  virtual ~LiveStreamRepository() = default;
  // Inserts `stream` (id, key and playback ids already generated). kAlreadyExists on a
  // duplicate id, key or playback id.
  virtual base::Status Create(const LiveStream& stream) = 0;
  virtual base::Result<LiveStream> Get(const std::string& id) = 0;  // kNotFound
  virtual base::Result<LiveStream> GetByStreamKey(const std::string& stream_key) = 0;
  virtual base::Result<LiveStream> GetByPlaybackId(const std::string& playback_id) = 0;
  // Newest first (created_at, then id, descending). `cursor` from a previous page or empty.
  // kInvalidArgument on a malformed cursor.
  virtual base::Result<Page> List(int limit, const std::string& cursor) = 0;
  // Replaces every mutable setting of the stream with the same id (stream key, passphrase,
  // settings, metadata, playback id set) and sets updated_at_ms from `stream`. Leaves
  // `status` and `created_at_ms` alone: status belongs to the session state machine and only
  // changes through SetStatus, so an API edit never overwrites a concurrent status change.
  // kNotFound when the id is unknown; kAlreadyExists when the key or a playback id is taken.
  virtual base::Status Update(const LiveStream& stream) = 0;
  virtual base::Status SetStatus(const std::string& id, StreamStatus status,
                                 int64_t updated_at_ms) = 0;
  virtual base::Status Delete(const std::string& id) = 0;  // kNotFound

  // Transactional forms (state change + outbox events in one transaction; see NewEvent).
  virtual base::Status CreateWithEvents(const LiveStream& stream,
                                        const std::vector<NewEvent>& events) = 0;
  // Loads `id` (kNotFound), applies `mutate`, writes every field including status and the
  // playback id set, appends the events; returns the stream as written.
  virtual base::Result<LiveStream> Mutate(const std::string& id, const StreamMutation& mutate) = 0;
  // Deletes `id` (kNotFound) and appends `events(before)`; returns the stream as it was.
  virtual base::Result<LiveStream> DeleteWithEvents(const std::string& id,
                                                    const DeletionEvents& events) = 0;
  // Every stream whose status is one of `statuses` (start-up recovery; unordered).
  virtual base::Result<std::vector<LiveStream>> ListByStatus(
      const std::vector<StreamStatus>& statuses) = 0;
};

struct EventQuery {
  int64_t after_position = 0;  // exclusive
  int limit = 100;             // 1..1000
  std::string object_id;       // "" = any
  std::string type;            // "" = any
  // For the events API (GET /v1/events): a page below a cursor, newest first, several types.
  int64_t before_position = 0;     // exclusive; 0 = no upper bound
  bool newest_first = false;       // descending by position instead of ascending
  std::vector<std::string> types;  // any of these (and `type`, when set); empty = any
};

// The outbox, read side (delivery and the events API) plus appends that change no state.
class EventRepository {
 public:
  virtual ~EventRepository() = default;
  // Ascending by position (descending with `query.newest_first`).
  virtual base::Result<std::vector<StoredEvent>> List(const EventQuery& query) = 0;
  virtual base::Result<StoredEvent> Get(const std::string& id) = 0;  // kNotFound
  // Appends events that accompany no stored state change (health, refused takeover).
  virtual base::Status Append(const std::vector<NewEvent>& events) = 0;
};

struct WebhookEndpointPage {
  std::vector<WebhookEndpoint> items;
  std::optional<std::string> next_cursor;  // opaque; null at the end
};

// Webhook endpoints: CRUD for the API plus the dispatcher's persisted state
// (breaker, cursor), written back through Update.
class WebhookEndpointRepository {
 public:
  virtual ~WebhookEndpointRepository() = default;
  // Inserts `endpoint` (id and secret already generated). cursor_position kCursorAtOutboxEnd
  // starts the endpoint at the current end of the outbox (read in the same transaction).
  // kAlreadyExists on a duplicate id; kInvalidArgument on an empty filter or a ',' in a type.
  virtual base::Status Create(const WebhookEndpoint& endpoint) = 0;
  virtual base::Result<WebhookEndpoint> Get(const std::string& id) = 0;  // kNotFound
  // Newest first (created_at, then id, descending); cursor as LiveStreamRepository::List.
  virtual base::Result<WebhookEndpointPage> List(int limit, const std::string& cursor) = 0;
  // Replaces every field but id and created_at_ms (url, filter, secrets, breaker, cursor).
  // kNotFound when the id is unknown.
  virtual base::Status Update(const WebhookEndpoint& endpoint) = 0;
  // Deletes the endpoint and its deliveries. kNotFound.
  virtual base::Status Delete(const std::string& id) = 0;

  // Single-purpose atomic writes. Update writes every field from the caller's copy, so two
  // writers working from stale copies (the API rotating the secret, the dispatcher saving its
  // breaker, EnqueueFromOutbox moving the cursor) would undo each other; these touch only
  // their own columns.
  //
  // The current secret becomes previous_secret (valid until previous_expires_ms) and
  // `new_secret` signs from now on; updated_at_ms is raised to `now_ms`. Returns the endpoint
  // as written. kNotFound.
  virtual base::Result<WebhookEndpoint> RotateSecret(const std::string& id,
                                                     const std::string& new_secret,
                                                     int64_t previous_expires_ms,
                                                     int64_t now_ms) = 0;
  // Writes breaker_state, consecutive_failures and breaker_open_until_ms only. kNotFound.
  virtual base::Status SetBreakerState(const std::string& id, std::string_view breaker_state,
                                       int64_t consecutive_failures,
                                       int64_t breaker_open_until_ms) = 0;
};

struct WebhookDeliveryPage {
  std::vector<WebhookDelivery> items;
  std::optional<std::string> next_cursor;  // opaque; null at the end
};

// Webhook deliveries: one row per (event, endpoint, attempt series). Created from the outbox
// by EnqueueFromOutbox (the dispatcher) or by Redeliver (the API), then driven by the
// dispatcher through Due / OldestPendingFor / Update.
class WebhookDeliveryRepository {
 public:
  virtual ~WebhookDeliveryRepository() = default;
  // In one write transaction: scans at most `limit` outbox events after the endpoint's
  // cursor_position, creates a pending delivery (next attempt `now_ms`) for each that matches
  // its filter, and advances the cursor past every scanned event. Returns how many deliveries
  // were created. Calling it again creates nothing for the same events. kNotFound for an
  // unknown endpoint; kInvalidArgument for `limit` outside 1..1000.
  virtual base::Result<int> EnqueueFromOutbox(const std::string& endpoint_id, int limit,
                                              int64_t now_ms) = 0;
  // Pending deliveries whose next attempt is due (next_attempt_at_ms <= now_ms), ordered by
  // (endpoint_id, object_type, object_id, sequence), at most `limit` (1..1000).
  virtual base::Result<std::vector<WebhookDelivery>> Due(int64_t now_ms, int limit) = 0;
  virtual base::Result<WebhookDelivery> Get(const std::string& id) = 0;  // kNotFound
  // Writes status, attempts, last_status_code, last_error, next_attempt_at_ms,
  // updated_at_ms and succeeded_at_ms of the delivery with this id. kNotFound.
  virtual base::Status Update(const WebhookDelivery& delivery) = 0;
  // The endpoint's delivery log, newest first (created_at, then id, descending).
  virtual base::Result<WebhookDeliveryPage> List(const std::string& endpoint_id, int limit,
                                                 const std::string& cursor) = 0;
  // A new pending delivery (next attempt `now_ms`) of event `event_id` for every endpoint
  // whose filter matches its type; returns them (possibly none). kNotFound for an unknown event.
  virtual base::Result<std::vector<WebhookDelivery>> Redeliver(const std::string& event_id,
                                                               int64_t now_ms) = 0;
  // The pending delivery with the lowest sequence for this object on this endpoint, if any:
  // the dispatcher sends sequence N+1 only when N is no longer pending (ordering per object).
  virtual base::Result<std::optional<WebhookDelivery>> OldestPendingFor(
      const std::string& endpoint_id, const std::string& object_type,
      const std::string& object_id) = 0;
};

// A stored POST response for Idempotency-Key replay (docs/contract.md "REST API").
struct IdempotencyRecord {
  std::string token_id;
  std::string key;           // the Idempotency-Key header, ≤ 255 bytes
  std::string request_hash;  // hex SHA-256 of method, path and body
  int status = 0;
  std::string content_type;
  std::string location;  // Location header, may be empty
  std::string body;
  int64_t created_at_ms = 0;
  bool operator==(const IdempotencyRecord&) const = default;
};

class IdempotencyRepository {
 public:
  virtual ~IdempotencyRepository() = default;
  // The record for (token_id, key) created at or after `not_before_ms`, if any.
  virtual base::Result<std::optional<IdempotencyRecord>> Find(const std::string& token_id,
                                                              const std::string& key,
                                                              int64_t not_before_ms) = 0;
  // Inserts or replaces the record for (token_id, key).
  virtual base::Status Save(const IdempotencyRecord& record) = 0;
  // Removes records created before `before_ms`; returns how many.
  virtual base::Result<int64_t> Purge(int64_t before_ms) = 0;
};

enum class TokenScope { kAdmin, kRead };            // kRead: GET only (403 on changes)
std::string_view TokenScopeName(TokenScope scope);  // "admin" | "read"
std::optional<TokenScope> ParseTokenScope(std::string_view name);

struct AccessToken {
  std::string id;  // "tok_..."
  std::string name;
  TokenScope scope = TokenScope::kAdmin;
  std::string secret;  // only set when just created; never stored in clear
  int64_t created_at_ms = 0;
};

class TokenRepository {
 public:
  virtual ~TokenRepository() = default;
  // Generates id + secret, stores a salted hash of the secret, returns both in clear once.
  virtual base::Result<AccessToken> Create(const std::string& name, int64_t now_ms) = 0;
  virtual base::Result<AccessToken> Create(const std::string& name, TokenScope scope,
                                           int64_t now_ms) = 0;
  // Constant-time comparison of the hash. kUnauthenticated when unknown or wrong.
  virtual base::Status Verify(const std::string& id, const std::string& secret) = 0;
  // Verify, and return the token (without secret) on success.
  virtual base::Result<AccessToken> Authenticate(const std::string& id,
                                                 const std::string& secret) = 0;
  virtual base::Result<int64_t> Count() = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  virtual LiveStreamRepository& live_streams() = 0;
  virtual TokenRepository& tokens() = 0;
  virtual EventRepository& events() = 0;
  virtual IdempotencyRepository& idempotency() = 0;
  virtual WebhookEndpointRepository& webhook_endpoints() = 0;
  virtual WebhookDeliveryRepository& webhook_deliveries() = 0;
  // A cheap query proving the store answers (for /readyz).
  virtual base::Status Ping() = 0;
};

}  // namespace steadycast::store
