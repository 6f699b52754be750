#pragma once
// Big-endian byte reading and writing for wire formats (RTMP, FLV, MP4 and MPEG-TS are all
// network byte order). ByteReader never reads past its span: every read reports failure
// instead, so parsers can turn a short read into an error value.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace steadycast::base {

class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> data) : data_(data) {}

  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  bool empty() const { return remaining() == 0; }
  std::span<const uint8_t> rest() const { return data_.subspan(pos_); }

  bool ReadU8(uint8_t& out);
  bool ReadU16(uint16_t& out);
  bool ReadU24(uint32_t& out);
  bool ReadU32(uint32_t& out);
  bool ReadU64(uint64_t& out);
  bool ReadU32LittleEndian(uint32_t& out);
  bool ReadBytes(size_t n, std::span<const uint8_t>& out);
  bool Skip(size_t n);
  bool PeekU8(uint8_t& out) const;

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

// Appends big-endian values to a vector it does not own.
class ByteWriter {
 public:
  explicit ByteWriter(std::vector<uint8_t>& out) : out_(out) {}

  void U8(uint8_t v) { out_.push_back(v); }
  void U16(uint16_t v);
  void U24(uint32_t v);
  void U32(uint32_t v);
  void U64(uint64_t v);
  void U32LittleEndian(uint32_t v);
  void Bytes(std::span<const uint8_t> bytes) {
    out_.insert(out_.end(), bytes.begin(), bytes.end());
  }
  void Text(std::string_view text) { out_.insert(out_.end(), text.begin(), text.end()); }
  void Zeros(size_t n) { out_.insert(out_.end(), n, 0); }
  size_t size() const { return out_.size(); }
  // Overwrites a big-endian u32 at `offset` (for box sizes written after their content).
  void PatchU32(size_t offset, uint32_t v);

 private:
  std::vector<uint8_t>& out_;
};

// Reads bits MSB-first (H.264 SPS, AAC AudioSpecificConfig). Out-of-data reads set failed().
class BitReader {
 public:
  explicit BitReader(std::span<const uint8_t> data) : data_(data) {}
  uint32_t ReadBits(int n);  // n in 0..32
  bool ReadFlag() { return ReadBits(1) != 0; }
  uint32_t ReadUnsignedExpGolomb();
  int32_t ReadSignedExpGolomb();
  void SkipBits(size_t n);
  bool failed() const { return failed_; }
  size_t bits_left() const { return data_.size() * 8 - std::min(bit_pos_, data_.size() * 8); }

 private:
  std::span<const uint8_t> data_;
  size_t bit_pos_ = 0;
  bool failed_ = false;
};

std::string HexDump(std::span<const uint8_t> data, size_t max_bytes = 64);

}  // namespace steadycast::base
