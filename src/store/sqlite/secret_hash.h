#pragma once
// Hashing of API token secrets for storage (docs/contract.md: "Secrets are stored hashed and
// compared in constant time").
//
// Format: "pbkdf2-sha256$ITERATIONS$SALT$HASH" (salt and hash base64url): PBKDF2-HMAC-SHA256
// (RFC 8018 §5.2) with a 16-byte random salt. The secrets are 256-bit random strings, so the
// stretching is defence in depth rather than what keeps them safe; the iteration count is
// therefore moderate: every API request verifies a token, and a slow hash would mostly hand
// unauthenticated callers a cheap way to burn CPU. It is stored per hash, so it can be raised
// later without invalidating existing tokens. Pure functions, thread-safe.

#include <string>
#include <string_view>

#include "base/status.h"

namespace steadycast::store::sqlite {

inline constexpr int kDefaultSecretHashIterations = 2'000;   // ≈1 ms per verification
inline constexpr int kMaxSecretHashIterations = 10'000'000;  // bounds work on a bad row

// Hashes `secret` with a fresh random salt.
std::string HashSecret(std::string_view secret, int iterations = kDefaultSecretHashIterations);

// True when `secret` matches `stored` (compared with CRYPTO_memcmp). kDataLoss when `stored`
// is not a hash this code wrote.
base::Result<bool> VerifySecret(std::string_view secret, std::string_view stored);

}  // namespace steadycast::store::sqlite
