#pragma once
// The live stream object of the API (CONTRACT.md "Live stream object") built from a stored
// store::LiveStream. Includes the secrets (stream_key, srt_passphrase): this shape is only for
// authenticated API responses, never for events or logs. Pure; thread-safe.

#include <string>

#include <nlohmann/json.hpp>

#include "store/live_stream.h"

namespace steadycast::api {

struct IngestBases {
  std::string rtmp;  // "rtmp://HOST:PORT/live"
  std::string srt;   // "srt://HOST:PORT"
};

// The SRT publish URL for `stream_key`: srt_base + "?streamid=#!::r=KEY,m=publish".
std::string SrtIngestUrl(const std::string& srt_base, const std::string& stream_key);

nlohmann::json LiveStreamToJson(const store::LiveStream& stream, const IngestBases& ingest);

}  // namespace steadycast::api
