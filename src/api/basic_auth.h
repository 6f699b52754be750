#pragma once
// Parses an HTTP Basic "Authorization" header value (RFC 7617 §2) into the token id and
// secret of an API access token ("token_id:token_secret"). Pure and thread-safe; the input is
// untrusted, so the decoder bounds the length before decoding and rejects anything that is not
// canonical base64 (RFC 4648 §4).

#include <string>
#include <string_view>

#include "base/base64.h"
#include "base/status.h"

namespace steadycast::api {

inline constexpr size_t kMaxAuthorizationLength = 1024;

struct BasicCredentials {
  std::string user;      // token id
  std::string password;  // token secret
  bool operator==(const BasicCredentials&) const = default;
};

// kUnauthenticated for a missing, non-Basic or malformed value. The auth scheme name is
// case-insensitive; the user id ends at the first ':' (RFC 7617: user-ids hold no colon).
base::Result<BasicCredentials> ParseBasicAuthorization(std::string_view header);

// Standard base64 with padding (the form ParseBasicAuthorization accepts); tests use it to
// build headers.
inline std::string Base64Encode(std::string_view bytes) {
  return base::Base64Encode(bytes, base::kBase64Standard);
}

}  // namespace steadycast::api
