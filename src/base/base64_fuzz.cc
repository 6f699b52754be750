// Fuzzes strict base64 decoding in all four formats. The first byte picks the alphabet and the
// padding; the rest is the input. Decoding accepts only canonical text, so whatever decodes
// re-encodes to the same text, and encoding any bytes decodes back to them.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "base/base64.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace steadycast::base;  // NOLINT: a fuzz harness
  if (size < 1) return 0;
  const Base64Format format{
      (data[0] & 1) != 0 ? Base64Alphabet::kUrlSafe : Base64Alphabet::kStandard,
      (data[0] & 2) != 0 ? Base64Padding::kForbidden : Base64Padding::kRequired};
  const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  if (auto decoded = Base64Decode(in, format); decoded.ok()) {
    if (Base64Encode(*decoded, format) != in) std::abort();
  }
  auto round_trip = Base64Decode(Base64Encode(in, format), format);
  if (!round_trip.ok() || *round_trip != in) std::abort();
  return 0;
}
