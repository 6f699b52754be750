#pragma once
// RTMP messages (RTMP 1.0 §5.4, §6.1, §7.1): what the chunk stream carries once reassembled.
// Plain data shared by the chunk reader/writer, the control and command layers.

#include <cstdint>
#include <string_view>

#include "base/buffer.h"

namespace steadycast::ingest::rtmp {

// Message type ids (RTMP 1.0 §5.4 protocol control, §6.2 user control, §7.1 the rest).
enum class MessageType : uint8_t {
  kSetChunkSize = 1,
  kAbort = 2,
  kAcknowledgement = 3,
  kUserControl = 4,
  kWindowAckSize = 5,
  kSetPeerBandwidth = 6,
  kAudio = 8,
  kVideo = 9,
  kDataAmf3 = 15,
  kSharedObjectAmf3 = 16,
  kCommandAmf3 = 17,
  kDataAmf0 = 18,
  kSharedObjectAmf0 = 19,
  kCommandAmf0 = 20,
  kAggregate = 22,
};

std::string_view MessageTypeName(uint8_t type_id);

// Chunk stream ids this server writes on. 2 is reserved for protocol control (§5.4); the
// others are conventions shared by FMS, nginx-rtmp and FFmpeg.
inline constexpr uint32_t kControlChunkStream = 2;
inline constexpr uint32_t kCommandChunkStream = 3;
inline constexpr uint32_t kStreamChunkStream = 5;  // onStatus and other stream-level replies

inline constexpr uint32_t kMaxChunkStreamId = 65599;  // 3-byte basic header: 64 + 0xFFFF
inline constexpr uint32_t kDefaultChunkSize = 128;    // §5.4.1: until Set Chunk Size

struct RtmpMessage {
  uint32_t chunk_stream_id = kCommandChunkStream;
  uint8_t type_id = 0;
  uint32_t stream_id = 0;  // message stream id; 0 = the NetConnection
  uint32_t timestamp = 0;  // milliseconds, 32 bits, wraps (extended to 64 bits by the mapper)
  base::Buffer payload;

  bool operator==(const RtmpMessage&) const = default;
};

}  // namespace steadycast::ingest::rtmp
