#include "transcode/worker_config.h"

#include "transcode/realtime_watchdog.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>

namespace steadycast::transcode {
namespace {

using nlohmann::json;

base::Status FieldError(std::string_view path, std::string_view what) {
  return base::InvalidArgument(fmt::format("worker config: {} {}", path, what));
}

// Each reader leaves `out` unchanged when the member is absent and fails on a wrong type or
// range (nlohmann's get<> throws on a type mismatch, so the type is checked first).
base::Status ReadInt(const json& obj, const char* key, int64_t min, int64_t max, int64_t& out) {
  const auto it = obj.find(key);
  if (it == obj.end()) return base::Status::Ok();
  if (!it->is_number_integer()) return FieldError(key, "must be an integer");
  if (it->is_number_unsigned()) {
    const uint64_t v = it->get<uint64_t>();
    if (v > static_cast<uint64_t>(max)) return FieldError(key, "is out of range");
    out = static_cast<int64_t>(v);
  } else {
    out = it->get<int64_t>();
  }
  if (out < min || out > max) return FieldError(key, "is out of range");
  return base::Status::Ok();
}

template <typename T>
base::Status ReadIntAs(const json& obj, const char* key, int64_t min, int64_t max, T& out) {
  int64_t v = static_cast<int64_t>(out);
  SC_RETURN_IF_ERROR(ReadInt(obj, key, min, max, v));
  out = static_cast<T>(v);
  return base::Status::Ok();
}

base::Status ReadDouble(const json& obj, const char* key, double min, double max, double& out) {
  const auto it = obj.find(key);
  if (it == obj.end()) return base::Status::Ok();
  if (!it->is_number()) return FieldError(key, "must be a number");
  const double v = it->get<double>();
  if (!std::isfinite(v) || v < min || v > max) return FieldError(key, "is out of range");
  out = v;
  return base::Status::Ok();
}

base::Status ReadBool(const json& obj, const char* key, bool& out) {
  const auto it = obj.find(key);
  if (it == obj.end()) return base::Status::Ok();
  if (!it->is_boolean()) return FieldError(key, "must be a boolean");
  out = it->get<bool>();
  return base::Status::Ok();
}

base::Status ReadString(const json& obj, const char* key, size_t max_size, std::string& out) {
  const auto it = obj.find(key);
  if (it == obj.end()) return base::Status::Ok();
  if (!it->is_string()) return FieldError(key, "must be a string");
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max_size) return FieldError(key, "is too long");
  out = s;
  return base::Status::Ok();
}

base::Result<const json*> Object(const json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end()) return static_cast<const json*>(nullptr);
  if (!it->is_object()) return FieldError(key, "must be an object");
  return &*it;
}

json RenditionToJson(const RenditionPlan& r) {
  json j{{"name", r.name},
         {"passthrough", r.passthrough},
         {"width", r.width},
         {"height", r.height},
         {"video_kbps", r.video_kbps},
         {"maxrate_kbps", r.maxrate_kbps},
         {"bufsize_kbits", r.bufsize_kbits},
         {"frame_rate_divisor", r.frame_rate_divisor}};
  if (r.frame_rate) j["frame_rate"] = *r.frame_rate;
  return j;
}

base::Result<RenditionPlan> RenditionFromJson(const json& j) {
  if (!j.is_object()) return FieldError("renditions[]", "must be an object");
  RenditionPlan r;
  SC_RETURN_IF_ERROR(ReadString(j, "name", 32, r.name));
  if (r.name.empty()) return FieldError("name", "is required");
  for (char c : r.name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) {
      return FieldError("name", "has a character other than [A-Za-z0-9_-]");
    }
  }
  SC_RETURN_IF_ERROR(ReadBool(j, "passthrough", r.passthrough));
  SC_RETURN_IF_ERROR(ReadIntAs(j, "width", 0, 8192, r.width));
  SC_RETURN_IF_ERROR(ReadIntAs(j, "height", 0, 8192, r.height));
  SC_RETURN_IF_ERROR(ReadIntAs(j, "video_kbps", 0, 100000, r.video_kbps));
  SC_RETURN_IF_ERROR(ReadIntAs(j, "maxrate_kbps", 0, 200000, r.maxrate_kbps));
  SC_RETURN_IF_ERROR(ReadIntAs(j, "bufsize_kbits", 0, 400000, r.bufsize_kbits));
  SC_RETURN_IF_ERROR(ReadIntAs(j, "frame_rate_divisor", 1, 8, r.frame_rate_divisor));
  if (j.contains("frame_rate")) {
    double fps = 0;
    SC_RETURN_IF_ERROR(ReadDouble(j, "frame_rate", 0.1, 1000, fps));
    r.frame_rate = fps;
  }
  if (!r.passthrough && (r.width < 2 || r.height < 2 || r.video_kbps < 1)) {
    return FieldError(r.name, "transcoded rendition needs a size and a bitrate");
  }
  return r;
}

