#pragma once
// Webhook endpoint and delivery records as stored (docs/contract.md "Webhook endpoints",
// "Webhook delivery"). Plain values: the repositories in store.h read and write them, the API
// shows them, and the dispatcher (events/) drives the delivery state machine and persists the
// endpoint's circuit-breaker state here so a restart resumes exactly where it stopped.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace steadycast::store {

// Breaker states (the per-endpoint circuit breaker).
inline constexpr std::string_view kBreakerClosed = "closed";
inline constexpr std::string_view kBreakerOpen = "open";
inline constexpr std::string_view kBreakerHalfOpen = "half_open";

// Delivery states: pending (waiting for its next attempt), succeeded, failed (retries gave up;
// visible in the delivery log and redeliverable).
inline constexpr std::string_view kDeliveryPending = "pending";
inline constexpr std::string_view kDeliverySucceeded = "succeeded";
inline constexpr std::string_view kDeliveryFailed = "failed";

// cursor_position for WebhookEndpointRepository::Create meaning "the current end of the
// outbox": a new endpoint receives the events written after it was created, not the history.
inline constexpr int64_t kCursorAtOutboxEnd = -1;

// The event filter entry that matches every type.
inline constexpr std::string_view kAllEvents = "*";

struct WebhookEndpoint {
  std::string id;  // "we_..."
  std::string url;
  std::vector<std::string> events;  // {"*"} or event types; 1..64 entries, no ',' inside
  std::string secret;               // signing secret (HMAC-SHA256 key)
  // During a rotation the old secret keeps signing too, until it expires.
  std::optional<std::string> previous_secret;
  int64_t previous_secret_expires_ms = 0;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  // Dispatcher state.
  std::string breaker_state = std::string(kBreakerClosed);
  int64_t consecutive_failures = 0;
  int64_t breaker_open_until_ms = 0;
  // Outbox position up to which deliveries were created for this endpoint (inclusive).
  int64_t cursor_position = 0;
  bool operator==(const WebhookEndpoint&) const = default;
};

struct WebhookDelivery {
  std::string id;  // "whd_..."
  std::string endpoint_id;
  std::string event_id;
  int64_t event_position = 0;
  std::string object_type;
  std::string object_id;
  int64_t sequence = 0;  // the event's per-object sequence (ordering per object)
  std::string status = std::string(kDeliveryPending);
  int64_t attempts = 0;
  int64_t last_status_code = 0;  // 0: no HTTP response yet (or a connection error)
  std::string last_error;        // "" when none
  int64_t next_attempt_at_ms = 0;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  int64_t succeeded_at_ms = 0;  // 0 until succeeded
  bool operator==(const WebhookDelivery&) const = default;
};

// Whether an endpoint with event filter `filter` wants events of `type`.
bool EventFilterMatches(const std::vector<std::string>& filter, std::string_view type);

}  // namespace steadycast::store
