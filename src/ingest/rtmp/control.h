#pragma once
// Protocol control messages (RTMP 1.0 §5.4: types 1, 2, 3, 5, 6) and User Control messages
// (§6.2 / §7.1.7: type 4): parsing, building, and the acknowledgement window counter.
// Pure functions and a small value class; no I/O.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "base/status.h"
#include "ingest/rtmp/message.h"

namespace steadycast::ingest::rtmp {

// User Control event types (§7.1.7).
enum class UserControlEvent : uint16_t {
  kStreamBegin = 0,
  kStreamEof = 1,
  kStreamDry = 2,
  kSetBufferLength = 3,
  kStreamIsRecorded = 4,
  kPingRequest = 6,
  kPingResponse = 7,
};

struct UserControl {
  uint16_t event = 0;             // UserControlEvent value; unknown values are kept
  uint32_t value = 0;             // stream id, or the timestamp of a ping
  uint32_t buffer_length_ms = 0;  // SetBufferLength only
};

enum class PeerBandwidthLimit : uint8_t { kHard = 0, kSoft = 1, kDynamic = 2 };

struct PeerBandwidth {
  uint32_t window_size = 0;
  uint8_t limit_type = 0;
};

// Set Chunk Size (§5.4.1): 31 bits, the top bit must be zero; 0 and anything above
// `max_chunk_size` (the largest message we accept) are refused.
base::Result<uint32_t> ParseSetChunkSize(std::span<const uint8_t> payload, size_t max_chunk_size);
// Abort (§5.4.2): the chunk stream id whose partial message is dropped.
base::Result<uint32_t> ParseAbort(std::span<const uint8_t> payload);
// Acknowledgement (§5.4.3) and Window Acknowledgement Size (§5.4.4): one 32-bit value.
base::Result<uint32_t> ParseU32Payload(std::span<const uint8_t> payload, std::string_view what);
base::Result<PeerBandwidth> ParseSetPeerBandwidth(std::span<const uint8_t> payload);
base::Result<UserControl> ParseUserControl(std::span<const uint8_t> payload);

// Builders: messages on chunk stream 2, message stream 0, timestamp 0.
RtmpMessage MakeSetChunkSize(uint32_t chunk_size);
RtmpMessage MakeAbort(uint32_t chunk_stream_id);
RtmpMessage MakeAcknowledgement(uint32_t sequence_number);
RtmpMessage MakeWindowAckSize(uint32_t window_size);
RtmpMessage MakeSetPeerBandwidth(uint32_t window_size, PeerBandwidthLimit limit);
RtmpMessage MakeUserControl(UserControlEvent event, uint32_t value);
RtmpMessage MakeSetBufferLength(uint32_t stream_id, uint32_t buffer_length_ms);

// Says when to send an Acknowledgement (§5.4.3): each time the bytes received since the last
// acknowledgement reach the peer's window (§5.4.4). A value owned by one session; not
// thread-safe.
class AckCounter {
 public:
  // The peer's Window Acknowledgement Size; 0 (the default) disables acknowledgements.
  void set_window(uint32_t window) { window_ = window; }
  uint32_t window() const { return window_; }

  // Given the total bytes received so far, returns the sequence number to acknowledge (that
  // total modulo 2^32) if an acknowledgement is due.
  std::optional<uint32_t> OnTotalBytes(uint64_t total_bytes);

 private:
  uint32_t window_ = 0;
  uint64_t last_ack_ = 0;
};

}  // namespace steadycast::ingest::rtmp
