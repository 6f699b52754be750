#include "base/bytes.h"

#include <fmt/format.h>

namespace steadycast::base {

bool ByteReader::ReadU8(uint8_t& out) {
  if (remaining() < 1) return false;
  out = data_[pos_++];
  return true;
}

bool ByteReader::ReadU16(uint16_t& out) {
  if (remaining() < 2) return false;
  out = static_cast<uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
  pos_ += 2;
  return true;
}

bool ByteReader::ReadU24(uint32_t& out) {
  if (remaining() < 3) return false;
  out = (uint32_t{data_[pos_]} << 16) | (uint32_t{data_[pos_ + 1]} << 8) | data_[pos_ + 2];
  pos_ += 3;
  return true;
}

bool ByteReader::ReadU32(uint32_t& out) {
  if (remaining() < 4) return false;
  out = (uint32_t{data_[pos_]} << 24) | (uint32_t{data_[pos_ + 1]} << 16) |
        (uint32_t{data_[pos_ + 2]} << 8) | data_[pos_ + 3];
  pos_ += 4;
  return true;
}

bool ByteReader::ReadU64(uint64_t& out) {
  uint32_t hi = 0;
  uint32_t lo = 0;
  if (remaining() < 8) return false;
  (void)ReadU32(hi);
  (void)ReadU32(lo);
  out = (uint64_t{hi} << 32) | lo;
  return true;
}

bool ByteReader::ReadU32LittleEndian(uint32_t& out) {
  if (remaining() < 4) return false;
  out = uint32_t{data_[pos_]} | (uint32_t{data_[pos_ + 1]} << 8) |
        (uint32_t{data_[pos_ + 2]} << 16) | (uint32_t{data_[pos_ + 3]} << 24);
  pos_ += 4;
  return true;
}

bool ByteReader::ReadBytes(size_t n, std::span<const uint8_t>& out) {
  if (remaining() < n) return false;
  out = data_.subspan(pos_, n);
  pos_ += n;
  return true;
}

bool ByteReader::Skip(size_t n) {
  if (remaining() < n) return false;
  pos_ += n;
  return true;
}

bool ByteReader::PeekU8(uint8_t& out) const {
  if (remaining() < 1) return false;
  out = data_[pos_];
  return true;
}

void ByteWriter::U16(uint16_t v) {
  out_.push_back(static_cast<uint8_t>(v >> 8));
  out_.push_back(static_cast<uint8_t>(v));
}

void ByteWriter::U24(uint32_t v) {
  out_.push_back(static_cast<uint8_t>(v >> 16));
  out_.push_back(static_cast<uint8_t>(v >> 8));
  out_.push_back(static_cast<uint8_t>(v));
}

void ByteWriter::U32(uint32_t v) {
  U16(static_cast<uint16_t>(v >> 16));
  U16(static_cast<uint16_t>(v));
}

void ByteWriter::U64(uint64_t v) {
  U32(static_cast<uint32_t>(v >> 32));
  U32(static_cast<uint32_t>(v));
}

void ByteWriter::U32LittleEndian(uint32_t v) {
  for (int i = 0; i < 4; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void ByteWriter::PatchU32(size_t offset, uint32_t v) {
  out_[offset] = static_cast<uint8_t>(v >> 24);
  out_[offset + 1] = static_cast<uint8_t>(v >> 16);
  out_[offset + 2] = static_cast<uint8_t>(v >> 8);
  out_[offset + 3] = static_cast<uint8_t>(v);
}

uint32_t BitReader::ReadBits(int n) {
  uint32_t value = 0;
  for (int i = 0; i < n; ++i) {
    if (bit_pos_ >= data_.size() * 8) {
      failed_ = true;
      return 0;
    }
    const uint8_t byte = data_[bit_pos_ / 8];
    const int bit = (byte >> (7 - static_cast<int>(bit_pos_ % 8))) & 1;
    value = (value << 1) | static_cast<uint32_t>(bit);
    ++bit_pos_;
  }
  return value;
}

uint32_t BitReader::ReadUnsignedExpGolomb() {
  int leading_zeros = 0;
  while (!failed_ && ReadBits(1) == 0) {
    if (++leading_zeros > 31) {
      failed_ = true;
      return 0;
    }
  }
  if (failed_) return 0;
  const uint64_t rest = ReadBits(leading_zeros);
  return static_cast<uint32_t>((uint64_t{1} << leading_zeros) - 1 + rest);
}

int32_t BitReader::ReadSignedExpGolomb() {
  const uint32_t k = ReadUnsignedExpGolomb();
  const auto magnitude = static_cast<int32_t>((k + 1) / 2);
  return (k % 2 == 1) ? magnitude : -magnitude;
}

void BitReader::SkipBits(size_t n) {
  if (bit_pos_ + n > data_.size() * 8) {
    failed_ = true;
    bit_pos_ = data_.size() * 8;
    return;
  }
  bit_pos_ += n;
}

std::string HexDump(std::span<const uint8_t> data, size_t max_bytes) {
  std::string out;
  const size_t n = std::min(data.size(), max_bytes);
  for (size_t i = 0; i < n; ++i) {
    if (i) out.push_back(' ');
    out += fmt::format("{:02x}", data[i]);
  }
  if (data.size() > n) out += fmt::format(" ... ({} bytes)", data.size());
  return out;
}

}  // namespace steadycast::base
