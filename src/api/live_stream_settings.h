#pragma once
// The client-settable fields of a live stream (docs/contract.md "Live streams"), parsed and
// validated from a POST or PATCH body, and applied to a store::LiveStream. Pure: no store, no
// clock; thread-safe. Unset fields leave the stream's value alone (defaults on create).
//
// Rules: reconnect_window integer 0–1800; srt_latency_ms null or integer 20–10000; srt_passphrase
// null or 10–79 bytes (libsrt's limits); latency_mode "standard" | "low"; ladder "default" |
// "passthrough" | 1–8 rungs of {height 144–2160, video_kbps 100–50000} with distinct heights; slate
// bool; takeover "silent-only" | "newest"; playback_policy "public" | "signed" (create only);
// metadata an object of ≤ 16 keys (1–64 bytes) with string values of ≤ 255 characters. Unknown
// fields are errors.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/problem.h"
#include "store/live_stream.h"

namespace steadycast::api {

inline constexpr int kMaxReconnectWindow = 1800;
inline constexpr size_t kMinSrtPassphrase = 10;
inline constexpr size_t kMaxSrtPassphrase = 79;
inline constexpr int kMinSrtLatencyMs = 20;
inline constexpr int kMaxSrtLatencyMs = 10000;
inline constexpr size_t kMaxLadderRungs = 8;
inline constexpr size_t kMaxMetadataKeys = 16;
inline constexpr size_t kMaxMetadataKeyBytes = 64;
inline constexpr size_t kMaxMetadataValueChars = 255;

enum class SettingsMode { kCreate, kUpdate };

struct LiveStreamSettings {
  // Outer optional: present in the body; inner: JSON null (no encryption) or the passphrase.
  std::optional<std::optional<std::string>> srt_passphrase;
  std::optional<int> reconnect_window;
  // Outer optional: present; inner: null (the server's default) or milliseconds 20–10000.
  std::optional<std::optional<int>> srt_latency_ms;
  std::optional<std::string> latency_mode;
  std::optional<std::string> ladder_json;  // canonical JSON text, as stored
  std::optional<bool> slate;
  std::optional<std::string> takeover;
  std::optional<std::string> playback_policy;  // kCreate only
  std::optional<std::string> metadata_json;    // canonical JSON text, as stored
};

struct SettingsParseResult {
  LiveStreamSettings settings;
  bool json_error = false;         // the body is not JSON at all → 400 invalid-json
  std::vector<FieldError> errors;  // validation failures → 400 invalid-request
  bool ok() const { return !json_error && errors.empty(); }
};

// `body` may be empty (same as "{}"). It must be a JSON object otherwise.
SettingsParseResult ParseLiveStreamSettings(std::string_view body, SettingsMode mode);

// Copies every set field except playback_policy onto `stream`.
void ApplySettings(const LiveStreamSettings& settings, store::LiveStream& stream);

}  // namespace steadycast::api
