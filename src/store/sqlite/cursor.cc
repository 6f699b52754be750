#include "store/sqlite/cursor.h"

#include <charconv>

namespace steadycast::store::sqlite {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int DecodeChar(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

bool IsIdChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

base::Status BadCursor(std::string_view why) {
  return base::InvalidArgument("malformed cursor: " + std::string(why));
}

}  // namespace

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : bytes) {
    acc = (acc << 8) | static_cast<uint8_t>(ch);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3f]);
  return out;
}

base::Result<std::string> Base64UrlDecode(std::string_view text) {
  // A lone trailing character carries only 6 bits: no byte can end there.
  if (text.size() % 4 == 1) return base::InvalidArgument("base64url: truncated");
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = DecodeChar(c);
    if (v < 0) return base::InvalidArgument("base64url: invalid character");
    acc = ((acc << 6) | static_cast<uint32_t>(v)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // Leftover bits must be zero, so every byte string has exactly one encoding.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
    return base::InvalidArgument("base64url: non-canonical");
  }
  return out;
}

std::string EncodeCursor(const CursorPosition& position) {
  return Base64UrlEncode(std::to_string(position.created_at_ms) + ":" + position.id);
}

base::Result<CursorPosition> DecodeCursor(std::string_view cursor) {
  if (cursor.empty()) return BadCursor("empty");
  if (cursor.size() > kMaxCursorLength) return BadCursor("too long");
  auto decoded = Base64UrlDecode(cursor);
  if (!decoded.ok()) return BadCursor(decoded.status().message());
  const std::string_view text = *decoded;
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) return BadCursor("no separator");
  const std::string_view time = text.substr(0, colon);
  const std::string_view id = text.substr(colon + 1);
  // Digits only (no sign, no spaces); no leading zeros so the encoding stays canonical.
  if (time.empty() || time.size() > 18) return BadCursor("bad time");
  if (time.size() > 1 && time[0] == '0') return BadCursor("bad time");
  CursorPosition position;
  auto [end, ec] = std::from_chars(time.data(), time.data() + time.size(), position.created_at_ms);
  if (ec != std::errc() || end != time.data() + time.size() || time[0] == '-') {
    return BadCursor("bad time");
  }
  if (id.empty() || id.size() > kMaxCursorIdLength) return BadCursor("bad id");
  for (char c : id) {
    if (!IsIdChar(c)) return BadCursor("bad id");
  }
  position.id = std::string(id);
  return position;
}

}  // namespace steadycast::store::sqlite
