#include "events/webhook_signature.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "base/base64.h"

namespace steadycast::events {
namespace {

// Vectors computed independently with Python:
//   hmac.new(secret.encode(), (str(t) + "." + body).encode(), hashlib.sha256).hexdigest()
constexpr char kBody[] = R"({"id":"evt_1"})";
constexpr int64_t kT = 1'700'000'000;
constexpr char kCurrentHex[] = "c89214b5b5da833daed6f0b8c5bb6bd58cea9022bd80ccc78230f3942d632925";
constexpr char kPreviousHex[] = "ef1b1b7e4b312671a75ef2a03e10529f7834a6528a49db77ad6568c8c8017843";

TEST(WebhookSignatureTest, HexMatchesPythonHmac) {
  EXPECT_EQ(SignatureHex("whsec_test", kT, kBody), kCurrentHex);
  EXPECT_EQ(SignatureHex("whsec_old", kT, kBody), kPreviousHex);
  EXPECT_EQ(SignatureHex("key", 0, ""),
            "85841b4efc3cd7776c3c8f9b7cca9e281c550e5d19889d78e9e669c6337f000d");
  // The raw body is signed byte for byte: UTF-8 and an embedded NUL included.
  const std::string body("caf\xc3\xa9 \0 body", 12);
  EXPECT_EQ(SignatureHex("whsec_test", 1'764'115'200, body),
            "884aa3ea84afa54fab4841a0301e120b49870956a6663f8e4f156e751e888a35");
}

TEST(WebhookSignatureTest, HexMatchesOpensslCommandLine) {
  const std::string body = R"({"type":"live_stream.active","sequence":7})";
  const std::string path = ::testing::TempDir() + "webhook_signature_message.txt";
  {
    std::ofstream out(path, std::ios::binary);
    out << "1764115200." << body;
  }
  const std::string command = "openssl dgst -sha256 -hmac whsec_cli " + path + " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char line[256] = {};
  const bool got = fgets(line, sizeof line, pipe) != nullptr;
  const int rc = pclose(pipe);
  std::remove(path.c_str());
  if (!got || rc != 0) GTEST_SKIP() << "openssl command line not available";
  std::string text(line);  // "HMAC-SHA2-256(path)= hex\n"
  const size_t eq = text.rfind("= ");
  ASSERT_NE(eq, std::string::npos) << text;
  const std::string hex = text.substr(eq + 2, 64);
  EXPECT_EQ(SignatureHex("whsec_cli", 1'764'115'200, body), hex);
}

TEST(WebhookSignatureTest, HeaderHasOneV1PerSecretInOrder) {
  const std::vector<std::string> secrets = {"whsec_test", "whsec_old"};
  EXPECT_EQ(SignatureHeader(secrets, kT, kBody),
            std::string("t=1700000000,v1=") + kCurrentHex + ",v1=" + kPreviousHex);
  EXPECT_EQ(SignatureHeader(std::span(secrets).first(1), kT, kBody),
            std::string("t=1700000000,v1=") + kCurrentHex);
  EXPECT_EQ(SignatureHeader({}, kT, kBody), "t=1700000000");
}

TEST(WebhookSignatureTest, VerifyAcceptsEitherSecretDuringRotation) {
  const std::vector<std::string> secrets = {"whsec_test", "whsec_old"};
  const std::string header = SignatureHeader(secrets, kT, kBody);
  EXPECT_TRUE(VerifySignature(header, "whsec_test", kBody, kT).ok());
  EXPECT_TRUE(VerifySignature(header, "whsec_old", kBody, kT + 10).ok());
  // After the overlap only the current secret signs: the old one no longer verifies.
  const std::string after = SignatureHeader(std::span(secrets).first(1), kT, kBody);
  EXPECT_TRUE(VerifySignature(after, "whsec_test", kBody, kT).ok());
  EXPECT_EQ(VerifySignature(after, "whsec_old", kBody, kT).code(),
            base::ErrorCode::kUnauthenticated);
}

TEST(WebhookSignatureTest, VerifyRejectsTamperingAndWrongSecret) {
  const std::vector<std::string> secrets = {"whsec_test"};
  const std::string header = SignatureHeader(secrets, kT, kBody);
  EXPECT_EQ(VerifySignature(header, "whsec_other", kBody, kT).code(),
            base::ErrorCode::kUnauthenticated);
  EXPECT_EQ(VerifySignature(header, "whsec_test", R"({"id":"evt_2"})", kT).code(),
            base::ErrorCode::kUnauthenticated);
  // A replayed signature with a new timestamp does not verify: t is signed too.
  std::string moved = header;
  moved.replace(2, 10, "1700000001");
  EXPECT_EQ(VerifySignature(moved, "whsec_test", kBody, kT).code(),
            base::ErrorCode::kUnauthenticated);
}

TEST(WebhookSignatureTest, VerifyEnforcesToleranceBothWays) {
  const std::vector<std::string> secrets = {"whsec_test"};
  const std::string header = SignatureHeader(secrets, kT, kBody);
  EXPECT_TRUE(VerifySignature(header, "whsec_test", kBody, kT + 300).ok());
  EXPECT_TRUE(VerifySignature(header, "whsec_test", kBody, kT - 300).ok());
  const base::Status late = VerifySignature(header, "whsec_test", kBody, kT + 301);
  EXPECT_EQ(late.code(), base::ErrorCode::kUnauthenticated);
  EXPECT_NE(late.message().find("tolerance"), std::string::npos);
  EXPECT_FALSE(VerifySignature(header, "whsec_test", kBody, kT - 301).ok());
  EXPECT_TRUE(VerifySignature(header, "whsec_test", kBody, kT + 3600, std::chrono::hours(2)).ok());
}

TEST(WebhookSignatureTest, ParseAcceptsSpacesAndSkipsUnknownSchemes) {
  const std::string header =
      std::string(" t=1700000000 ,\tv0=whatever, v1=") + kCurrentHex + " ,v2=future";
  auto parsed = ParseSignatureHeader(header);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->t_unix_seconds, kT);
  EXPECT_EQ(parsed->v1, std::vector<std::string>{kCurrentHex});
  EXPECT_TRUE(VerifySignature(header, "whsec_test", kBody, kT).ok());
}

TEST(WebhookSignatureTest, ParseRejectsMalformedHeaders) {
  const std::string v1 = std::string("v1=") + kCurrentHex;
  const std::vector<std::string> bad = {
      "",
      "t=1700000000",                              // no v1
      v1,                                          // no t
      "t=1,t=2," + v1,                             // two t
      "t=," + v1,                                  // empty t
      "t=-5," + v1,                                // sign
      "t=1234567890123456," + v1,                  // 16 digits
      "t=17x," + v1,                               // not decimal
      "t=1,v1=abc",                                // short v1
      "t=1,v1=" + std::string(64, 'A'),            // uppercase hex
      "t=1,v1=" + std::string(64, 'g'),            // not hex
      "t=1,," + v1,                                // empty element
      "t=1,=x," + v1,                              // empty key
      "t=1,junk," + v1,                            // no '='
      "t=1," + v1 + "," + std::string(5000, ' '),  // over the size limit
  };
  for (const std::string& header : bad) {
    auto parsed = ParseSignatureHeader(header);
    EXPECT_FALSE(parsed.ok()) << header;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().code(), base::ErrorCode::kInvalidArgument) << header;
    }
    EXPECT_FALSE(VerifySignature(header, "whsec_test", kBody, kT).ok()) << header;
  }
}

TEST(WebhookSignatureTest, ParseLimitsTheNumberOfSignatures) {
  std::string header = "t=1";
  for (size_t i = 0; i < kMaxSignaturesPerHeader; ++i) header += ",v1=" + std::string(64, 'a');
  EXPECT_TRUE(ParseSignatureHeader(header).ok());
  header += ",v1=" + std::string(64, 'b');
  EXPECT_FALSE(ParseSignatureHeader(header).ok());
}

TEST(WebhookSignatureTest, NewSecretsAreWellFormedAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 64; ++i) {
    const std::string secret = NewWebhookSecret();
    ASSERT_EQ(secret.size(), 49u);
    ASSERT_EQ(secret.substr(0, 6), "whsec_");
    auto raw = base::Base64Decode(secret.substr(6), base::kBase64UrlUnpadded);
    ASSERT_TRUE(raw.ok()) << secret;
    EXPECT_EQ(raw->size(), 32u);
    seen.insert(secret);
  }
  EXPECT_EQ(seen.size(), 64u);
}

}  // namespace
}  // namespace steadycast::events
