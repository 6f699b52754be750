// libFuzzer target: any bytes as an SRT stream ID. Parsing never crashes, and what it accepts
// is bounded and checkable.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ingest/srt/streamid.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace steadycast::ingest::srt;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = ParseStreamId(text);
  if (!parsed.ok()) return 0;
  // Decoding only shrinks; the key is never empty.
  if (parsed->resource.empty() || parsed->resource.size() > kMaxStreamIdBytes) std::abort();
  (void)CheckPublish(*parsed);
  return 0;
}