base::Status OptionsFromJson(const json& j, TranscoderOptions& o) {
  std::string latency = o.latency_mode == LatencyMode::kLow ? "low" : "standard";
  SC_RETURN_IF_ERROR(ReadString(j, "latency_mode", 16, latency));
  if (latency != "low" && latency != "standard") return FieldError("latency_mode", "is unknown");
  o.latency_mode = latency == "low" ? LatencyMode::kLow : LatencyMode::kStandard;
  SC_RETURN_IF_ERROR(ReadString(j, "preset", 16, o.preset));
  if (!o.preset.empty() && o.preset != "ultrafast" && !FasterPreset(o.preset)) {
    return FieldError("preset", "is not an x264 preset");
  }
  SC_RETURN_IF_ERROR(ReadIntAs(j, "threads_per_stream", 1, 64, o.threads_per_stream));
  SC_RETURN_IF_ERROR(ReadIntAs(j, "decoder_threads", 1, 16, o.decoder_threads));
  SC_RETURN_IF_ERROR(ReadDouble(j, "target_segment_seconds", 0.5, 30, o.target_segment_seconds));
  SC_RETURN_IF_ERROR(ReadDouble(j, "timeline_break_seconds", 1, 120, o.timeline_break_seconds));
  SC_RETURN_IF_ERROR(ReadIntAs(j, "decode_queue_frames", 1, 10000, o.decode_queue_frames));
  SC_RETURN_IF_ERROR(
      ReadIntAs(j, "decode_queue_bytes", 1024, int64_t{1} << 30, o.decode_queue_bytes));
  SC_RETURN_IF_ERROR(ReadIntAs(j, "rendition_queue_frames", 1, 256, o.rendition_queue_frames));
  SC_RETURN_IF_ERROR(ReadDouble(j, "audio_hold_seconds", 0, 60, o.audio_hold_seconds));
  SC_RETURN_IF_ERROR(ReadBool(j, "block_when_full", o.block_when_full));
  SC_RETURN_IF_ERROR(ReadIntAs(j, "sws_flags", 0, 1 << 30, o.sws_flags));
  SC_ASSIGN_OR_RETURN(const json* slate, Object(j, "slate"));
  if (slate) {
    SC_RETURN_IF_ERROR(ReadBool(*slate, "enabled", o.slate.enabled));
    SC_RETURN_IF_ERROR(ReadString(*slate, "image_path", 4096, o.slate.image_path));
    SC_RETURN_IF_ERROR(
        ReadDouble(*slate, "start_after_seconds", 0, 60, o.slate.start_after_seconds));
    SC_RETURN_IF_ERROR(ReadIntAs(*slate, "passthrough_kbps", 50, 50000, o.slate.passthrough_kbps));
  }
  SC_ASSIGN_OR_RETURN(const json* watchdog, Object(j, "watchdog"));
  if (watchdog) {
    SC_RETURN_IF_ERROR(ReadBool(*watchdog, "enabled", o.watchdog.enabled));
    SC_RETURN_IF_ERROR(
        ReadDouble(*watchdog, "window_seconds", 0.1, 600, o.watchdog.window_seconds));
    SC_RETURN_IF_ERROR(ReadDouble(*watchdog, "min_speed", 0, 100, o.watchdog.min_speed));
    SC_RETURN_IF_ERROR(
        ReadDouble(*watchdog, "cooldown_seconds", 0, 3600, o.watchdog.cooldown_seconds));
  }
  SC_ASSIGN_OR_RETURN(const json* degrader, Object(j, "degrader"));
  if (degrader) {
    DegraderOptions& d = o.degrader;
    SC_RETURN_IF_ERROR(ReadBool(*degrader, "enabled", d.enabled));
    SC_RETURN_IF_ERROR(
        ReadDouble(*degrader, "pause_after_seconds", 0, 3600, d.pause_after_seconds));
    SC_RETURN_IF_ERROR(ReadDouble(*degrader, "min_lag_seconds", 0, 3600, d.min_lag_seconds));
    SC_RETURN_IF_ERROR(
        ReadDouble(*degrader, "step_cooldown_seconds", 0, 3600, d.step_cooldown_seconds));
    SC_RETURN_IF_ERROR(ReadDouble(*degrader, "recover_speed", 0, 100, d.recover_speed));
    SC_RETURN_IF_ERROR(ReadDouble(*degrader, "recover_seconds", 0, 3600, d.recover_seconds));
    SC_RETURN_IF_ERROR(
        ReadDouble(*degrader, "max_recover_backoff", 1, 1024, d.max_recover_backoff));
    SC_RETURN_IF_ERROR(ReadDouble(*degrader, "stale_seconds", 0, 3600, d.stale_seconds));
  }
  return base::Status::Ok();
}

}  // namespace

