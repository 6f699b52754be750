// libFuzzer target: any bytes as the client side of the handshake. Fed whole and in two
// pieces, the server must consume the same bytes and answer the same way.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "ingest/rtmp/handshake.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace steadycast::ingest::rtmp;
  const std::span<const uint8_t> input(data, size);
  auto fixed = [](std::span<uint8_t> out) { std::fill(out.begin(), out.end(), 0x42); };
  ServerHandshake whole({fixed, 0});
  ServerHandshake split({fixed, 0});
  std::vector<uint8_t> whole_out, split_out;
  auto whole_used = whole.Feed(input, whole_out);
  const size_t cut = size == 0 ? 0 : data[0] * size / 256;
  auto first = split.Feed(input.first(cut), split_out);
  if (!first.ok()) return 0;
  auto second = split.Feed(input.subspan(*first), split_out);
  if (whole_used.ok() != second.ok()) std::abort();
  if (!whole_used.ok()) return 0;
  if (*whole_used > size || *first + *second != *whole_used || whole_out != split_out ||
      whole.done() != split.done()) {
    std::abort();
  }
  return 0;
}
