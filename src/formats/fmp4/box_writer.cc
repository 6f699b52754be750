#include "formats/fmp4/box_writer.h"

#include <cassert>
#include <limits>

namespace steadycast::formats::fmp4 {

void BoxWriter::Begin(std::string_view type) {
  assert(type.size() == 4);
  open_.push_back(out_.size());
  bytes_.U32(0);
  bytes_.Text(type);
}

void BoxWriter::BeginFull(std::string_view type, uint8_t version, uint32_t flags) {
  Begin(type);
  bytes_.U8(version);
  bytes_.U24(flags);
}

void BoxWriter::End() {
  assert(!open_.empty());
  const size_t start = open_.back();
  open_.pop_back();
  const size_t box_size = out_.size() - start;
  // Callers bound what they write (segment byte caps) far below 4 GiB, so 32-bit sizes suffice.
  assert(box_size <= std::numeric_limits<uint32_t>::max());
  bytes_.PatchU32(start, static_cast<uint32_t>(box_size));
}

}  // namespace steadycast::formats::fmp4
