#include "app/health_json.h"

#include <fmt/format.h>

#include "base/clock.h"

namespace steadycast::app {
namespace {

using nlohmann::json;

json LatestJson(const media::LinkStats& s) {
  return json{{"rtt_ms", s.rtt_ms},
              {"receive_rate_mbps", s.receive_rate_mbps},
              {"link_bandwidth_mbps", s.link_bandwidth_mbps},
              {"packets_received", s.packets_received},
              {"packets_lost", s.packets_lost},
              {"packets_retransmitted", s.packets_retransmitted},
              {"packets_dropped", s.packets_dropped},
              {"packets_belated", s.packets_belated},
              {"packets_undecrypted", s.packets_undecrypted},
              {"bytes_received", s.bytes_received},
              {"receive_buffer_ms", s.receive_buffer_ms},
              {"flight_size", s.flight_size},
              {"latency_ms", s.latency_ms},
              {"connected_ms", s.connected_ms}};
}

}  // namespace

json LinkHealthJson(const session::LinkHealth& health) {
  json out = {{"publisher", nullptr}, {"srt", nullptr}, {"reconnect_deadline", nullptr}};
  if (health.reconnect_deadline_ms) {
    out["reconnect_deadline"] = base::FormatRfc3339(*health.reconnect_deadline_ms);
  }
  json renditions = json::array();
  for (const auto& r : health.renditions) {
    json item = {{"name", r.name},
                 {"passthrough", r.passthrough},
                 {"width", r.width},
                 {"height", r.height},
                 {"segments", r.segments},
                 {"bandwidth", r.peak_bandwidth},
                 {"average_bandwidth", r.average_bandwidth}};
    item["paused"] = r.paused;
    if (!r.passthrough) {
      item["video_kbps"] = r.video_kbps;
      item["frames_out"] = r.frames_out;
      item["frames_dropped"] = r.frames_dropped;
      item["encode_speed"] = r.encode_speed;
      if (!r.preset.empty()) item["preset"] = r.preset;
    }
    renditions.push_back(std::move(item));
  }
  out["renditions"] = std::move(renditions);
  out["degradation"] = {
      {"status", health.degradation.level > 0 ? "degraded" : "healthy"},
      {"level", health.degradation.level},
      {"reason",
       health.degradation.reason.empty() ? json(nullptr) : json(health.degradation.reason)},
      {"paused_renditions", health.degradation.paused_renditions}};
  out["ladder_warnings"] = health.ladder_warnings;
  out["slate"] = {{"active", health.slate_active},
                  {"error", health.slate_error.empty() ? json(nullptr) : json(health.slate_error)}};
  if (!health.has_publisher) return out;
  out["publisher"] = {{"protocol", health.protocol}, {"remote_address", health.remote_address}};
  if (health.history.empty()) return out;
  json srt = LatestJson(health.history.back().second);
  srt["sampled_at"] = base::FormatRfc3339(health.history.back().first);
  json history = json::array();
  for (const auto& [at_ms, s] : health.history) {
    history.push_back({{"at", base::FormatRfc3339(at_ms)},
                       {"rtt_ms", s.rtt_ms},
                       {"receive_rate_mbps", s.receive_rate_mbps},
                       {"packets_lost", s.packets_lost},
                       {"packets_retransmitted", s.packets_retransmitted},
                       {"packets_dropped", s.packets_dropped},
                       {"receive_buffer_ms", s.receive_buffer_ms}});
  }
  srt["history"] = std::move(history);
  out["srt"] = std::move(srt);
  return out;
}

std::string LinkHealthMetrics(const std::map<std::string, session::LinkHealth>& all) {
  struct Series {
    const char* name;
    const char* type;
    const char* help;
    double (*value)(const media::LinkStats&);
  };
  static const Series kSeries[] = {
      {"steadycast_srt_rtt_milliseconds", "gauge", "SRT smoothed round-trip time.",
       [](const media::LinkStats& s) { return s.rtt_ms; }},
      {"steadycast_srt_receive_rate_mbps", "gauge", "SRT receive rate over the last second.",
       [](const media::LinkStats& s) { return s.receive_rate_mbps; }},
      {"steadycast_srt_link_bandwidth_mbps", "gauge", "SRT estimated link bandwidth.",
       [](const media::LinkStats& s) { return s.link_bandwidth_mbps; }},
      {"steadycast_srt_packets_received_total", "counter", "SRT packets received.",
       [](const media::LinkStats& s) { return static_cast<double>(s.packets_received); }},
      {"steadycast_srt_packets_lost_total", "counter", "SRT packets detected lost.",
       [](const media::LinkStats& s) { return static_cast<double>(s.packets_lost); }},
      {"steadycast_srt_packets_retransmitted_total", "counter",
       "SRT retransmitted packets received.",
       [](const media::LinkStats& s) { return static_cast<double>(s.packets_retransmitted); }},
      {"steadycast_srt_packets_dropped_total", "counter",
       "SRT packets never recovered in time (unrecovered loss).",
       [](const media::LinkStats& s) { return static_cast<double>(s.packets_dropped); }},
      {"steadycast_srt_packets_belated_total", "counter", "SRT packets that arrived too late.",
       [](const media::LinkStats& s) { return static_cast<double>(s.packets_belated); }},
      {"steadycast_srt_receive_buffer_milliseconds", "gauge", "SRT media buffered at the receiver.",
       [](const media::LinkStats& s) { return static_cast<double>(s.receive_buffer_ms); }},
      {"steadycast_srt_flight_size_packets", "gauge", "SRT packets in flight.",
       [](const media::LinkStats& s) { return static_cast<double>(s.flight_size); }},
  };
  std::string out;
  for (const auto& series : kSeries) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", series.name, series.help, series.name,
                       series.type);
    for (const auto& [id, health] : all) {
      if (health.history.empty()) continue;
      out += fmt::format("{}{{live_stream_id=\"{}\"}} {}\n", series.name, id,
                         series.value(health.history.back().second));
    }
  }
  out += RenditionMetrics(all);
  return out;
}

