#pragma once
// Opaque pagination cursors for "newest first" listings ordered by (created_at_ms DESC,
// id DESC). The cursor names the last item of the previous page, so pages stay stable while
// rows are inserted (keyset pagination: no duplicates or gaps, unlike OFFSET).
//
// Wire form: unpadded base64url of "CREATED_AT_MS:ID". Clients must treat it as opaque; the
// decoder is strict because the text comes straight from a query string (untrusted). Pure
// functions, thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace steadycast::store::sqlite {

struct CursorPosition {
  int64_t created_at_ms = 0;
  std::string id;
  bool operator==(const CursorPosition&) const = default;
};

inline constexpr size_t kMaxCursorLength = 200;  // encoded characters
inline constexpr size_t kMaxCursorIdLength = 64;

std::string EncodeCursor(const CursorPosition& position);
// kInvalidArgument unless `cursor` is exactly what EncodeCursor produces for some position
// (canonical base64url, decimal non-negative time, id of [a-z0-9_] within limits).
base::Result<CursorPosition> DecodeCursor(std::string_view cursor);

// Unpadded base64url (RFC 4648 §5), the form of cursors and stored secret hashes: shorthands
// for base::Base64Encode/Decode with base::kBase64UrlUnpadded. Decoding rejects padding,
// foreign characters and non-canonical trailing bits.
std::string Base64UrlEncode(std::string_view bytes);
base::Result<std::string> Base64UrlDecode(std::string_view text);

}  // namespace steadycast::store::sqlite
