// Fuzzes the AudioSpecificConfig and ADTS header parsers with the same bytes.
// Invariant: the config implied by an accepted ADTS header round-trips through its ASC.
#include <cstddef>
#include <cstdint>
#include <span>

#include "media/aac.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace steadycast::media;
  const std::span<const uint8_t> input(data, size);
  (void)ParseAudioSpecificConfig(input);
  auto adts = ParseAdtsHeader(input);
  if (adts.ok()) {
    const AudioTrackConfig config = AudioConfigFromAdts(*adts);
    auto reparsed = ParseAudioSpecificConfig(config.asc.span());
    if (!reparsed.ok() || !(*reparsed == config)) __builtin_trap();
  }
  return 0;
}
