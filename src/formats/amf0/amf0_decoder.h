#pragma once
// Decoder: a pure AMF0 decoder (Adobe AMF0 spec §2) for one complete message payload, e.g. the
// body of an RTMP command (type 20) or data (type 18) message, which the chunk stream has
// already reassembled. Bytes in, values out; no I/O, no globals.
//
// Untrusted input: every length is checked against DecoderLimits before anything is
// allocated, nesting is walked with an explicit stack (never recursion) and refused beyond
// max_depth, and the number of values per message is capped so a small payload cannot expand
// into a huge tree. References (0x07), the reserved MovieClip/RecordSet markers and the AMF3
// switch (0x11) are refused with a clear error.
//
// Stateless after construction: one Decoder may be used from several threads.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "formats/amf0/amf0_value.h"

namespace steadycast::formats::amf0 {

struct DecoderLimits {
  size_t max_depth = 64;               // containers nested in containers
  size_t max_string_length = 1 << 20;  // bytes of one string, long string, XML text or key
  size_t max_elements = 1 << 16;       // properties of one object or elements of one array
  size_t max_total_values = 1 << 16;   // values in one payload, containers and keys' values
};

// The code of the error returned when the payload ends inside a value ("need more data").
// Any other code means the bytes are malformed or beyond a limit.
inline constexpr base::ErrorCode kTruncatedCode = base::ErrorCode::kDataLoss;
inline bool IsTruncated(const base::Status& status) { return status.code() == kTruncatedCode; }

class Decoder {
 public:
  explicit Decoder(DecoderLimits limits = {}) : limits_(limits) {}

  // Decodes every value in `payload`, front to back.
  base::Result<std::vector<Value>> DecodeAll(std::span<const uint8_t> payload) const;

  // Decodes one value from the front of `reader`, advancing it past the value. Values in this
  // call count against max_total_values on their own.
  base::Result<Value> DecodeOne(base::ByteReader& reader) const;

  const DecoderLimits& limits() const { return limits_; }

 private:
  base::Result<Value> DecodeOne(base::ByteReader& reader, size_t& values_left) const;

  DecoderLimits limits_;
};

}  // namespace steadycast::formats::amf0
