#pragma once
// SRT stream ID parsing (Haivision SRT "Access Control (Stream ID) Guidelines",
// docs/features/access-control.md): the caller's SRTO_STREAMID names the stream key.
//
// Accepted forms:
//   #!::r=STREAM_KEY,m=publish[,u=USER][,s=SESSION][,h=HOST][,t=stream][,other=...]
//   STREAM_KEY                        (plain: the whole stream ID is the key)
// Rules (the guidelines define the keys; the rest is our policy, noted as such):
//   - at most 512 bytes (SRTO_STREAMID's own limit); no control characters (after decoding);
//   - `#!::` content: comma-separated key=value items, no nesting. The brace form `#!:{...}`
//     and any other syntax after `#!` are refused;
//   - escapes: the guidelines define none, and stream IDs usually travel inside URLs
//     (`srt://host:port?streamid=...`), so keys and values may carry percent-escapes
//     (`%2C` for ',', `%3D` for '=', `%25` for '%'), decoded after splitting. A stream ID
//     that arrives URL-encoded as a whole (it starts with `%23`, an encoded '#') is decoded
//     once first. A malformed escape ('%' not followed by two hex digits) is a syntax error;
//   - `r` is required and non-empty; a key may appear only once (two `r=` would be
//     ambiguous); empty items (`a=1,,b=2`, a trailing ',') are ignored;
//   - `m`: `publish`; absent means publish too (policy: this server only ingests, and the
//     guidelines allow leaving `m` out when the caller is expected to send). `request`,
//     `bidirectional` and unknown modes are refused (SRT_REJX_BAD_MODE);
//   - `t`: `stream` or absent; `file`, `auth` and others are refused (SRT_REJX_NOTSUP_MEDIA);
//   - `u`, `s`, `h` and other keys (`user_*`, vendor keys) are kept or tolerated.
//
// Pure: no I/O, no allocation beyond the result (bounded by the 512-byte input).

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace steadycast::ingest::srt {

inline constexpr size_t kMaxStreamIdBytes = 512;

enum class StreamIdMode { kUnspecified, kPublish, kRequest, kBidirectional, kUnknown };

struct StreamId {
  std::string resource;  // `r`, or the whole plain stream ID: the stream key (a secret)
  StreamIdMode mode = StreamIdMode::kUnspecified;
  std::string user;                    // `u`
  std::string session;                 // `s`
  std::string host;                    // `h`
  std::string type;                    // `t` (empty when absent)
  bool access_control_syntax = false;  // `#!::` form (else plain)

  bool operator==(const StreamId&) const = default;
};

// Splits and decodes a stream ID. Errors (all kInvalidArgument): too long, control
// characters, unsupported `#!` syntax, an item without '=', an empty key, a duplicate key,
// a malformed escape, a missing or empty `r`, an empty plain stream ID.
base::Result<StreamId> ParseStreamId(std::string_view text);

// Whether a parsed stream ID may publish. A separate step from ParseStreamId (a pure syntax
// check) so that the caller can answer each case with its own SRT reject code.
enum class PublishCheck {
  kOk,
  kBadMode,          // m= request / bidirectional / unknown (SRT_REJX_BAD_MODE)
  kUnsupportedType,  // t= other than stream (SRT_REJX_NOTSUP_MEDIA)
};
PublishCheck CheckPublish(const StreamId& stream_id);

}  // namespace steadycast::ingest::srt
