// libFuzzer target: any bytes as a chunk stream (after the handshake), with small limits so
// the caps are reached. Fed whole and in two pieces, the reader must emit the same messages.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "ingest/rtmp/chunk_reader.h"

namespace {

using namespace steadycast::ingest::rtmp;

bool ReadInto(std::span<const uint8_t> a, std::span<const uint8_t> b,
              std::vector<RtmpMessage>& out) {
  ChunkReader reader(ChunkReaderLimits{
      .max_message_size = 1 << 16, .max_chunk_streams = 8, .max_buffered_bytes = 1 << 17});
  auto collect = [&out](RtmpMessage m) {
    out.push_back(std::move(m));
    return steadycast::base::Status::Ok();
  };
  return reader.Feed(a, collect).ok() && reader.Feed(b, collect).ok();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  const size_t cut = size == 0 ? 0 : data[size - 1] * size / 256;
  std::vector<RtmpMessage> whole, split;
  const bool whole_ok = ReadInto(input, {}, whole);
  const bool split_ok = ReadInto(input.first(cut), input.subspan(cut), split);
  if (whole_ok != split_ok || whole != split) std::abort();
  return 0;
}
