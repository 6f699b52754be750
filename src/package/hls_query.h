#pragma once
// Delivery Directives of a media playlist request (RFC 8216bis §6.2.5, draft 22): the query
// parameters _HLS_msn and _HLS_part (Blocking Playlist Reload, §6.2.5.2) and _HLS_skip
// (Playlist Delta Updates, §6.2.5.1). Pure: parses the query text, decides nothing about
// blocking (deliver/ does, against the playlist it holds). Thread-safe (no state).
//
// Syntax accepted, everything else is an error (kInvalidArgument, the message names the
// parameter; deliver/ answers 400):
// - The query is split on '&'. Empty pieces ("", "&&", a trailing '&') are skipped.
// - Names and values are percent-decoded (RFC 3986 §2.1) before they are compared: a URI that
//   percent-encodes an unreserved character is equivalent to one that does not (RFC 3986
//   §6.2.2.2), so "_HLS_ms%6E=%31" is "_HLS_msn=1". '+' is not a space (no form encoding).
// - A piece whose decoded name is not one of the three directives is ignored, whatever it holds
//   ("token=...", a malformed escape, other "_HLS_" names such as the steering ones, §7.4).
//   Names are case-sensitive.
// - A directive needs '=' and a value. _HLS_msn and _HLS_part are decimal-integers (§4.2:
//   1 to 20 digits, no sign, no space; leading zeros allowed), at most 2^64-1 and 2^32-1;
//   _HLS_skip is "YES" or "v2" exactly. A malformed escape in a directive's value is an error.
// - Each directive at most once; _HLS_part without _HLS_msn is an error (§6.2.5.2 MUST 400).

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/status.h"

namespace steadycast::package {

struct HlsDirectives {
  std::optional<uint64_t> msn;   // _HLS_msn=M: block until segment M (or later) is listed
  std::optional<uint32_t> part;  // _HLS_part=N: ... until part N of segment M (needs msn)
  bool skip = false;             // _HLS_skip=YES: a delta update (skips old segments)
  bool skip_v2 = false;          // _HLS_skip=v2: also skips old date ranges (we have none)

  bool operator==(const HlsDirectives&) const = default;
};

// `query` is the request target's query without the '?'.
base::Result<HlsDirectives> ParseHlsDirectives(std::string_view query);

}  // namespace steadycast::package
