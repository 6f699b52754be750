#pragma once
// A pure ISO BMFF box parser (ISO/IEC 14496-12 §4.2): walks bytes into a tree of boxes. Used by
// golden tests (box_dump.h), by tools that inspect what we serve, and fuzzed.
//
// Box header: 32-bit size + 4-character type; size 1 → a 64-bit largesize follows; size 0 →
// the box extends to the end of its parent; type "uuid" → a 16-byte extended type follows.
// Known containers (moov, trak, moof, traf, stsd, avc1, mp4a, ...) are descended into; every
// other box is a leaf whose payload is kept as a span.
//
// Limits (nesting depth, total box count) are fixed at construction of the call, so hostile
// input can neither recurse deeply nor allocate without bound. Spans in the returned tree
// point into the caller's bytes and are valid only as long as they are.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/buffer.h"
#include "base/status.h"

namespace steadycast::formats::fmp4 {

struct Box {
  std::string type;          // the 4 type bytes as they are ("moov", "url ", possibly binary)
  uint64_t offset = 0;       // of the box header, from the start of the parsed bytes
  uint64_t size = 0;         // whole box including the header
  uint32_t header_size = 0;  // 8, 16 (largesize), +16 for "uuid"
  std::span<const uint8_t> payload;  // everything after the header
  std::vector<Box> children;         // only for known containers

  // First direct child of that type, or nullptr.
  const Box* Child(std::string_view child_type) const;
};

struct BoxReaderLimits {
  int max_depth = 12;       // containers nested deeper than this are an error
  size_t max_boxes = 8192;  // boxes in the whole tree
};

// Parses `data` as a sequence of top-level boxes. Fails with kInvalidArgument on a truncated
// or inconsistent box (a child larger than its parent) and kResourceExhausted when a limit is
// exceeded.
base::Result<std::vector<Box>> ReadBoxes(std::span<const uint8_t> data,
                                         const BoxReaderLimits& limits = {});

// Bytes of the fixed fields a container box has before its children (e.g. 8 for "stsd":
// version/flags + entry_count; 78 for "avc1": the VisualSampleEntry fields), or -1 if `type`
// is not a container this parser descends into.
int ContainerHeaderBytes(std::string_view type);

// Splits a byte stream (any chunking) into whole top-level boxes, e.g. an fMP4 file read from
// a pipe. Sans-I/O: bytes in, whole boxes out (each an immutable Buffer). A box larger than
// `max_box_bytes` is an error before anything is buffered for it. Not thread-safe.
class BoxStreamSplitter {
 public:
  using BoxCallback = std::function<void(std::string_view type, base::Buffer box)>;

  explicit BoxStreamSplitter(uint64_t max_box_bytes) : max_box_bytes_(max_box_bytes) {}

  // Consumes all of `bytes`, calling `on_box` for each top-level box completed by them. After
  // an error every later call fails too.
  base::Status Feed(std::span<const uint8_t> bytes, const BoxCallback& on_box);
  // End of stream: completes a size-0 ("to the end") box; fails if a box is incomplete.
  base::Status Finish(const BoxCallback& on_box);

 private:
  base::Status ParseHeader();

  uint64_t max_box_bytes_;
  std::vector<uint8_t> pending_;  // bytes of the box being assembled
  uint64_t box_size_ = 0;         // 0 while the header is incomplete
  bool to_end_ = false;           // a size-0 box: everything until Finish()
  base::Status error_;
};

}  // namespace steadycast::formats::fmp4
