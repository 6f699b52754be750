#pragma once
// JSON and Prometheus renderings of a stream's health (session::LinkHealth and the
// health::HealthSample made from it), shared by GET /v1/live-streams/{id}/health, its
// /history and /metrics so all of them always report the same figures.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "health/guidance.h"
#include "health/health_history.h"
#include "health/viewer_figures.h"
#include "session/stream_registry.h"

namespace steadycast::app {

// {"bitrate_kbps", "fps", "keyframe_interval_s" (null until two keyframes), "drift_ms",
//  "audio_kbps", "video_codec" ("h264"|"h265"|null), "width", "height" (null without video)}
nlohmann::json IngestJson(const health::IngestFigures& ingest);
// {"rtt_ms", "receive_rate_mbps", "loss_pct", "retransmit_pct", "packets_dropped",
//  "receive_buffer_ms", "link_bandwidth_mbps"}
nlohmann::json SrtSampleJson(const health::SrtFigures& srt);
// {"current", "startup_ms_p50" (null when absent), "startup_ms_p95", "rebuffer_ratio",
//  "playback_failure_ratio", "average_kbps"}
nlohmann::json ViewersJson(const health::ViewerFigures& viewers);
// {"recommended_max_kbps": N|null, "reason"}
nlohmann::json GuidanceJson(const health::Guidance& guidance);
// The guidance for a sample with a publisher (health::Guide); nullopt without one.
std::optional<health::Guidance> GuidanceOf(const health::HealthSample& sample);
// One history sample: {"at", "status", "ingest": {...}|null, "srt": {...}|null,
//  "renditions": [{"name", "encode_speed" (null for passthrough), "frames_dropped"}],
//  "viewers": {...}|null, "guidance": {...}|null}
nlohmann::json HealthSampleJson(const health::HealthSample& sample);
// A JSON array of HealthSampleJson, in the given order.
nlohmann::json HealthSamplesJson(const std::vector<health::HealthSample>& samples);

// {"reconnect_deadline": null | RFC 3339, "renditions": [{name, passthrough, width, height,
//  segments, bandwidth, average_bandwidth, (transcoded:) video_kbps, frames_out,
//  frames_dropped, encode_speed}], "ladder_warnings": [...],
//  "publisher": null | {"protocol","remote_address"}, "srt": null | {latest figures...,
//  "loss_pct", "retransmit_pct" (over the last 5 s),
//  "history": [{"at": RFC 3339, "rtt_ms", "receive_rate_mbps", "packets_lost",
//  "packets_retransmitted", "packets_dropped", "receive_buffer_ms"}, ...]},
//  "ingest": null | IngestJson, "guidance": null | GuidanceJson, "viewers": ViewersJson}
// `viewers`: nullopt → zeros and nulls (nothing measures viewers, or none watched).
nlohmann::json LinkHealthJson(const session::LinkHealth& health,
                              const std::optional<health::ViewerFigures>& viewers);

// Prometheus series for every stream with SRT figures, then the ingest, guidance and
// rendition series.
std::string LinkHealthMetrics(const std::map<std::string, session::LinkHealth>& all);
// steadycast_ingest_{bitrate_kbps,fps,keyframe_interval_seconds,drift_ms,audio_kbps} and
// steadycast_guidance_recommended_max_kbps per live_stream_id (the same figures as the JSON).
std::string IngestMetrics(const std::map<std::string, session::LinkHealth>& all);
// Per-rendition series (bandwidth, segments; for transcoded rungs dropped frames and encode
// speed), labelled live_stream_id and rendition.
std::string RenditionMetrics(const std::map<std::string, session::LinkHealth>& all);

}  // namespace steadycast::app
