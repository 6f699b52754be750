// Fuzzes the box parser, the text dump's field decoders and the streaming box splitter.
#include <cstddef>
#include <cstdint>
#include <span>

#include "formats/fmp4/box_dump.h"
#include "formats/fmp4/box_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  steadycast::formats::fmp4::DumpBoxes(bytes).status().IgnoreError();
  steadycast::formats::fmp4::BoxStreamSplitter splitter(1 << 16);
  auto ignore = [](std::string_view, steadycast::base::Buffer) {};
  const size_t half = size / 2;
  splitter.Feed(bytes.first(half), ignore).IgnoreError();
  splitter.Feed(bytes.subspan(half), ignore).IgnoreError();
  splitter.Finish(ignore).IgnoreError();
  return 0;
}
