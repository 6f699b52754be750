#pragma once
// RTMP command and data messages (RTMP 1.0 §7.1.1, §7.1.2, §7.2): the meaning layer above the
// chunk stream. A command message (type 20, or 17 with a leading AMF3 format byte) is AMF0:
// name, transaction id, command object, then optional arguments. Data messages (type 18/15)
// carry `@setDataFrame`/`onMetaData` stream metadata.
//
// Pure functions over message payloads; thread-safe.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "formats/amf0/amf0_decoder.h"
#include "formats/amf0/amf0_value.h"
#include "ingest/rtmp/message.h"

namespace steadycast::ingest::rtmp {

// One decoded command message: plain data.
struct Command {
  std::string name;
  double transaction_id = 0;
  formats::amf0::Value command_object;          // null when absent
  std::vector<formats::amf0::Value> arguments;  // after the command object

  // The string at `index` of the arguments, if it is one.
  std::optional<std::string_view> StringArgument(size_t index) const;
  std::optional<double> NumberArgument(size_t index) const;
};

// The AMF0 part of a command or data payload: types 17 and 15 start with one format byte
// (0 = AMF0 follows), which is skipped.
std::span<const uint8_t> Amf0Body(const RtmpMessage& message);

// Decodes a command. Fails on malformed AMF0 or when the first value is not a string; a
// missing or non-numeric transaction id reads as 0.
base::Result<Command> ParseCommand(const RtmpMessage& message,
                                   const formats::amf0::Decoder& decoder);

// A command message (type 20) carrying `values`.
RtmpMessage MakeCommandMessage(uint32_t chunk_stream_id, uint32_t stream_id,
                               std::span<const formats::amf0::Value> values);
// A data message (type 18) carrying `values` (used by tests to send metadata).
RtmpMessage MakeDataMessage(uint32_t chunk_stream_id, uint32_t stream_id, uint32_t timestamp,
                            std::span<const formats::amf0::Value> values);

// {level, code, description}: the info object of onStatus, _result and _error.
formats::amf0::Value StatusObject(std::string_view level, std::string_view code,
                                  std::string_view description);

// "key?token=x" → "key"; "live?x=1" → "live".
std::string_view StripQuery(std::string_view text);

// Stream metadata from onMetaData (FLV spec v10.1 §E.5). Every field is optional.
struct StreamMetadata {
  std::optional<double> width;
  std::optional<double> height;
  std::optional<double> frame_rate;
  std::optional<double> video_data_rate_kbps;
  std::optional<double> audio_data_rate_kbps;
  std::optional<double> audio_sample_rate;
  std::optional<double> video_codec_id;  // FLV codec id (7 = AVC), when sent as a number
  std::optional<double> audio_codec_id;  // FLV sound format (10 = AAC)
  std::string encoder;

  bool operator==(const StreamMetadata&) const = default;
};

// Recognises ["@setDataFrame", "onMetaData", {..}] and ["onMetaData", {..}] (object or ECMA
// array). Other data messages yield nullopt. Values that are not finite numbers are ignored.
std::optional<StreamMetadata> ParseMetadata(const std::vector<formats::amf0::Value>& values);

}  // namespace steadycast::ingest::rtmp
