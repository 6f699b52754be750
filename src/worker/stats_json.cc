#include "worker/stats_json.h"

#include <nlohmann/json.hpp>

namespace steadycast::worker {
namespace {

using nlohmann::json;

template <typename T>
void Get(const json& j, const char* key, T& out) {
  const auto it = j.find(key);
  if (it == j.end()) return;
  if constexpr (std::is_same_v<T, bool>) {
    if (it->is_boolean()) out = it->get<bool>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (it->is_string()) out = it->get<std::string>().substr(0, 1024);
  } else if constexpr (std::is_floating_point_v<T>) {
    if (it->is_number()) out = it->get<T>();
  } else {
    if (it->is_number_unsigned()) out = static_cast<T>(it->get<uint64_t>());
  }
}

void GetStrings(const json& j, const char* key, std::vector<std::string>& out) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return;
  out.clear();
  for (const json& v : *it) {
    if (v.is_string() && out.size() < 16) out.push_back(v.get<std::string>().substr(0, 64));
  }
}

}  // namespace

std::string StatsToJson(const transcode::TranscoderStats& s) {
  json renditions = json::array();
  for (const auto& r : s.renditions) {
    renditions.push_back({{"name", r.name},
                          {"passthrough", r.passthrough},
                          {"frames_in", r.frames_in},
                          {"frames_out", r.frames_out},
                          {"frames_dropped", r.frames_dropped},
                          {"idr_dropped", r.idr_dropped},
                          {"keyframes_out", r.keyframes_out},
                          {"audio_out", r.audio_out},
                          {"errors", r.errors},
                          {"encode_speed", r.encode_speed},
                          {"realtime_speed", r.realtime_speed},
                          {"preset", r.preset},
                          {"degradations", r.degradations},
                          {"paused", r.paused},
                          {"frames_skipped", r.frames_skipped}});
  }
  const auto& d = s.degradation;
  return json{{"video_in", s.video_in},
              {"audio_in", s.audio_in},
              {"source_dropped", s.source_dropped},
              {"decoded_frames", s.decoded_frames},
              {"decode_errors", s.decode_errors},
              {"forced_idrs", s.forced_idrs},
              {"holding", s.holding},
              {"slate_active", s.slate_active},
              {"slate_pictures", s.slate_pictures},
              {"holds", s.holds},
              {"slate_error", s.slate_error},
              {"degradation",
               {{"level", d.level > 0 ? static_cast<uint64_t>(d.level) : 0},
                {"reason", d.reason},
                {"paused", d.paused},
                {"presets", d.presets}}},
              {"renditions", std::move(renditions)}}
      .dump();
}

base::Result<transcode::TranscoderStats> StatsFromJson(std::string_view text) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return base::InvalidArgument("stats: not an object");
  transcode::TranscoderStats s;
  Get(j, "video_in", s.video_in);
  Get(j, "audio_in", s.audio_in);
  Get(j, "source_dropped", s.source_dropped);
  Get(j, "decoded_frames", s.decoded_frames);
  Get(j, "decode_errors", s.decode_errors);
  Get(j, "forced_idrs", s.forced_idrs);
  Get(j, "holding", s.holding);
  Get(j, "slate_active", s.slate_active);
  Get(j, "slate_pictures", s.slate_pictures);
  Get(j, "holds", s.holds);
  Get(j, "slate_error", s.slate_error);
  if (const auto d = j.find("degradation"); d != j.end() && d->is_object()) {
    uint64_t level = 0;
    Get(*d, "level", level);
    s.degradation.level = static_cast<int>(std::min<uint64_t>(level, 64));
    Get(*d, "reason", s.degradation.reason);
    GetStrings(*d, "paused", s.degradation.paused);
    GetStrings(*d, "presets", s.degradation.presets);
  }
  if (const auto rs = j.find("renditions"); rs != j.end() && rs->is_array()) {
    for (const json& rj : *rs) {
      if (!rj.is_object() || s.renditions.size() >= 16) continue;
      transcode::RenditionStats r;
      Get(rj, "name", r.name);
      Get(rj, "passthrough", r.passthrough);
      Get(rj, "frames_in", r.frames_in);
      Get(rj, "frames_out", r.frames_out);
      Get(rj, "frames_dropped", r.frames_dropped);
      Get(rj, "idr_dropped", r.idr_dropped);
      Get(rj, "keyframes_out", r.keyframes_out);
      Get(rj, "audio_out", r.audio_out);
      Get(rj, "errors", r.errors);
      Get(rj, "encode_speed", r.encode_speed);
      Get(rj, "realtime_speed", r.realtime_speed);
      Get(rj, "preset", r.preset);
      Get(rj, "degradations", r.degradations);
      Get(rj, "paused", r.paused);
      Get(rj, "frames_skipped", r.frames_skipped);
      s.renditions.push_back(std::move(r));
    }
  }
  return s;
}

}  // namespace steadycast::worker
