#pragma once
// Base64 encoding and strict decoding (RFC 4648). The one implementation for the whole
// server: HTTP Basic credentials use the standard alphabet with padding (§4), cursors, secrets
// and JWS tokens use the URL-safe alphabet without padding (§5, RFC 7515 §2).
//
// Decoding is strict because its input is untrusted (headers, query strings, tokens): only the
// canonical encoding of some byte string is accepted (§3.5), so decode then encode gives the
// input back. Rejected: characters outside the chosen alphabet (whitespace, line breaks, the
// other alphabet's 62/63), missing, misplaced or forbidden '=', lengths no encoding has, and
// non-zero unused bits in the last character. The output is at most 3/4 of the input, so the
// caller bounds memory by bounding the input length. Pure functions, thread-safe.

#include <string>
#include <string_view>

#include "base/status.h"

namespace steadycast::base {

enum class Base64Alphabet {
  kStandard,  // RFC 4648 §4: "+/" for 62 and 63
  kUrlSafe,   // RFC 4648 §5: "-_" for 62 and 63
};

enum class Base64Padding {
  kRequired,   // length is a multiple of 4, filled with '=' (§3.2)
  kForbidden,  // no '=' at all; length is never 4k+1
};

struct Base64Format {
  Base64Alphabet alphabet = Base64Alphabet::kStandard;
  Base64Padding padding = Base64Padding::kRequired;
};

// RFC 4648 §4 as used by HTTP Basic authentication (RFC 7617).
inline constexpr Base64Format kBase64Standard{Base64Alphabet::kStandard, Base64Padding::kRequired};
// RFC 4648 §5 without padding, as in JWS (RFC 7515 §2) and our ids, cursors and secrets.
inline constexpr Base64Format kBase64UrlUnpadded{Base64Alphabet::kUrlSafe,
                                                 Base64Padding::kForbidden};

std::string Base64Encode(std::string_view bytes, Base64Format format);

// kInvalidArgument unless `text` is the canonical encoding of some bytes in `format`. Messages
// start with "base64:" (standard alphabet) or "base64url:" (URL-safe alphabet).
Result<std::string> Base64Decode(std::string_view text, Base64Format format);

}  // namespace steadycast::base
