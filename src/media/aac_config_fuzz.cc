// Fuzzes the AudioSpecificConfig and ADTS header parsers with the same bytes.
#include <cstddef>
#include <cstdint>
#include <span>

#include "media/aac.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  (void)steadycast::media::ParseAudioSpecificConfig(input);
  auto adts = steadycast::media::ParseAdtsHeader(input);
  if (adts.ok()) (void)steadycast::media::AudioConfigFromAdts(*adts);
  return 0;
}
