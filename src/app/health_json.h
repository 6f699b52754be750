#pragma once
// JSON and Prometheus renderings of a stream's link health (session::LinkHealth), shared by
// GET /v1/live-streams/{id}/health and /metrics so both always report the same figures.

#include <string>

#include <nlohmann/json.hpp>

#include "session/stream_registry.h"

namespace steadycast::app {

// {"publisher": null | {"protocol","remote_address"}, "srt": null | {latest figures...,
//  "history": [{"at": RFC 3339, "rtt_ms", "receive_rate_mbps", "packets_lost",
//  "packets_retransmitted", "packets_dropped", "receive_buffer_ms"}, ...]}}
nlohmann::json LinkHealthJson(const session::LinkHealth& health);

// Prometheus series (without HELP/TYPE headers) for every stream with SRT figures.
std::string LinkHealthMetrics(const std::map<std::string, session::LinkHealth>& all);

}  // namespace steadycast::app
