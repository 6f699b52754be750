// Fuzzes the Range header parser and checks its promise: a satisfiable range lies inside the body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "deliver/byte_range.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint64_t body_size = (uint64_t{data[0]} << 8 | data[1]) * 7;
  const std::string_view header(reinterpret_cast<const char*>(data + 2), size - 2);
  const auto range = steadycast::deliver::ParseByteRange(header, body_size);
  if (range.kind == steadycast::deliver::ByteRange::Kind::kSatisfiable &&
      !(range.first <= range.last && range.last < body_size)) {
    std::abort();
  }
  return 0;
}
