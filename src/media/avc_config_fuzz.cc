// Fuzzes the avcC and SPS parsers: the input as an avcC record (which parses its first SPS)
// and as a bare SPS NAL unit, then the Annex B / length-prefixed helpers on the same bytes.
#include <cstddef>
#include <cstdint>
#include <span>

#include "media/avc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  (void)steadycast::media::VideoConfigFromAvcc(input);
  (void)steadycast::media::ParseH264Sps(input);
  (void)steadycast::media::NormalizeNalLengths(input, 2);
  (void)steadycast::media::AnnexBToLengthPrefixed(input);
  return 0;
}
