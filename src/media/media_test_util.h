#pragma once
// Test-only helpers for media/ tests: hex literals and an MSB-first bit writer to craft SPS
// and AudioSpecificConfig bits field by field (independently of the parsers under test).

#include <bit>
#include <cstdint>
#include <string_view>
#include <vector>

namespace steadycast::media::testing {

// "01 64 00 1e" or "0164001e" → bytes. Ignores spaces.
inline std::vector<uint8_t> Hex(std::string_view text) {
  std::vector<uint8_t> out;
  int high = -1;
  for (char c : text) {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    if (v < 0) continue;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  return out;
}

class TestBitWriter {
 public:
  void U(uint64_t value, int width) {
    for (int i = width - 1; i >= 0; --i) bits_.push_back(((value >> i) & 1) != 0);
  }
  void Flag(bool value) { U(value ? 1 : 0, 1); }
  void Ue(uint32_t value) {
    const uint64_t x = uint64_t{value} + 1;
    const int length = static_cast<int>(std::bit_width(x));
    U(0, length - 1);
    U(x, length);
  }
  void Se(int32_t value) {
    Ue(value > 0 ? static_cast<uint32_t>(2 * value - 1) : static_cast<uint32_t>(-2 * value));
  }
  size_t bit_count() const { return bits_.size(); }

  // Packs the bits, padding the last byte with zeros.
  std::vector<uint8_t> Bytes() const {
    std::vector<uint8_t> out((bits_.size() + 7) / 8, 0);
    for (size_t i = 0; i < bits_.size(); ++i) {
      if (bits_[i]) out[i / 8] |= static_cast<uint8_t>(0x80 >> (i % 8));
    }
    return out;
  }
  // rbsp_trailing_bits(): a stop bit then zeros to the byte boundary.
  std::vector<uint8_t> Rbsp() const {
    TestBitWriter copy = *this;
    copy.Flag(true);
    return copy.Bytes();
  }

 private:
  std::vector<bool> bits_;
};

// RBSP → NAL payload: inserts 0x03 after two zero bytes when the next byte is ≤ 3.
inline std::vector<uint8_t> AddEmulationPrevention(const std::vector<uint8_t>& rbsp) {
  std::vector<uint8_t> out;
  int zeros = 0;
  for (uint8_t byte : rbsp) {
    if (zeros >= 2 && byte <= 3) {
      out.push_back(3);
      zeros = 0;
    }
    out.push_back(byte);
    zeros = byte == 0 ? zeros + 1 : 0;
  }
  return out;
}

}  // namespace steadycast::media::testing
