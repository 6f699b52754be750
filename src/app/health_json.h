#pragma once
// JSON and Prometheus renderings of a stream's link health (session::LinkHealth), shared by
// GET /v1/live-streams/{id}/health and /metrics so both always report the same figures.

#include <string>

#include <nlohmann/json.hpp>

#include "session/stream_registry.h"

namespace steadycast::app {

// {"reconnect_deadline": null | RFC 3339, "renditions": [{name, passthrough, width, height,
//  segments, bandwidth, average_bandwidth, (transcoded:) video_kbps, frames_out,
//  frames_dropped, encode_speed}], "ladder_warnings": [...],
//  "publisher": null | {"protocol","remote_address"}, "srt": null | {latest figures...,
//  "history": [{"at": RFC 3339, "rtt_ms", "receive_rate_mbps", "packets_lost",
//  "packets_retransmitted", "packets_dropped", "receive_buffer_ms"}, ...]}}
nlohmann::json LinkHealthJson(const session::LinkHealth& health);

// Prometheus series for every stream with SRT figures, then the rendition series.
std::string LinkHealthMetrics(const std::map<std::string, session::LinkHealth>& all);
// Per-rendition series (bandwidth, segments; for transcoded rungs dropped frames and encode
// speed), labelled live_stream_id and rendition.
std::string RenditionMetrics(const std::map<std::string, session::LinkHealth>& all);

}  // namespace steadycast::app