std::string WorkerConfigToJson(const LadderPlan& plan, const TranscoderOptions& o) {
  json renditions = json::array();
  for (const RenditionPlan& r : plan.renditions) renditions.push_back(RenditionToJson(r));
  const DegraderOptions& d = o.degrader;
  json options{{"latency_mode", o.latency_mode == LatencyMode::kLow ? "low" : "standard"},
               {"preset", o.preset},
               {"threads_per_stream", o.threads_per_stream},
               {"decoder_threads", o.decoder_threads},
               {"target_segment_seconds", o.target_segment_seconds},
               {"timeline_break_seconds", o.timeline_break_seconds},
               {"decode_queue_frames", o.decode_queue_frames},
               {"decode_queue_bytes", o.decode_queue_bytes},
               {"rendition_queue_frames", o.rendition_queue_frames},
               {"audio_hold_seconds", o.audio_hold_seconds},
               {"block_when_full", o.block_when_full},
               {"sws_flags", o.sws_flags},
               {"slate",
                {{"enabled", o.slate.enabled},
                 {"image_path", o.slate.image_path},
                 {"start_after_seconds", o.slate.start_after_seconds},
                 {"passthrough_kbps", o.slate.passthrough_kbps}}},
               {"watchdog",
                {{"enabled", o.watchdog.enabled},
                 {"window_seconds", o.watchdog.window_seconds},
                 {"min_speed", o.watchdog.min_speed},
                 {"cooldown_seconds", o.watchdog.cooldown_seconds}}},
               {"degrader",
                {{"enabled", d.enabled},
                 {"pause_after_seconds", d.pause_after_seconds},
                 {"min_lag_seconds", d.min_lag_seconds},
                 {"step_cooldown_seconds", d.step_cooldown_seconds},
                 {"recover_speed", d.recover_speed},
                 {"recover_seconds", d.recover_seconds},
                 {"max_recover_backoff", d.max_recover_backoff},
                 {"stale_seconds", d.stale_seconds}}}};
  return json{{"renditions", std::move(renditions)}, {"options", std::move(options)}}.dump();
}

base::Result<WorkerConfig> WorkerConfigFromJson(std::string_view text) {
  if (text.size() > kMaxWorkerConfigBytes) return FieldError("document", "is too large");
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return FieldError("document", "is not a JSON object");
  WorkerConfig config;
  const auto renditions = j.find("renditions");
  if (renditions == j.end() || !renditions->is_array()) {
    return FieldError("renditions", "must be an array");
  }
  if (renditions->empty() || renditions->size() > 1 + kMaxLadderRungs) {
    return FieldError("renditions", "must have 1 to 9 entries");
  }
  for (const json& r : *renditions) {
    SC_ASSIGN_OR_RETURN(RenditionPlan rendition, RenditionFromJson(r));
    for (const RenditionPlan& other : config.plan.renditions) {
      if (other.name == rendition.name) return FieldError(rendition.name, "is listed twice");
    }
    config.plan.renditions.push_back(std::move(rendition));
  }
  if (config.plan.transcoded_count() == 0) {
    return FieldError("renditions", "has nothing to transcode");
  }
  SC_ASSIGN_OR_RETURN(const json* options, Object(j, "options"));
  if (options) SC_RETURN_IF_ERROR(OptionsFromJson(*options, config.options));
  return config;
}

}  // namespace steadycast::transcode
