#include "ingest/rtmp/control.h"

#include <string>
#include <vector>

#include "base/bytes.h"

namespace steadycast::ingest::rtmp {
namespace {

RtmpMessage ControlMessage(MessageType type, std::vector<uint8_t> payload) {
  RtmpMessage message;
  message.chunk_stream_id = kControlChunkStream;
  message.type_id = static_cast<uint8_t>(type);
  message.payload = base::Buffer::Take(std::move(payload));
  return message;
}

RtmpMessage U32Message(MessageType type, uint32_t value) {
  std::vector<uint8_t> payload;
  base::ByteWriter(payload).U32(value);
  return ControlMessage(type, std::move(payload));
}

}  // namespace

std::string_view MessageTypeName(uint8_t type_id) {
  switch (static_cast<MessageType>(type_id)) {
    case MessageType::kSetChunkSize:
      return "SetChunkSize";
    case MessageType::kAbort:
      return "Abort";
    case MessageType::kAcknowledgement:
      return "Acknowledgement";
    case MessageType::kUserControl:
      return "UserControl";
    case MessageType::kWindowAckSize:
      return "WindowAckSize";
    case MessageType::kSetPeerBandwidth:
      return "SetPeerBandwidth";
    case MessageType::kAudio:
      return "Audio";
    case MessageType::kVideo:
      return "Video";
    case MessageType::kDataAmf3:
      return "DataAmf3";
    case MessageType::kSharedObjectAmf3:
      return "SharedObjectAmf3";
    case MessageType::kCommandAmf3:
      return "CommandAmf3";
    case MessageType::kDataAmf0:
      return "DataAmf0";
    case MessageType::kSharedObjectAmf0:
      return "SharedObjectAmf0";
    case MessageType::kCommandAmf0:
      return "CommandAmf0";
    case MessageType::kAggregate:
      return "Aggregate";
  }
  return "Unknown";
}

base::Result<uint32_t> ParseU32Payload(std::span<const uint8_t> payload, std::string_view what) {
  base::ByteReader reader(payload);
  uint32_t value = 0;
  if (!reader.ReadU32(value)) {
    return base::InvalidArgument("rtmp: " + std::string(what) + " needs 4 bytes, got " +
                                 std::to_string(payload.size()));
  }
  return value;
}

base::Result<uint32_t> ParseSetChunkSize(std::span<const uint8_t> payload, size_t max_chunk_size) {
  SC_ASSIGN_OR_RETURN(uint32_t size, ParseU32Payload(payload, "Set Chunk Size"));
  if (size & 0x80000000u) {
    return base::InvalidArgument("rtmp: Set Chunk Size with the reserved top bit set");
  }
  if (size == 0) return base::InvalidArgument("rtmp: Set Chunk Size of 0");
  if (size > max_chunk_size) {
    return base::OutOfRange("rtmp: Set Chunk Size " + std::to_string(size) +
                            " above the maximum message size " + std::to_string(max_chunk_size));
  }
  return size;
}

base::Result<uint32_t> ParseAbort(std::span<const uint8_t> payload) {
  return ParseU32Payload(payload, "Abort");
}

base::Result<PeerBandwidth> ParseSetPeerBandwidth(std::span<const uint8_t> payload) {
  base::ByteReader reader(payload);
  PeerBandwidth out;
  if (!reader.ReadU32(out.window_size) || !reader.ReadU8(out.limit_type)) {
    return base::InvalidArgument("rtmp: Set Peer Bandwidth needs 5 bytes");
  }
  return out;
}

base::Result<UserControl> ParseUserControl(std::span<const uint8_t> payload) {
  base::ByteReader reader(payload);
  UserControl out;
  if (!reader.ReadU16(out.event) || !reader.ReadU32(out.value)) {
    return base::InvalidArgument("rtmp: User Control message needs at least 6 bytes, got " +
                                 std::to_string(payload.size()));
  }
  if (out.event == static_cast<uint16_t>(UserControlEvent::kSetBufferLength) &&
      !reader.ReadU32(out.buffer_length_ms)) {
    return base::InvalidArgument("rtmp: SetBufferLength needs 10 bytes");
  }
  return out;
}

RtmpMessage MakeSetChunkSize(uint32_t chunk_size) {
  return U32Message(MessageType::kSetChunkSize, chunk_size & 0x7FFFFFFFu);
}
RtmpMessage MakeAbort(uint32_t chunk_stream_id) {
  return U32Message(MessageType::kAbort, chunk_stream_id);
}
RtmpMessage MakeAcknowledgement(uint32_t sequence_number) {
  return U32Message(MessageType::kAcknowledgement, sequence_number);
}
RtmpMessage MakeWindowAckSize(uint32_t window_size) {
  return U32Message(MessageType::kWindowAckSize, window_size);
}

RtmpMessage MakeSetPeerBandwidth(uint32_t window_size, PeerBandwidthLimit limit) {
  std::vector<uint8_t> payload;
  base::ByteWriter writer(payload);
  writer.U32(window_size);
  writer.U8(static_cast<uint8_t>(limit));
  return ControlMessage(MessageType::kSetPeerBandwidth, std::move(payload));
}

RtmpMessage MakeUserControl(UserControlEvent event, uint32_t value) {
  std::vector<uint8_t> payload;
  base::ByteWriter writer(payload);
  writer.U16(static_cast<uint16_t>(event));
  writer.U32(value);
  return ControlMessage(MessageType::kUserControl, std::move(payload));
}

RtmpMessage MakeSetBufferLength(uint32_t stream_id, uint32_t buffer_length_ms) {
  std::vector<uint8_t> payload;
  base::ByteWriter writer(payload);
  writer.U16(static_cast<uint16_t>(UserControlEvent::kSetBufferLength));
  writer.U32(stream_id);
  writer.U32(buffer_length_ms);
  return ControlMessage(MessageType::kUserControl, std::move(payload));
}

std::optional<uint32_t> AckCounter::OnTotalBytes(uint64_t total_bytes) {
  if (window_ == 0 || total_bytes < last_ack_ || total_bytes - last_ack_ < window_) {
    return std::nullopt;
  }
  last_ack_ = total_bytes;
  return static_cast<uint32_t>(total_bytes);
}

}  // namespace steadycast::ingest::rtmp
