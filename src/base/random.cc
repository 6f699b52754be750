#include "base/random.h"

#include <cstdint>
#include <stdexcept>
#include <vector>

#include <openssl/rand.h>

#include "base/base64.h"

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
  std::vector<uint8_t> raw(bytes);
  Fill(raw);
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()),
                      kBase64UrlUnpadded);
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
