#pragma once
// ChunkWriter: the sending half of the RTMP chunk stream (RTMP 1.0 §5.3): cuts messages into
// chunks of the current outgoing chunk size. Headers are compressed against the previous
// message on the same chunk stream the way the spec's examples do (§5.3.2): fmt 1 when the
// message stream is the same, fmt 2 when the length and type are too, fmt 3 when the
// timestamp delta also repeats; continuation chunks are fmt 3. Timestamps (or deltas) that do
// not fit 24 bits use the extended timestamp, repeated on fmt 3 chunks.
//
// The server uses it for replies; tests use it to play a client. Pure; not thread-safe.

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "ingest/rtmp/message.h"

namespace steadycast::ingest::rtmp {

class ChunkWriter {
 public:
  // Only after the peer has been told with a Set Chunk Size message (written at the old size).
  void set_chunk_size(uint32_t chunk_size) { chunk_size_ = chunk_size == 0 ? 1 : chunk_size; }
  uint32_t chunk_size() const { return chunk_size_; }
  // Off: every message starts with a fmt 0 header (useful to test readers both ways).
  void set_compress_headers(bool on) { compress_ = on; }

  // Appends `message` (on message.chunk_stream_id, which must be 2..65599) to `out`.
  void Write(const RtmpMessage& message, std::vector<uint8_t>& out);

 private:
  struct LastHeader {
    uint32_t timestamp = 0;
    uint32_t delta = 0;
    uint32_t length = 0;
    uint8_t type_id = 0;
    uint32_t stream_id = 0;
  };

  uint32_t chunk_size_ = kDefaultChunkSize;
  bool compress_ = true;
  std::unordered_map<uint32_t, LastHeader> last_;
};

}  // namespace steadycast::ingest::rtmp
