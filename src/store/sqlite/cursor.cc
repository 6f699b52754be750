#include "store/sqlite/cursor.h"

#include <charconv>

#include "base/base64.h"

namespace steadycast::store::sqlite {
namespace {

bool IsIdChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

base::Status BadCursor(std::string_view why) {
  return base::InvalidArgument("malformed cursor: " + std::string(why));
}

}  // namespace

std::string Base64UrlEncode(std::string_view bytes) {
  return base::Base64Encode(bytes, base::kBase64UrlUnpadded);
}

base::Result<std::string> Base64UrlDecode(std::string_view text) {
  return base::Base64Decode(text, base::kBase64UrlUnpadded);
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
