#include "base/random.h"

#include <cstdint>
#include <stdexcept>
#include <vector>

#include <openssl/rand.h>

namespace steadycast::base {
namespace {

void Fill(std::vector<uint8_t>& out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    // Without entropy no secret is safe to hand out: this is an invariant, not input.
    throw std::runtime_error("RAND_bytes failed");
  }
}

}  // namespace

std::string RandomUrlSafe(size_t bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::vector<uint8_t> raw(bytes);
  Fill(raw);
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : raw) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3f]);
  return out;
}

std::string RandomId(std::string_view prefix) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::vector<uint8_t> raw(24);
  std::string out(prefix);
  out.push_back('_');
  // Rejection sampling keeps the distribution uniform over 36 symbols.
  while (out.size() < prefix.size() + 1 + 24) {
    Fill(raw);
    for (uint8_t b : raw) {
      if (b < 252 && out.size() < prefix.size() + 1 + 24) out.push_back(kAlphabet[b % 36]);
    }
  }
  return out;
}

}  // namespace steadycast::base
