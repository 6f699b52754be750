#include "ingest/rtmp/chunk_writer.h"

#include <algorithm>

#include "base/bytes.h"

namespace steadycast::ingest::rtmp {
namespace {

constexpr uint32_t kExtendedTimestampMarker = 0xFFFFFF;

void WriteBasicHeader(base::ByteWriter& w, uint8_t fmt, uint32_t csid) {
  const uint8_t top = static_cast<uint8_t>(fmt << 6);
  if (csid >= 2 && csid < 64) {
    w.U8(top | static_cast<uint8_t>(csid));
  } else if (csid >= 64 && csid < 64 + 256) {
    w.U8(top);
    w.U8(static_cast<uint8_t>(csid - 64));
  } else {
    const uint32_t rest = csid - 64;
    w.U8(top | 1);
    w.U8(static_cast<uint8_t>(rest & 0xFF));
    w.U8(static_cast<uint8_t>(rest >> 8));
  }
}

}  // namespace

void ChunkWriter::Write(const RtmpMessage& message, std::vector<uint8_t>& out) {
  const uint32_t csid = message.chunk_stream_id;
  const uint32_t length = static_cast<uint32_t>(message.payload.size());
  auto it = last_.find(csid);
  uint8_t fmt = 0;
  uint32_t delta = message.timestamp;
  if (compress_ && it != last_.end() && it->second.stream_id == message.stream_id &&
      message.timestamp >= it->second.timestamp) {
    const LastHeader& last = it->second;
    delta = message.timestamp - last.timestamp;
    fmt = 1;
    if (last.length == length && last.type_id == message.type_id) {
      fmt = delta == last.delta ? 3 : 2;
    }
  }
  const uint32_t field = fmt == 0 ? message.timestamp : delta;
  const bool extended = field >= kExtendedTimestampMarker;
  last_[csid] = LastHeader{message.timestamp, field, length, message.type_id, message.stream_id};

  base::ByteWriter w(out);
  WriteBasicHeader(w, fmt, csid);
  if (fmt <= 2) w.U24(extended ? kExtendedTimestampMarker : field);
  if (fmt <= 1) {
    w.U24(length);
    w.U8(message.type_id);
  }
  if (fmt == 0) w.U32LittleEndian(message.stream_id);
  if (extended) w.U32(field);

  const std::span<const uint8_t> payload = message.payload.span();
  size_t pos = 0;
  while (true) {
    const size_t n = std::min<size_t>(chunk_size_, payload.size() - pos);
    w.Bytes(payload.subspan(pos, n));
    pos += n;
    if (pos >= payload.size()) break;
    WriteBasicHeader(w, 3, csid);
    if (extended) w.U32(field);
  }
}

}  // namespace steadycast::ingest::rtmp
