#pragma once
// POST /v1/playback/beacons: QoE beacons from players (docs/contract.md "Viewer layer"; the format
// is analytics/beacon_parser.h). Anonymous: no Basic auth, so none of the /v1 middleware
// chain; instead, in this order:
//
//   per-address rate limit (own buckets "beacon:<ip>")  → 429 + Retry-After     rate_limited
//   body > ApiOptions::beacons.max_body_bytes (16 KiB)  → 413                   too_large
//   Content-Type not text/plain, JSON or absent         → 415                   invalid
//   not JSON / a field wrong (errors name the field)    → 400                   invalid
//   playback id unknown                                 → 404                   unknown_playback_id
//   signed playback id without a valid token (body
//   "token" or ?token=; ApiContext::verify_playback_token) → 403                forbidden
//   seq already seen for this view                      → 202                   duplicate
//   otherwise, folded into the ViewerAggregator         → 202                   accepted
//
// Every outcome is counted (analytics::BeaconCounters → steadycast_beacons_total{outcome}).
// sendBeacon() posts text/plain, so no CORS preflight is needed for it; fetch() with JSON from
// another origin preflights, answered by OPTIONS with 204. Every response carries
// Access-Control-Allow-Origin: * and the RateLimit-* headers. Nothing from a beacon is logged.
//
// Handlers are synchronous and thread-safe (the aggregator and counters are); they run on the
// HTTP threads.

#include "api/api.h"
#include "net/http_router.h"

namespace steadycast::api {

// Registers POST and OPTIONS /v1/playback/beacons. `ctx` must outlive `router`.
void RegisterPlaybackBeaconRoutes(net::HttpRouter& router, ApiContext& ctx);

// text/plain (what navigator.sendBeacon sends for a string), a JSON type, or none.
bool IsBeaconContentType(std::string_view content_type);

}  // namespace steadycast::api
