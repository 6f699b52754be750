#pragma once
// The pure half of `steadycast streams` (streams_command.h): turning create/update flags into
// the API's JSON body, and the API's JSON into readable text (an aligned table for lists,
// key/value rows for one live stream, RFC 9457 problems as one line plus field errors). No
// I/O; thread-safe. Field names follow docs/contract.md "Live stream object"; fields the API adds
// later are shown as extra rows rather than dropped.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace steadycast::app {

// create/update flags; unset members are left out of the request body.
struct StreamSettingsFlags {
  std::string body;  // --body JSON object; the other flags override its fields
  std::optional<int> reconnect_window;
  std::optional<std::string> srt_passphrase;
  bool no_srt_passphrase = false;
  std::optional<std::string> srt_latency_ms;  // integer, or "default" (null: server default)
  std::optional<std::string> latency_mode;
  std::optional<std::string> ladder;  // "default" | "passthrough" | JSON array of rungs
  bool slate = false;
  bool no_slate = false;
  std::optional<std::string> takeover;
  std::optional<std::string> playback_policy;  // create only
  std::vector<std::string> metadata;           // KEY=VALUE, repeatable (replaces the map)
};

// The JSON body for POST (create) / PATCH (update). kInvalidArgument for a malformed --body,
// --ladder, --srt-latency-ms or --metadata (a usage error); value ranges are the server's job.
base::Result<nlohmann::json> BuildSettingsBody(const StreamSettingsFlags& flags);

// Parses JSON from the server or the command line without exceptions. Discarded
// (is_discarded()) when invalid or nested deeper than kMaxJsonDepth: formatting and dumping
// recurse, so a hostile server must not be able to exhaust the stack.
inline constexpr int kMaxJsonDepth = 64;
nlohmann::json ParseJsonLimited(std::string_view text);

// Human-readable output.
std::string FormatStreamTable(const nlohmann::json& streams);
std::string FormatStreamDetails(const nlohmann::json& stream, const std::string& base_url);
// "409 Conflict: detail" plus one "  field: message" line per field error; any non-problem
// body is shown (shortened) as it is.
std::string FormatProblem(int status, std::string_view body);

}  // namespace steadycast::app
