#include "ingest/rtmp/chunk_reader.h"

#include <algorithm>
#include <string>
#include <utility>

#include "base/bytes.h"
#include "ingest/rtmp/control.h"

namespace steadycast::ingest::rtmp {
namespace {

constexpr uint32_t kExtendedTimestampMarker = 0xFFFFFF;
constexpr size_t kMessageHeaderSize[4] = {11, 7, 3, 0};
// Reserve at most this much up front for a message; the rest grows with the bytes received,
// so a header claiming a large length costs nothing until the payload arrives.
constexpr size_t kMaxInitialReserve = size_t{4} * 1024;

std::string CsidText(uint32_t csid) { return "chunk stream " + std::to_string(csid); }

}  // namespace

ChunkReader::ChunkReader(ChunkReaderLimits limits) : limits_(limits) {}

base::Status ChunkReader::Feed(std::span<const uint8_t> input, const MessageHandler& on_message) {
  if (failed_) return base::FailedPrecondition("rtmp chunk: reader already failed");
  base::Status status = FeedInternal(input, on_message);
  if (!status.ok()) failed_ = true;
  return status;
}

base::Status ChunkReader::FeedInternal(std::span<const uint8_t> input,
                                       const MessageHandler& on_message) {
  while (!input.empty()) {
    if (current_ == nullptr) {
      SC_ASSIGN_OR_RETURN(size_t used, ConsumeHeader(input, on_message));
      input = input.subspan(used);
      continue;
    }
    const size_t n = std::min(input.size(), chunk_left_);
    current_->partial.insert(current_->partial.end(), input.begin(), input.begin() + n);
    input = input.subspan(n);
    bytes_consumed_ += n;
    chunk_left_ -= n;
    if (chunk_left_ > 0) continue;
    ChunkStream& stream = *current_;
    current_ = nullptr;
    if (stream.partial.size() == stream.length) {
      SC_RETURN_IF_ERROR(CompleteMessage(stream, on_message));
    }
  }
  return base::Status::Ok();
}

// Gathers header bytes in header_bytes_ (at most 18) so a header split across reads parses
// exactly like a whole one. Returns how many bytes of `input` were used.
base::Result<size_t> ChunkReader::ConsumeHeader(std::span<const uint8_t> input,
                                                const MessageHandler& on_message) {
  const size_t had = header_have_;
  const size_t take = std::min(input.size(), kMaxHeaderSize - had);
  std::copy_n(input.begin(), take, header_bytes_.begin() + had);
  Header header;
  base::Status error;
  switch (ParseHeader(std::span(header_bytes_).first(had + take), header, error)) {
    case ParseResult::kNeedMoreData:
      header_have_ = had + take;
      bytes_consumed_ += take;
      return take;
    case ParseResult::kError:
      return error;
    case ParseResult::kParsed:
      break;
  }
  header_have_ = 0;
  bytes_consumed_ += header.size - had;
  SC_RETURN_IF_ERROR(ApplyHeader(header));
  ChunkStream& stream = streams_.at(header.csid);
  if (stream.partial.size() == stream.length) {  // a zero-length message: no payload
    current_ = nullptr;
    SC_RETURN_IF_ERROR(CompleteMessage(stream, on_message));
  }
  return header.size - had;
}

ChunkReader::ParseResult ChunkReader::ParseHeader(std::span<const uint8_t> bytes, Header& header,
                                                  base::Status& error) const {
  base::ByteReader reader(bytes);
  uint8_t first = 0;
  if (!reader.ReadU8(first)) return ParseResult::kNeedMoreData;
  header.fmt = first >> 6;
  header.csid = first & 0x3F;
  if (header.csid == 0) {
    uint8_t b = 0;
    if (!reader.ReadU8(b)) return ParseResult::kNeedMoreData;
    header.csid = 64 + b;
  } else if (header.csid == 1) {
    uint16_t v = 0;
    if (!reader.ReadU16(v)) return ParseResult::kNeedMoreData;
    header.csid = 64 + (v >> 8) + (v & 0xFF) * 256;  // little-endian on the wire
  }
  auto it = streams_.find(header.csid);
  const ChunkStream* stream = it == streams_.end() ? nullptr : &it->second;
  if (header.fmt != 0 && (stream == nullptr || !stream->started)) {
    error =
        base::InvalidArgument("rtmp chunk: first chunk of " + CsidText(header.csid) +
                              " has header format " + std::to_string(header.fmt) + ", expected 0");
    return ParseResult::kError;
  }
  if (reader.remaining() < kMessageHeaderSize[header.fmt]) return ParseResult::kNeedMoreData;
  if (header.fmt <= 2) {
    reader.ReadU24(header.timestamp_field);
    header.extended = header.timestamp_field == kExtendedTimestampMarker;
  } else {
    header.extended = stream->extended;
  }
  if (header.fmt <= 1) {
    reader.ReadU24(header.length);
    reader.ReadU8(header.type_id);
  }
  if (header.fmt == 0) reader.ReadU32LittleEndian(header.stream_id);
  if (header.extended) {
    uint32_t extended = 0;
    if (!reader.ReadU32(extended)) return ParseResult::kNeedMoreData;
    if (header.fmt <= 2) header.timestamp_field = extended;
  }
  header.size = reader.position();
  return ParseResult::kParsed;
}

base::Status ChunkReader::ApplyHeader(const Header& header) {
  auto it = streams_.find(header.csid);
  if (it == streams_.end()) {
    if (streams_.size() >= limits_.max_chunk_streams) {
      return base::ResourceExhausted("rtmp chunk: more than " +
                                     std::to_string(limits_.max_chunk_streams) + " chunk streams");
    }
    it = streams_.emplace(header.csid, ChunkStream{.csid = header.csid}).first;
  }
  ChunkStream& stream = it->second;
  if (stream.in_message && header.fmt != 3) {
    return base::InvalidArgument("rtmp chunk: new message header (format " +
                                 std::to_string(header.fmt) + ") on " + CsidText(header.csid) +
                                 " before its message was complete");
  }
  if (header.fmt <= 2) stream.extended = header.extended;
  switch (header.fmt) {
    case 0:
      stream.started = true;
      stream.timestamp = header.timestamp_field;
      // §5.3.1.2.4: a fmt 3 chunk after a fmt 0 one reuses the fmt 0 timestamp as delta.
      stream.delta = header.timestamp_field;
      stream.stream_id = header.stream_id;
      [[fallthrough]];
    case 1:
      stream.length = header.length;
      stream.type_id = header.type_id;
      [[fallthrough]];
    case 2:
      if (header.fmt != 0) {
        stream.delta = header.timestamp_field;
        stream.timestamp += stream.delta;  // wraps modulo 2^32 like the wire field
      }
      break;
    default:
      if (!stream.in_message) stream.timestamp += stream.delta;
      break;
  }
  if (!stream.in_message) SC_RETURN_IF_ERROR(StartMessage(stream));
  current_ = &stream;
  chunk_left_ = std::min<size_t>(chunk_size_, stream.length - stream.partial.size());
  return base::Status::Ok();
}

base::Status ChunkReader::StartMessage(ChunkStream& stream) {
  if (stream.length > limits_.max_message_size) {
    return base::OutOfRange("rtmp chunk: message of " + std::to_string(stream.length) +
                            " bytes exceeds the maximum of " +
                            std::to_string(limits_.max_message_size));
  }
  if (buffered_bytes_ + stream.length > limits_.max_buffered_bytes) {
    return base::ResourceExhausted("rtmp chunk: partial messages exceed " +
                                   std::to_string(limits_.max_buffered_bytes) + " bytes");
  }
  buffered_bytes_ += stream.length;
  stream.in_message = true;
  stream.partial.clear();
  stream.partial.reserve(std::min<size_t>(stream.length, kMaxInitialReserve));
  return base::Status::Ok();
}

base::Status ChunkReader::CompleteMessage(ChunkStream& stream, const MessageHandler& on_message) {
  RtmpMessage message;
  message.chunk_stream_id = stream.csid;
  message.type_id = stream.type_id;
  message.stream_id = stream.stream_id;
  message.timestamp = stream.timestamp;
  message.payload = base::Buffer::Take(std::move(stream.partial));
  stream.partial = {};
  stream.in_message = false;
  buffered_bytes_ -= stream.length;
  const auto type = static_cast<MessageType>(message.type_id);
  if (type == MessageType::kSetChunkSize || type == MessageType::kAbort) {
    return HandleChunkControl(message);
  }
  return on_message(std::move(message));
}

base::Status ChunkReader::HandleChunkControl(const RtmpMessage& message) {
  if (static_cast<MessageType>(message.type_id) == MessageType::kSetChunkSize) {
    SC_ASSIGN_OR_RETURN(chunk_size_,
                        ParseSetChunkSize(message.payload.span(), limits_.max_message_size));
    return base::Status::Ok();
  }
  SC_ASSIGN_OR_RETURN(uint32_t csid, ParseAbort(message.payload.span()));
  auto it = streams_.find(csid);
  if (it != streams_.end() && it->second.in_message) {
    buffered_bytes_ -= it->second.length;
    it->second.partial = {};
    it->second.in_message = false;
  }
  return base::Status::Ok();
}

}  // namespace steadycast::ingest::rtmp
