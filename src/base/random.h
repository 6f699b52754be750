#pragma once
// Cryptographically secure identifiers and secrets (OpenSSL RAND_bytes).

#include <cstddef>
#include <string>
#include <string_view>

namespace steadycast::base {

// `bytes` random bytes as unpadded base64url (URL-safe): 16 bytes → 22 characters.
std::string RandomUrlSafe(size_t bytes);
// prefix + "_" + 24 lowercase alphanumerics (~142 bits), e.g. "ls_3k9...".
std::string RandomId(std::string_view prefix);

}  // namespace steadycast::base
