#pragma once
// The live stream record as stored. JSON-shaped settings (ladder, metadata) are kept as JSON
// text so that the store stays independent of how the API models them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace steadycast::store {

enum class StreamStatus { kIdle, kActive, kReconnecting, kDisabled };
std::string_view StreamStatusName(StreamStatus status);  // "idle", "active", ...
std::optional<StreamStatus> ParseStreamStatus(std::string_view name);

struct PlaybackId {
  std::string id;                 // "pb_..."
  std::string policy = "public";  // "public" | "signed"
  bool operator==(const PlaybackId&) const = default;
};

struct LiveStream {
  std::string id;  // "ls_..."
  StreamStatus status = StreamStatus::kIdle;
  std::string stream_key;                     // secret
  std::optional<std::string> srt_passphrase;  // secret
  int reconnect_window = 60;
  int srt_latency_ms = 0;  // SRT receive latency for this stream; 0 = the server's default
  std::string latency_mode = "standard";
  std::string ladder_json = "\"default\"";
  bool slate = true;
  std::string takeover = "silent-only";
  std::vector<PlaybackId> playback_ids;
  std::string metadata_json = "{}";
  int64_t created_at_ms = 0;  // unix ms
  int64_t updated_at_ms = 0;
  bool operator==(const LiveStream&) const = default;
};

}  // namespace steadycast::store
