#include "store/sqlite/secret_hash.h"

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "store/sqlite/cursor.h"

namespace steadycast::store::sqlite {
namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

std::string Pbkdf2(std::string_view secret, std::string_view salt, int iterations) {
  std::string out(kHashBytes, '\0');
  const int ok =
      PKCS5_PBKDF2_HMAC(secret.data(), static_cast<int>(secret.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(),
                        static_cast<int>(out.size()), reinterpret_cast<unsigned char*>(out.data()));
  // Only fails on allocation failure or absurd arguments we never pass: an invariant.
  if (ok != 1) out.assign(kHashBytes, '\0');
  return out;
}

// Splits "a$b$c$d" into exactly four parts.
bool SplitFour(std::string_view text, std::string_view parts[4]) {
  for (int i = 0; i < 3; ++i) {
    const size_t dollar = text.find('$');
    if (dollar == std::string_view::npos) return false;
    parts[i] = text.substr(0, dollar);
    text.remove_prefix(dollar + 1);
  }
  parts[3] = text;
  return text.find('$') == std::string_view::npos;
}

}  // namespace

std::string HashSecret(std::string_view secret, int iterations) {
  std::string salt(kSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) !=
      1) {
    abort();  // no entropy: nothing safe can be issued (same policy as base::RandomUrlSafe)
  }
  return fmt::format("{}${}${}${}", kScheme, iterations, Base64UrlEncode(salt),
                     Base64UrlEncode(Pbkdf2(secret, salt, iterations)));
}

base::Result<bool> VerifySecret(std::string_view secret, std::string_view stored) {
  std::string_view parts[4];
  if (!SplitFour(stored, parts) || parts[0] != kScheme) {
    return base::Error(base::ErrorCode::kDataLoss, "secret hash: unknown format");
  }
  int iterations = 0;
  auto [end, ec] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), iterations);
  if (ec != std::errc() || end != parts[1].data() + parts[1].size() || iterations < 1 ||
      iterations > kMaxSecretHashIterations) {
    return base::Error(base::ErrorCode::kDataLoss, "secret hash: bad iteration count");
  }
  auto salt = Base64UrlDecode(parts[2]);
  auto expected = Base64UrlDecode(parts[3]);
  if (!salt.ok() || !expected.ok() || expected->size() != kHashBytes) {
    return base::Error(base::ErrorCode::kDataLoss, "secret hash: bad encoding");
  }
  const std::string actual = Pbkdf2(secret, *salt, iterations);
  return CRYPTO_memcmp(actual.data(), expected->data(), kHashBytes) == 0;
}

}  // namespace steadycast::store::sqlite
