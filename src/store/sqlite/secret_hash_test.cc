#include "store/sqlite/secret_hash.h"

#include <gtest/gtest.h>

namespace steadycast::store::sqlite {
namespace {

TEST(SecretHashTest, VerifiesOnlyTheRightSecret) {
  const std::string hash = HashSecret("correct horse", 100);
  EXPECT_EQ(hash.rfind("pbkdf2-sha256$100$", 0), 0u) << hash;
  EXPECT_EQ(hash.find("correct"), std::string::npos);
  EXPECT_TRUE(*VerifySecret("correct horse", hash));
  EXPECT_FALSE(*VerifySecret("correct horsf", hash));
  EXPECT_FALSE(*VerifySecret("", hash));
}

TEST(SecretHashTest, SaltMakesEqualSecretsHashDifferently) {
  EXPECT_NE(HashSecret("same", 10), HashSecret("same", 10));
}

TEST(SecretHashTest, KnownVectorRfc7914) {
  // PBKDF2-HMAC-SHA256("passwd", "salt", 1) from RFC 7914 §11, first 32 bytes, base64url.
  // salt "salt" = "c2FsdA"; hash = 55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc
  const std::string stored = "pbkdf2-sha256$1$c2FsdA$VawEblbjCJ_sFpHCJUS2BflBhSFt3gRl5oudV8INrLw";
  EXPECT_TRUE(*VerifySecret("passwd", stored));
}

TEST(SecretHashTest, ForeignFormatsAreDataLoss) {
  for (const char* stored :
       {"", "plain", "pbkdf2-sha256$1$c2FsdA", "md5$1$c2FsdA$AAAA", "pbkdf2-sha256$0$c2FsdA$AAAA",
        "pbkdf2-sha256$x$c2FsdA$AAAA", "pbkdf2-sha256$999999999$c2FsdA$AAAA",
        "pbkdf2-sha256$1$c2FsdA$AAAA", "pbkdf2-sha256$1$c2FsdA$AAAA$extra"}) {
    auto r = VerifySecret("s", stored);
    ASSERT_FALSE(r.ok()) << stored;
    EXPECT_EQ(r.status().code(), base::ErrorCode::kDataLoss) << stored;
  }
}

}  // namespace
}  // namespace steadycast::store::sqlite
