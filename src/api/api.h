#pragma once
// The REST API v1 (docs/contract.md "REST API"): registers every /v1 route plus /healthz and
// /readyz on an net::HttpRouter. Handlers are synchronous (they call the store and respond
// before returning) and run on whichever thread the HTTP server dispatches from; everything
// they share lives in ApiContext and is thread-safe.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "events/event_bus.h"
#include "net/http_router.h"
#include "session/stream_registry.h"
#include "store/store.h"

namespace steadycast::analytics {
class BeaconCounters;
class ViewerAggregator;
}  // namespace steadycast::analytics

namespace steadycast::api {

// A token bucket: `per_second` tokens refill continuously up to `burst`; a request takes one.
struct RateLimit {
  double per_second = 0;
  double burst = 0;
};

// Rate limits (docs/contract.md "Rate limits"; README documents the defaults). Authenticated
// requests are limited per access token — reads (GET/HEAD) and writes (everything else) in
// separate buckets; requests that fail authentication or need none, per client address.
struct RateLimitOptions {
  bool enabled = true;
  RateLimit reads{20, 40};
  RateLimit writes{5, 10};
  RateLimit per_address{10, 20};      // unauthenticated and failed-auth requests
  size_t max_tracked_keys = 100'000;  // buckets kept (least recently used dropped first)
};

// POST /v1/playback/beacons (playback_beacons.h): anonymous player beacons, limited per client
// address in their own buckets (a NAT of viewers shares one address; README documents the
// defaults, settings beacons.address_rate / beacons.address_burst).
struct BeaconOptions {
  size_t max_body_bytes = size_t{16} * 1024;  // larger bodies → 413
  bool rate_limits = true;
  RateLimit per_address{20, 60};
  size_t max_tracked_addresses = 100'000;  // buckets kept (least recently used dropped first)
};

struct ApiOptions {
  size_t max_body_bytes = size_t{64} * 1024;  // larger bodies → 413
  int default_page_limit = 25;                // ?limit= when absent
  int max_page_limit = 100;                   // ?limit= above → 400
  std::string realm = "steadycast";           // WWW-Authenticate: Basic realm="..."
  RateLimitOptions rate_limits;
  std::chrono::hours idempotency_ttl{24};  // Idempotency-Key records kept this long
  // Setting webhooks.allow_private: webhook URLs on private/loopback IP literals accepted.
  bool webhooks_allow_private = true;
  BeaconOptions beacons;
};

// Everything the API handlers need, owned by app/ and borrowed by the routes: it must outlive
// the router it was registered on.
struct ApiContext {
  store::Store& store;
  base::Clock& clock;  // created_at/updated_at come from WallNow(); rate limits from Now()
  // Lifecycle commands (complete, disable, enable, delete) and settings changes go through
  // the session registry so that status, events and running publishers stay consistent.
  session::StreamRegistry& sessions;
  ApiOptions options;
  // Public base URLs shown in each live stream's "ingest" object.
  std::string rtmp_base;  // "rtmp://HOST:PORT/live"
  std::string srt_base;   // "srt://HOST:PORT"; "?streamid=#!::r=KEY,m=publish" is appended
  // GET /v1/live-streams/{id}/health: ingest and link figures of the stream's publisher as a
  // JSON object (merged into the response's "data"). Empty → only id and status are reported.
  std::function<nlohmann::json(const std::string& stream_id)> stream_health;
  // GET /v1/live-streams/{id}/health/history: the stream's last `seconds` one-second health
  // samples, oldest first, as a JSON array. Empty → no samples.
  std::function<nlohmann::json(const std::string& stream_id, int seconds)> stream_health_history;
  // /readyz: true once every listener accepts connections. Empty counts as ready.
  std::function<bool()> listeners_ready;
  // Live events for GET /v1/events/stream (events/event_bus.h). Null → that route answers 503.
  events::EventBus* event_bus = nullptr;
  // POST /v1/playback/beacons: accepted beacons go to the aggregator (null → that route
  // answers 503) and every outcome is counted in beacon_counters (null → not counted).
  analytics::ViewerAggregator* viewer_aggregator = nullptr;
  analytics::BeaconCounters* beacon_counters = nullptr;
  // Whether `token` is a valid, current playback token for the signed `playback_id` (app/
  // wires deliver::PlaybackTokenVerifier here; api/ may not depend on deliver/). Empty → every
  // beacon for a signed playback id is refused.
  std::function<bool(std::string_view playback_id, std::string_view token)> verify_playback_token;
};

// Registers /healthz, /readyz and the /v1 routes. Throws only on a programming error in the
// route table (start-up).
void RegisterApiRoutes(net::HttpRouter& router, ApiContext& ctx);

}  // namespace steadycast::api
