#include "app/health_json.h"

#include <cmath>

#include <fmt/format.h>

#include "app/health_sampling.h"
#include "base/clock.h"

namespace steadycast::app {
namespace {

using nlohmann::json;

double Round(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

json Number(double value, int decimals) {
  if (decimals == 0) return json(static_cast<int64_t>(std::llround(value)));
  return json(Round(value, decimals));
}

// The numeric ingest figures, each under its JSON name and its Prometheus name: one table, so
// the health route, the history and /metrics never disagree.
struct IngestSeries {
  const char* field;
  const char* metric;
  const char* help;
  int decimals;
  std::optional<double> (*value)(const health::IngestFigures&);
};
constexpr IngestSeries kIngestSeries[] = {
    {"bitrate_kbps", "steadycast_ingest_bitrate_kbps",
     "Media bitrate arriving from the publisher (video + audio, last 4 s).", 1,
     [](const health::IngestFigures& f) -> std::optional<double> { return f.bitrate_kbps; }},
    {"fps", "steadycast_ingest_fps", "Video frames per second of media time (last 4 s).", 2,
     [](const health::IngestFigures& f) -> std::optional<double> { return f.fps; }},
    {"keyframe_interval_s", "steadycast_ingest_keyframe_interval_seconds",
     "Media time between the publisher's last two video keyframes.", 3,
     [](const health::IngestFigures& f) { return f.keyframe_interval_s; }},
    {"drift_ms", "steadycast_ingest_drift_ms",
     "How far media time lags the wall clock since the publisher's first unit (positive: "
     "media arrives late).",
     0, [](const health::IngestFigures& f) -> std::optional<double> { return f.drift_ms; }},
    {"audio_kbps", "steadycast_ingest_audio_kbps",
     "Audio bitrate arriving from the publisher (last 4 s).", 1,
     [](const health::IngestFigures& f) -> std::optional<double> { return f.audio_kbps; }},
};

json CodecJson(const std::optional<media::Codec>& codec) {
  if (!codec) return nullptr;
  switch (*codec) {
    case media::Codec::kH264:
      return "h264";
    case media::Codec::kH265:
      return "h265";
    case media::Codec::kAac:
      break;
  }
  return nullptr;
}

json Optional(const std::optional<double>& value, int decimals) {
  return value ? Number(*value, decimals) : json(nullptr);
}

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

json IngestJson(const health::IngestFigures& ingest) {
  json out = json::object();
  for (const IngestSeries& series : kIngestSeries) {
    out[series.field] = Optional(series.value(ingest), series.decimals);
  }
  const bool video = ingest.video_codec.has_value();
  out["video_codec"] = CodecJson(ingest.video_codec);
  out["width"] = video ? json(ingest.width) : json(nullptr);
  out["height"] = video ? json(ingest.height) : json(nullptr);
  return out;
}

json SrtSampleJson(const health::SrtFigures& srt) {
  return json{{"rtt_ms", Round(srt.rtt_ms, 1)},
              {"receive_rate_mbps", Round(srt.receive_rate_mbps, 3)},
              {"loss_pct", Round(srt.loss_pct, 2)},
              {"retransmit_pct", Round(srt.retransmit_pct, 2)},
              {"packets_dropped", srt.packets_dropped},
              {"receive_buffer_ms", srt.receive_buffer_ms},
              {"link_bandwidth_mbps", Round(srt.link_bandwidth_mbps, 3)}};
}

json ViewersJson(const health::ViewerFigures& viewers) {
  return json{{"current", viewers.current},
              {"startup_ms_p50", Optional(viewers.startup_ms_p50, 0)},
              {"startup_ms_p95", Optional(viewers.startup_ms_p95, 0)},
              // Unrounded: health, its history, the viewer events and /metrics agree exactly.
              {"rebuffer_ratio", viewers.rebuffer_ratio},
              {"playback_failure_ratio", viewers.playback_failure_ratio},
              {"average_kbps", viewers.average_kbps}};
}

json GuidanceJson(const health::Guidance& guidance) {
  return json{
      {"recommended_max_kbps",
       guidance.recommended_max_kbps ? json(*guidance.recommended_max_kbps) : json(nullptr)},
      {"reason", guidance.reason}};
}

std::optional<health::Guidance> GuidanceOf(const health::HealthSample& sample) {
  if (!sample.ingest) return std::nullopt;
  return health::Guide(*sample.ingest, sample.srt);
}

json HealthSampleJson(const health::HealthSample& sample) {
  json out = {{"at", base::FormatRfc3339(sample.at_ms)},
              {"status", std::string(sample.status)},
              {"ingest", sample.ingest ? IngestJson(*sample.ingest) : json(nullptr)},
              {"srt", sample.srt ? SrtSampleJson(*sample.srt) : json(nullptr)},
              {"viewers", sample.viewers ? ViewersJson(*sample.viewers) : json(nullptr)},
              {"guidance", nullptr}};
  json renditions = json::array();
  for (size_t i = 0; i < sample.rendition_count; ++i) {
    const health::RenditionSample& r = sample.renditions[i];
    renditions.push_back(
        {{"name", std::string(r.Name())},
         {"encode_speed", r.passthrough ? json(nullptr) : json(Round(r.encode_speed, 3))},
         {"frames_dropped", r.frames_dropped}});
  }
  out["renditions"] = std::move(renditions);
  if (auto guidance = GuidanceOf(sample)) out["guidance"] = GuidanceJson(*guidance);
  return out;
}

json HealthSamplesJson(const std::vector<health::HealthSample>& samples) {
  json out = json::array();
  for (const health::HealthSample& sample : samples) out.push_back(HealthSampleJson(sample));
  return out;
}

json LinkHealthJson(const session::LinkHealth& health,
                    const std::optional<health::ViewerFigures>& viewers) {
  const health::HealthSample sample = SampleOf(health, 0, viewers);
  json out = {{"publisher", nullptr},
              {"srt", nullptr},
              {"reconnect_deadline", nullptr},
              {"ingest", sample.ingest ? IngestJson(*sample.ingest) : json(nullptr)},
              {"guidance", nullptr},
              {"viewers", ViewersJson(viewers.value_or(health::ViewerFigures{}))}};
  if (auto guidance = GuidanceOf(sample)) out["guidance"] = GuidanceJson(*guidance);
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
  out["transcoder"] = {{"restarts", health.transcoder_restarts},
                       {"passthrough_only", health.transcoder_gave_up},
                       {"source_frames_dropped", health.transcoder_source_frames_dropped}};
  out["ladder_warnings"] = health.ladder_warnings;
  out["slate"] = {{"active", health.slate_active},
                  {"error", health.slate_error.empty() ? json(nullptr) : json(health.slate_error)}};
  if (!health.has_publisher) return out;
  out["publisher"] = {{"protocol", health.protocol}, {"remote_address", health.remote_address}};
  if (health.history.empty()) return out;
  json srt = LatestJson(health.history.back().second);
  srt["sampled_at"] = base::FormatRfc3339(health.history.back().first);
  if (sample.srt) {
    srt["loss_pct"] = Round(sample.srt->loss_pct, 2);
    srt["retransmit_pct"] = Round(sample.srt->retransmit_pct, 2);
  }
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
  out +=
      "# HELP steadycast_stream_transcoder_restarts_total Transcoder worker processes started "
      "again after a crash, hang or failure (this broadcast).\n# TYPE "
      "steadycast_stream_transcoder_restarts_total counter\n";
  for (const auto& [id, health] : all) {
    if (health.renditions.empty()) continue;
    out += fmt::format("steadycast_stream_transcoder_restarts_total{{live_stream_id=\"{}\"}} {}\n",
                       id, health.transcoder_restarts);
  }
  out +=
      "# HELP steadycast_stream_transcoder_source_frames_dropped_total Source video frames not "
      "sent to a transcoder worker that fell behind (this broadcast).\n# TYPE "
      "steadycast_stream_transcoder_source_frames_dropped_total counter\n";
  for (const auto& [id, health] : all) {
    if (health.renditions.empty()) continue;
    out += fmt::format(
        "steadycast_stream_transcoder_source_frames_dropped_total{{live_stream_id=\"{}\"}} {}\n",
        id, health.transcoder_source_frames_dropped);
  }
  for (const auto& series : kSeries) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", series.name, series.help, series.name,
                       series.type);
    for (const auto& [id, health] : all) {
      if (health.history.empty()) continue;
      out += fmt::format("{}{{live_stream_id=\"{}\"}} {}\n", series.name, id,
                         series.value(health.history.back().second));
    }
  }
  out += IngestMetrics(all);
  out += RenditionMetrics(all);
  return out;
}

std::string IngestMetrics(const std::map<std::string, session::LinkHealth>& all) {
  std::string out;
  for (const IngestSeries& series : kIngestSeries) {
    out +=
        fmt::format("# HELP {} {}\n# TYPE {} gauge\n", series.metric, series.help, series.metric);
    for (const auto& [id, health] : all) {
      if (!health.ingest) continue;
      if (const auto value = series.value(*health.ingest)) {
        out += fmt::format("{}{{live_stream_id=\"{}\"}} {}\n", series.metric, id,
                           Round(*value, series.decimals));
      }
    }
  }
  out +=
      "# HELP steadycast_guidance_recommended_max_kbps Encoder guidance: the highest video "
      "bitrate the publisher's link carries with margin.\n"
      "# TYPE steadycast_guidance_recommended_max_kbps gauge\n";
  for (const auto& [id, health] : all) {
    const auto guidance = GuidanceOf(SampleOf(health, 0, std::nullopt));
    if (guidance && guidance->recommended_max_kbps) {
      out += fmt::format("steadycast_guidance_recommended_max_kbps{{live_stream_id=\"{}\"}} {}\n",
                         id, *guidance->recommended_max_kbps);
    }
  }
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