std::string RenditionMetrics(const std::map<std::string, session::LinkHealth>& all) {
  using Rendition = session::LinkHealth::Rendition;
  struct Series {
    const char* name;
    const char* type;
    const char* help;
    bool transcoded_only;
    double (*value)(const Rendition&);
  };
  static const Series kSeries[] = {
      {"steadycast_rendition_bandwidth_bits", "gauge",
       "Measured peak bitrate of a rendition (the master playlist's BANDWIDTH).", false,
       [](const Rendition& r) { return static_cast<double>(r.peak_bandwidth); }},
      {"steadycast_rendition_segments_total", "counter", "Media segments published.", false,
       [](const Rendition& r) { return static_cast<double>(r.segments); }},
      {"steadycast_rendition_frames_dropped_total", "counter",
       "Frames a transcoded rendition dropped (encoder behind).", true,
       [](const Rendition& r) { return static_cast<double>(r.frames_dropped); }},
      {"steadycast_rendition_encode_speed", "gauge",
       "Media seconds encoded per busy wall second (below 1: cannot keep up alone).", true,
       [](const Rendition& r) { return r.encode_speed; }},
  };
  std::string out =
      "# HELP steadycast_stream_degradation_level Transcoder degradation: 0 normal, 1 faster "
      "x264 presets, 2+ renditions paused.\n# TYPE steadycast_stream_degradation_level gauge\n";
  for (const auto& [id, health] : all) {
    if (health.renditions.empty()) continue;
    out += fmt::format("steadycast_stream_degradation_level{{live_stream_id=\"{}\"}} {}\n", id,
                       health.degradation.level);
  }
  for (const auto& series : kSeries) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", series.name, series.help, series.name,
                       series.type);
    for (const auto& [id, health] : all) {
      for (const Rendition& r : health.renditions) {
        if (series.transcoded_only && r.passthrough) continue;
        out += fmt::format("{}{{live_stream_id=\"{}\",rendition=\"{}\"}} {}\n", series.name, id,
                           r.name, series.value(r));
      }
    }
  }
  return out;
}

}  // namespace steadycast::app
