#pragma once
// ChunkReader: the receiving half of the RTMP chunk stream (RTMP 1.0 §5.3), a pure demuxer.
// Bytes in (any split), complete messages out.
//
//   chunk = basic header (1-3 bytes: fmt, chunk stream id 2..65599)
//         + message header (fmt 0: 11 bytes, 1: 7, 2: 3, 3: 0)
//         + extended timestamp (4 bytes, when the 24-bit field is 0xFFFFFF; also on fmt 3
//           chunks of a chunk stream whose last header used it, as Flash/FFmpeg/OBS write)
//         + payload (up to the peer's chunk size)
//
// Keeps per-chunk-stream header state (timestamps, deltas, length, type, stream id) and
// reassembles interleaved messages. The two chunk-level control messages are interpreted here
// and not emitted: Set Chunk Size (§5.4.1) changes how the following chunks are cut, and Abort
// (§5.4.2) drops a partial message.
//
// Untrusted input: a message length above max_message_size is refused from its header, before
// any payload is buffered; partial messages across all chunk streams are capped by
// max_buffered_bytes; the number of chunk streams is capped; a peer chunk size of 0, with the
// top bit set, or above max_message_size is refused. Any error is final.
//
// Owned by one connection; not thread-safe.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "ingest/rtmp/message.h"

namespace steadycast::ingest::rtmp {

struct ChunkReaderLimits {
  size_t max_message_size = size_t{16} * 1024 * 1024;
  size_t max_chunk_streams = 64;
  size_t max_buffered_bytes = size_t{32} * 1024 * 1024;  // partial messages, all chunk streams
};

class ChunkReader {
 public:
  // Receives each complete message; returning an error stops parsing and fails the reader.
  using MessageHandler = std::function<base::Status(RtmpMessage message)>;

  explicit ChunkReader(ChunkReaderLimits limits = {});

  // Consumes all of `input`, calling `on_message` synchronously for each complete message in
  // arrival order. `input` is only read during the call.
  base::Status Feed(std::span<const uint8_t> input, const MessageHandler& on_message);

  uint32_t chunk_size() const { return chunk_size_; }  // the peer's current chunk size
  // Bytes consumed so far. Inside the message handler this is exactly the end of the
  // message's last chunk, whatever the split of the input (acknowledgements rely on that).
  uint64_t bytes_consumed() const { return bytes_consumed_; }
  size_t buffered_bytes() const { return buffered_bytes_; }
  const ChunkReaderLimits& limits() const { return limits_; }

 private:
  struct ChunkStream {
    uint32_t csid = 0;
    bool started = false;  // a fmt 0 header has been seen
    uint32_t timestamp = 0;
    uint32_t delta = 0;  // applied by fmt 3 chunks that start a new message
    uint32_t length = 0;
    uint8_t type_id = 0;
    uint32_t stream_id = 0;
    bool extended = false;    // the last fmt 0-2 header used the extended timestamp
    bool in_message = false;  // `partial` holds the start of a message
    std::vector<uint8_t> partial;
  };
  struct Header {
    size_t size = 0;  // bytes of basic + message header + extended timestamp
    uint8_t fmt = 0;
    uint32_t csid = 0;
    uint32_t timestamp_field = 0;  // timestamp or delta, extended value applied
    bool extended = false;
    uint32_t length = 0;
    uint8_t type_id = 0;
    uint32_t stream_id = 0;
  };
  enum class ParseResult { kNeedMoreData, kParsed, kError };

  base::Status FeedInternal(std::span<const uint8_t> input, const MessageHandler& on_message);
  base::Result<size_t> ConsumeHeader(std::span<const uint8_t> input,
                                     const MessageHandler& on_message);
  ParseResult ParseHeader(std::span<const uint8_t> bytes, Header& header,
                          base::Status& error) const;
  base::Status ApplyHeader(const Header& header);
  base::Status StartMessage(ChunkStream& stream);
  base::Status CompleteMessage(ChunkStream& stream, const MessageHandler& on_message);
  base::Status HandleChunkControl(const RtmpMessage& message);

  static constexpr size_t kMaxHeaderSize = 3 + 11 + 4;

  ChunkReaderLimits limits_;
  uint32_t chunk_size_ = kDefaultChunkSize;
  bool failed_ = false;
  std::array<uint8_t, kMaxHeaderSize> header_bytes_{};
  size_t header_have_ = 0;
  ChunkStream* current_ = nullptr;  // the chunk stream whose payload is being read
  size_t chunk_left_ = 0;           // payload bytes left in the current chunk
  size_t buffered_bytes_ = 0;
  uint64_t bytes_consumed_ = 0;
  std::unordered_map<uint32_t, ChunkStream> streams_;
};

}  // namespace steadycast::ingest::rtmp
