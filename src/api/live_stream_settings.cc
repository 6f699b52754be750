#include "api/live_stream_settings.h"

#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/json_validation.h"

namespace steadycast::api {
namespace {

using nlohmann::json;

std::optional<std::optional<std::string>> ReadPassphrase(ObjectReader& reader) {
  const json* value = reader.Member("srt_passphrase");
  if (value == nullptr) return std::nullopt;
  if (value->is_null()) return std::optional<std::string>();
  if (value->is_string()) {
    const std::string& text = value->get_ref<const std::string&>();
    if (text.size() >= kMinSrtPassphrase && text.size() <= kMaxSrtPassphrase) return {text};
  }
  reader.AddError("srt_passphrase", fmt::format("must be null or a string of {} to {} characters",
                                                kMinSrtPassphrase, kMaxSrtPassphrase));
  return std::nullopt;
}

std::optional<std::optional<int>> ReadSrtLatency(ObjectReader& reader) {
  const json* value = reader.Member("srt_latency_ms");
  if (value == nullptr) return std::nullopt;
  if (value->is_null()) return std::optional<int>();
  if (value->is_number_integer()) {
    const auto ms = value->get<int64_t>();
    if (ms >= kMinSrtLatencyMs && ms <= kMaxSrtLatencyMs) return {static_cast<int>(ms)};
  }
  reader.AddError("srt_latency_ms", fmt::format("must be null or an integer from {} to {}",
                                                kMinSrtLatencyMs, kMaxSrtLatencyMs));
  return std::nullopt;
}

// One rung: {"height":720,"video_kbps":3000}, both required, nothing else.
std::optional<json> ReadRung(const json& value, size_t index, std::vector<FieldError>& errors) {
  const std::string prefix = fmt::format("ladder[{}]", index);
  if (!value.is_object()) {
    errors.push_back({prefix, "must be an object with height and video_kbps"});
    return std::nullopt;
  }
  ObjectReader rung(value, prefix + ".", errors);
  auto height = rung.Int("height", 144, 2160);
  auto kbps = rung.Int("video_kbps", 100, 50000);
  if (!value.contains("height")) rung.AddError("height", "is required");
  if (!value.contains("video_kbps")) rung.AddError("video_kbps", "is required");
  rung.RejectUnknown();
  if (!height || !kbps) return std::nullopt;
  return json{{"height", *height}, {"video_kbps", *kbps}};
}

std::optional<std::string> ReadLadder(ObjectReader& reader, std::vector<FieldError>& errors) {
  const json* value = reader.Member("ladder");
  if (value == nullptr) return std::nullopt;
  if (value->is_string()) {
    const std::string& text = value->get_ref<const std::string&>();
    if (text == "default" || text == "passthrough") return json(text).dump();
  }
  if (!value->is_array()) {
    reader.AddError("ladder", "must be \"default\", \"passthrough\" or an array of rungs");
    return std::nullopt;
  }
  if (value->empty() || value->size() > kMaxLadderRungs) {
    reader.AddError("ladder", fmt::format("must have 1 to {} rungs", kMaxLadderRungs));
    return std::nullopt;
  }
  const size_t errors_before = errors.size();
  json rungs = json::array();
  std::set<int64_t> heights;
  for (size_t i = 0; i < value->size(); ++i) {
    auto rung = ReadRung((*value)[i], i, errors);
    if (!rung) continue;
    if (!heights.insert((*rung)["height"].get<int64_t>()).second) {
      errors.push_back({fmt::format("ladder[{}].height", i), "duplicates another rung's height"});
    }
    rungs.push_back(std::move(*rung));
  }
  if (errors.size() != errors_before) return std::nullopt;
  return rungs.dump();
}

std::optional<std::string> ReadMetadata(ObjectReader& reader) {
  const json* value = reader.Member("metadata");
  if (value == nullptr) return std::nullopt;
  if (!value->is_object()) {
    reader.AddError("metadata", "must be an object of string values");
    return std::nullopt;
  }
  if (value->size() > kMaxMetadataKeys) {
    reader.AddError("metadata", fmt::format("must have at most {} keys", kMaxMetadataKeys));
    return std::nullopt;
  }
  bool ok = true;
  for (const auto& [key, item] : value->items()) {
    const std::string field = "metadata." + key;
    if (key.empty() || key.size() > kMaxMetadataKeyBytes) {
      reader.AddError(field.substr(0, 128),
                      fmt::format("keys must be 1 to {} characters", kMaxMetadataKeyBytes));
      ok = false;
    } else if (!item.is_string() ||
               Utf8Length(item.get_ref<const std::string&>()) > kMaxMetadataValueChars) {
      reader.AddError(
          field, fmt::format("must be a string of at most {} characters", kMaxMetadataValueChars));
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return value->dump();
}

}  // namespace

SettingsParseResult ParseLiveStreamSettings(std::string_view body, SettingsMode mode) {
  SettingsParseResult result;
  json object = json::object();
  if (!body.empty()) {
    auto parsed = ParseJsonBody(body, nullptr);
    if (!parsed) {
      result.json_error = true;
      return result;
    }
    object = std::move(*parsed);
  }
  if (!object.is_object()) {
    result.errors.push_back({"", "the request body must be a JSON object"});
    return result;
  }
  LiveStreamSettings& s = result.settings;
  ObjectReader reader(object, "", result.errors);
  s.srt_passphrase = ReadPassphrase(reader);
  if (auto window = reader.Int("reconnect_window", 0, kMaxReconnectWindow)) {
    s.reconnect_window = static_cast<int>(*window);
  }
  s.srt_latency_ms = ReadSrtLatency(reader);
  s.latency_mode = reader.Enum("latency_mode", {"standard", "low"});
  s.ladder_json = ReadLadder(reader, result.errors);
  s.slate = reader.Bool("slate");
  s.takeover = reader.Enum("takeover", {"silent-only", "newest"});
  if (mode == SettingsMode::kCreate) {
    s.playback_policy = reader.Enum("playback_policy", {"public", "signed"});
  } else {
    reader.Reject("playback_policy", "can only be set when the live stream is created");
  }
  s.metadata_json = ReadMetadata(reader);
  reader.RejectUnknown();
  return result;
}

void ApplySettings(const LiveStreamSettings& settings, store::LiveStream& stream) {
  if (settings.srt_passphrase) stream.srt_passphrase = *settings.srt_passphrase;
  if (settings.reconnect_window) stream.reconnect_window = *settings.reconnect_window;
  if (settings.srt_latency_ms) stream.srt_latency_ms = settings.srt_latency_ms->value_or(0);
  if (settings.latency_mode) stream.latency_mode = *settings.latency_mode;
  if (settings.ladder_json) stream.ladder_json = *settings.ladder_json;
  if (settings.slate) stream.slate = *settings.slate;
  if (settings.takeover) stream.takeover = *settings.takeover;
  if (settings.metadata_json) stream.metadata_json = *settings.metadata_json;
}

}  // namespace steadycast::api
