// libFuzzer target: any bytes as one AMF0 message payload. Decoded values must re-encode to
// bytes that decode to the same values.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "formats/amf0/amf0_decoder.h"
#include "formats/amf0/amf0_encoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace steadycast::formats::amf0;
  const Decoder decoder;
  auto values = decoder.DecodeAll(std::span<const uint8_t>(data, size));
  if (!values.ok()) return 0;
  auto again = decoder.DecodeAll(EncodeValues(*values));
  if (!again.ok() || !(*again == *values)) std::abort();
  return 0;
}
