// Fuzzes the avcC and SPS parsers: the input as an avcC record (which parses its first SPS)
// and as a bare SPS NAL unit, then the Annex B / length-prefixed helpers on the same bytes.
// Invariant: a record we accept, once rebuilt, parses again to the same config.
#include <cstddef>
#include <cstdint>
#include <span>

#include "media/avc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace steadycast::media;
  const std::span<const uint8_t> input(data, size);
  auto parsed = VideoConfigFromAvcc(input);
  if (parsed.ok()) {
    auto again = VideoConfigFromAvcc(parsed->config.avcc.span());
    if (!again.ok() || !(again->config == parsed->config)) __builtin_trap();
  }
  (void)ParseH264Sps(input);
  (void)NormalizeNalLengths(input, 2);
  (void)AnnexBToLengthPrefixed(input);
  return 0;
}
