#include "base/base64.h"

#include <cstdint>

namespace steadycast::base {
namespace {

constexpr std::string_view kStandardAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlSafeAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string_view AlphabetOf(Base64Format format) {
  return format.alphabet == Base64Alphabet::kUrlSafe ? kUrlSafeAlphabet : kStandardAlphabet;
}

// The sextet for `c` in `alphabet`, or -1 for a character outside it.
int DecodeChar(char c, std::string_view alphabet) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == alphabet[62]) return 62;
  if (c == alphabet[63]) return 63;
  return -1;
}

Status Malformed(Base64Format format, std::string_view why) {
  const std::string_view name =
      format.alphabet == Base64Alphabet::kUrlSafe ? "base64url: " : "base64: ";
  return InvalidArgument(std::string(name) + std::string(why));
}

}  // namespace

std::string Base64Encode(std::string_view bytes, Base64Format format) {
  const std::string_view alphabet = AlphabetOf(format);
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  uint32_t acc = 0;
  int bits = 0;  // bits of `acc` not yet written
  for (char ch : bytes) {
    acc = ((acc << 8) | static_cast<uint8_t>(ch)) & 0xffff;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(alphabet[(acc >> bits) & 0x3f]);
    }
  }
  // The last character's unused low bits are zero: the canonical form (§3.5).
  if (bits > 0) out.push_back(alphabet[(acc << (6 - bits)) & 0x3f]);
  if (format.padding == Base64Padding::kRequired) {
    while (out.size() % 4 != 0) out.push_back('=');
  }
  return out;
}

Result<std::string> Base64Decode(std::string_view text, Base64Format format) {
  std::string_view body = text;
  if (format.padding == Base64Padding::kRequired) {
    if (text.size() % 4 != 0) return Malformed(format, "length not a multiple of 4");
    // At most two '=' end a quantum; any other '=' fails below as a foreign character.
    for (int i = 0; i < 2 && !body.empty() && body.back() == '='; ++i) body.remove_suffix(1);
  } else if (text.size() % 4 == 1) {
    // A lone trailing character carries only 6 bits: no byte can end there.
    return Malformed(format, "truncated");
  }
  const std::string_view alphabet = AlphabetOf(format);
  std::string out;
  out.reserve(body.size() / 4 * 3 + 2);
  uint32_t acc = 0;
  int bits = 0;  // bits of `acc` not yet emitted as a byte
  for (char c : body) {
    const int v = DecodeChar(c, alphabet);
    if (v < 0) return Malformed(format, "invalid character");
    acc = ((acc << 6) | static_cast<uint32_t>(v)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // Leftover bits (2 or 4) must be zero, or two encodings would decode to the same bytes.
  if ((acc & ((1u << bits) - 1)) != 0) return Malformed(format, "non-canonical");
  return out;
}

}  // namespace steadycast::base
