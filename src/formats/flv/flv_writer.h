#pragma once
// FLV writing (Adobe FLV spec v10.1 §E.2–§E.4): the file header, tags with their
// PreviousTagSize, and AVC/AAC tag bodies. The bodies are also what RTMP carries in audio and
// video messages, so RTMP tests and any future RTMP egress build their payloads here.
// Pure functions appending to or returning byte vectors; thread-compatible.

#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"
#include "formats/flv/flv_demuxer.h"
#include "formats/flv/flv_tag.h"

namespace steadycast::formats::flv {

inline constexpr uint32_t kMaxFlvTagDataSize = 0xFFFFFF;  // DataSize is 24 bits

// Appends the 9-byte header (version 1, DataOffset 9) and PreviousTagSize0.
void AppendFlvHeader(std::vector<uint8_t>& out, bool has_audio, bool has_video);

// Appends one tag: 11-byte header (timestamp split into 24 + 8 extended bits, StreamID 0),
// the body, then PreviousTagSize = 11 + body size. Fails, appending nothing, if the body is
// larger than kMaxFlvTagDataSize.
base::Status AppendFlvTag(std::vector<uint8_t>& out, FlvTagType type, uint32_t timestamp_ms,
                          std::span<const uint8_t> body);

// AVC video tag body: frame type/codec byte, AVCPacketType, CompositionTime (SI24; values
// outside ±2^23 ms are clamped), payload.
std::vector<uint8_t> BuildAvcVideoTagBody(VideoFrameType frame_type, AvcPacketType packet_type,
                                          int32_t composition_time_ms,
                                          std::span<const uint8_t> payload);
// Sequence header (keyframe, AVCPacketType 0) carrying an AVCDecoderConfigurationRecord.
std::vector<uint8_t> BuildAvcSequenceHeaderBody(std::span<const uint8_t> avcc);
// One access unit of length-prefixed NAL units (AVCPacketType 1).
std::vector<uint8_t> BuildAvcNaluBody(bool keyframe, int32_t composition_time_ms,
                                      std::span<const uint8_t> nal_units);
std::vector<uint8_t> BuildAvcEndOfSequenceBody();

// AAC audio tag body: 0xAF (AAC, "44 kHz", 16-bit, stereo: fixed for AAC by §E.4.2.1),
// AACPacketType, payload.
std::vector<uint8_t> BuildAacAudioTagBody(AacPacketType packet_type,
                                          std::span<const uint8_t> payload);
std::vector<uint8_t> BuildAacSequenceHeaderBody(std::span<const uint8_t> asc);
std::vector<uint8_t> BuildAacRawBody(std::span<const uint8_t> frame);

}  // namespace steadycast::formats::flv
