// Fuzzes the pagination cursor decoder (input: a query-string value). Anything it accepts
// must re-encode to the same text (the encoding is canonical).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "store/sqlite/cursor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto position = steadycast::store::sqlite::DecodeCursor(text);
  if (position.ok() && steadycast::store::sqlite::EncodeCursor(*position) != text) abort();
  return 0;
}
