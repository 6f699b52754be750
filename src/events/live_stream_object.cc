#include "events/live_stream_object.h"

#include "base/clock.h"
#include "base/log.h"

namespace steadycast::events {
namespace {

using nlohmann::json;

// ladder_json / metadata_json were canonicalised by the API before they were stored; a row
// that no longer parses (hand-edited database) is shown with the fallback instead of failing
// every listing that contains it.
json ParseStored(const std::string& text, const json& fallback, const std::string& id,
                 const char* what) {
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!value.is_discarded()) return value;
  SC_LOG_WARN("live stream {} has unparsable stored {}", id, what);
  return fallback;
}

}  // namespace

std::string SrtIngestUrl(const std::string& srt_base, const std::string& stream_key) {
  return srt_base + "?streamid=#!::r=" + stream_key + ",m=publish";
}

json LiveStreamPublicJson(const store::LiveStream& stream) {
  json playback_ids = json::array();
  for (const store::PlaybackId& pb : stream.playback_ids) {
    playback_ids.push_back({{"id", pb.id}, {"policy", pb.policy}});
  }
  return json{
      {"id", stream.id},
      {"status", store::StreamStatusName(stream.status)},
      {"srt_encrypted", stream.srt_passphrase.has_value()},
      {"reconnect_window", stream.reconnect_window},
      {"srt_latency_ms", stream.srt_latency_ms > 0 ? json(stream.srt_latency_ms) : json(nullptr)},
      {"latency_mode", stream.latency_mode},
      {"ladder", ParseStored(stream.ladder_json, "default", stream.id, "ladder")},
      {"slate", stream.slate},
      {"takeover", stream.takeover},
      {"playback_ids", std::move(playback_ids)},
      {"metadata", ParseStored(stream.metadata_json, json::object(), stream.id, "metadata")},
      {"created_at", base::FormatRfc3339(stream.created_at_ms)},
      {"updated_at", base::FormatRfc3339(stream.updated_at_ms)},
  };
}

json LiveStreamToJson(const store::LiveStream& stream, const IngestBases& ingest) {
  json object = LiveStreamPublicJson(stream);
  object.erase("srt_encrypted");
  object["stream_key"] = stream.stream_key;
  object["srt_passphrase"] = stream.srt_passphrase ? json(*stream.srt_passphrase) : json(nullptr);
  object["ingest"] = {
      {"rtmp", ingest.rtmp},
      {"srt",
       ingest.srt.empty() ? json(nullptr) : json(SrtIngestUrl(ingest.srt, stream.stream_key))}};
  return object;
}

}  // namespace steadycast::events
