#pragma once
// Single byte-range requests (RFC 9110 §14.1.2 "Range: bytes=first-last", "first-", "-suffix")
// for init segments and media segments: AVPlayer and some CDNs probe with small ranges. Pure
// parsing of an untrusted header; multi-range and malformed headers are treated as absent
// (RFC 9110 §14.2 allows a server to ignore Range), as are ranges over other units.

#include <cstdint>
#include <string_view>

namespace steadycast::deliver {

struct ByteRange {
  enum class Kind {
    kNone,           // no usable Range header: serve the whole representation (200)
    kSatisfiable,    // serve [first, last] with 206 and Content-Range
    kUnsatisfiable,  // 416 with "Content-Range: bytes */size"
  };
  Kind kind = Kind::kNone;
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive
};

// `header` is the Range header value ("" when absent); `size` the representation length.
ByteRange ParseByteRange(std::string_view header, uint64_t size);

}  // namespace steadycast::deliver
