#pragma once
// BoxWriter: appends ISO base media file format boxes (ISO/IEC 14496-12 §4.2) to a byte vector.
// Boxes are opened with Begin()/BeginFull() and closed with End(), which patches the 32-bit size
// written as a placeholder, so nested boxes are written in one pass without precomputing sizes.
// The writer does not own the vector. Not thread-safe (one writer per segment being built).

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "base/bytes.h"

namespace steadycast::formats::fmp4 {

class BoxWriter {
 public:
  explicit BoxWriter(std::vector<uint8_t>& out) : out_(out), bytes_(out) {}

  // Opens a box: size placeholder + 4-character type.
  void Begin(std::string_view type);
  // Opens a FullBox (§4.2.2): also writes version (8 bits) and flags (24 bits).
  void BeginFull(std::string_view type, uint8_t version, uint32_t flags);
  // Closes the innermost open box and patches its size. Every Begin needs one End.
  void End();

  base::ByteWriter& bytes() { return bytes_; }
  size_t size() const { return out_.size(); }
  size_t open_boxes() const { return open_.size(); }

 private:
  std::vector<uint8_t>& out_;
  base::ByteWriter bytes_;
  std::vector<size_t> open_;  // offsets of the size fields of the open boxes
};

}  // namespace steadycast::formats::fmp4
