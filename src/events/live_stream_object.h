#pragma once
// The live stream object (docs/contract.md "Live stream object") in its two shapes:
// - LiveStreamPublicJson: without secrets (no stream_key, srt_passphrase or ingest URLs; an
//   "srt_encrypted" flag instead) — what event payloads and logs may carry.
// - LiveStreamToJson: the full object for authenticated API responses (adds the secrets and
//   the ingest URLs, which embed the key).
// Pure; thread-safe.

#include <string>

#include <nlohmann/json.hpp>

#include "store/live_stream.h"

namespace steadycast::events {

struct IngestBases {
  std::string rtmp;  // "rtmp://HOST:PORT/live"
  std::string srt;   // "srt://HOST:PORT"
};

// The SRT publish URL for `stream_key`: srt_base + "?streamid=#!::r=KEY,m=publish".
std::string SrtIngestUrl(const std::string& srt_base, const std::string& stream_key);

nlohmann::json LiveStreamPublicJson(const store::LiveStream& stream);
nlohmann::json LiveStreamToJson(const store::LiveStream& stream, const IngestBases& ingest);

}  // namespace steadycast::events
