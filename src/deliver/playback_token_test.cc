#include "deliver/playback_token.h"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/base64.h"
#include "deliver/testdata/token_vectors.h"

// Tokens come from testdata/token_vectors.h, made with the openssl command line
// (testdata/make_token_vectors.sh), so the verifier is checked against an independent signer.

namespace steadycast::deliver {
namespace {

namespace v = testing;

// Tokens are unpadded base64url (RFC 7515 §2); nullopt when base:: refuses the text.
std::string Base64UrlEncode(std::string_view bytes) {
  return base::Base64Encode(bytes, base::kBase64UrlUnpadded);
}
std::optional<std::string> Base64UrlDecode(std::string_view text) {
  auto decoded = base::Base64Decode(text, base::kBase64UrlUnpadded);
  if (!decoded.ok()) return std::nullopt;
  return *std::move(decoded);
}

constexpr std::string_view kPb = "pb_signed";

PlaybackSigningKey Hs(std::string_view secret, std::string kid = "") {
  return {TokenAlgorithm::kHs256, std::move(kid), std::string(secret)};
}
PlaybackSigningKey Rs(std::string_view pem, std::string kid = "") {
  return {TokenAlgorithm::kRs256, std::move(kid), std::string(pem)};
}

class PlaybackTokenTest : public ::testing::Test {
 protected:
  PlaybackTokenTest() {
    // FakeClock starts at 1700000000 s; pin it so the vectors' exp/nbf mean what they say.
    EXPECT_EQ(base::ToUnixMillis(clock_.WallNow()), 1'700'000'000'000);
  }

  std::unique_ptr<PlaybackTokenVerifier> Make(std::vector<PlaybackSigningKey> keys,
                                              PlaybackTokenOptions options = {}) {
    auto verifier = PlaybackTokenVerifier::Create(std::move(keys), clock_, options);
    EXPECT_TRUE(verifier.ok()) << verifier.status().ToString();
    return verifier.ok() ? std::move(verifier).value() : nullptr;
  }

  // The refusal reason, or "" when accepted.
  static std::string Refusal(const PlaybackTokenVerifier& verifier, std::string_view token,
                             std::string_view pb = kPb) {
    base::Status status = verifier.Verify(token, pb);
    if (status.ok()) return "";
    EXPECT_EQ(status.code(), base::ErrorCode::kPermissionDenied);
    if (token.size() >= 8) {
      EXPECT_EQ(status.message().find(token.substr(0, 20)), std::string::npos) << "token echoed";
    }
    return status.message();
  }

  base::FakeClock clock_;
};

// Replaces the claims part of `token` (keeping header and signature).
std::string WithClaims(std::string_view token, std::string_view claims_json) {
  const size_t dot1 = token.find('.');
  const size_t dot2 = token.find('.', dot1 + 1);
  return std::string(token.substr(0, dot1 + 1)) + Base64UrlEncode(claims_json) +
         std::string(token.substr(dot2));
}

TEST_F(PlaybackTokenTest, AcceptsValidHs256Tokens) {
  auto verifier = Make({Hs(v::kSecret1)});
  EXPECT_EQ(Refusal(*verifier, v::kHsValid), "");
  EXPECT_EQ(Refusal(*verifier, v::kHsNoTyp), "");
  EXPECT_EQ(Refusal(*verifier, v::kHsNbfPast), "");
  EXPECT_EQ(Refusal(*verifier, v::kHsAudArray), "");
  EXPECT_EQ(verifier->key_count(), 1u);
}

TEST_F(PlaybackTokenTest, ExpiryHonoursLeeway) {
  auto verifier = Make({Hs(v::kSecret1)});
  EXPECT_EQ(Refusal(*verifier, v::kHsExpired), "token: expired");
  EXPECT_EQ(Refusal(*verifier, v::kHsExpiredWithinLeeway), "");  // 10 s ago, leeway 30 s
  auto strict = Make({Hs(v::kSecret1)}, {.leeway = std::chrono::seconds(0)});
  EXPECT_EQ(Refusal(*strict, v::kHsExpiredWithinLeeway), "token: expired");
  // exp 1700000000.5: valid for half a second without leeway, then refused.
  EXPECT_EQ(Refusal(*strict, v::kHsExpFraction), "");
  clock_.Advance(std::chrono::milliseconds(500));
  EXPECT_EQ(Refusal(*strict, v::kHsExpFraction), "token: expired");
  // The valid token runs out 600 s + leeway after "now".
  clock_.Advance(std::chrono::seconds(629));
  EXPECT_EQ(Refusal(*verifier, v::kHsValid), "");
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(Refusal(*verifier, v::kHsValid), "token: expired");
}

TEST_F(PlaybackTokenTest, NotBeforeInTheFutureIsRefused) {
  auto verifier = Make({Hs(v::kSecret1)});
  EXPECT_EQ(Refusal(*verifier, v::kHsNbfFuture), "token: not valid yet (nbf)");
  EXPECT_EQ(Refusal(*verifier, v::kHsNbfString), "token: nbf claim is not a number");
  clock_.Advance(std::chrono::seconds(300 - 30));  // within the leeway of nbf
  EXPECT_EQ(Refusal(*verifier, v::kHsNbfFuture), "");
}

TEST_F(PlaybackTokenTest, ClaimsMustNamePlaybackIdAndCarryExp) {
  auto verifier = Make({Hs(v::kSecret1)});
  EXPECT_EQ(Refusal(*verifier, v::kHsValid, "pb_other"),
            "token: sub claim does not match the playback id");
  EXPECT_NE(Refusal(*verifier, v::kHsValid, "pb_signe"), "");
  EXPECT_EQ(Refusal(*verifier, v::kHsNoSub), "token: sub claim missing");
  EXPECT_EQ(Refusal(*verifier, v::kHsNoExp), "token: exp claim missing or not a number");
  EXPECT_EQ(Refusal(*verifier, v::kHsExpString), "token: exp claim missing or not a number");
  EXPECT_EQ(Refusal(*verifier, v::kHsClaimsArray), "token: claims are not a JSON object");
}

TEST_F(PlaybackTokenTest, AudienceMustBeVideoWhenPresent) {
  auto verifier = Make({Hs(v::kSecret1)});
  EXPECT_EQ(Refusal(*verifier, v::kHsAudThumbnail),
            "token: aud claim is not \"v\" (video playback)");
  EXPECT_NE(Refusal(*verifier, v::kHsAudNumber), "");
  EXPECT_EQ(Refusal(*verifier, v::kHsAudArray), "");
  EXPECT_EQ(Refusal(*verifier, v::kHsNoTyp), "");  // no aud at all
}

TEST_F(PlaybackTokenTest, RefusesAlgNoneAndOtherAlgorithms) {
  auto verifier = Make({Hs(v::kSecret1), Rs(v::kRsa1SpkiPem)});
  const std::string claims = Base64UrlEncode(R"({"sub":"pb_signed","exp":1700000600})");
  for (std::string_view header :
       {R"({"alg":"none"})", R"({"alg":"None"})", R"({"alg":"hs256"})", R"({"alg":"ES256"})",
        R"({"alg":"PS256"})", R"({"typ":"JWT"})", R"({"alg":null})", R"({"alg":["HS256"]})"}) {
    const std::string unsigned_token = Base64UrlEncode(header) + "." + claims + ".";
    EXPECT_EQ(Refusal(*verifier, unsigned_token), "token: alg must be HS256 or RS256") << header;
  }
  // alg none with a real HS256 signature still fails: the header decides, and it says none.
  const std::string valid(v::kHsNoTyp);
  const std::string none_header =
      Base64UrlEncode(R"({"alg":"none"})") + valid.substr(valid.find('.'));
  EXPECT_EQ(Refusal(*verifier, none_header), "token: alg must be HS256 or RS256");
  EXPECT_EQ(Refusal(*verifier, v::kHs512), "token: alg must be HS256 or RS256");
  // Duplicate "alg": the last one counts (RFC 7515 §4), here "none".
  EXPECT_EQ(Refusal(*verifier, v::kHsDuplicateAlg), "token: alg must be HS256 or RS256");
}

TEST_F(PlaybackTokenTest, RefusesUnsupportedHeaderParameters) {
  auto verifier = Make({Hs(v::kSecret1)});
  EXPECT_EQ(Refusal(*verifier, v::kHsCrit), "token: critical header extensions are not supported");
  EXPECT_EQ(Refusal(*verifier, v::kHsTypNumber), "token: typ is not a string");
  EXPECT_EQ(Refusal(*verifier, v::kHsKidNumber), "token: kid is not a string");
}

TEST_F(PlaybackTokenTest, RefusesTamperedTokens) {
  auto verifier = Make({Hs(v::kSecret1)});
  // Another sub or a later exp under the original signature.
  EXPECT_EQ(Refusal(*verifier, WithClaims(v::kHsValid, R"({"sub":"pb_signed","exp":1900000000})")),
            "token: signature does not verify");
  std::string flipped(v::kHsValid);
  flipped[flipped.size() - 5] = flipped[flipped.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Refusal(*verifier, flipped), "token: signature does not verify");
  std::string truncated(v::kHsValid);
  truncated.resize(truncated.size() - 4);
  EXPECT_EQ(Refusal(*verifier, truncated), "token: signature does not verify");
  // Header changed (typ dropped) under the same signature.
  const std::string valid(v::kHsValid);
  EXPECT_EQ(
      Refusal(*verifier, Base64UrlEncode(R"({"alg":"HS256"})") + valid.substr(valid.find('.'))),
      "token: signature does not verify");
}

TEST_F(PlaybackTokenTest, RefusesMalformedTokens) {
  auto verifier = Make({Hs(v::kSecret1)});
  const std::string valid(v::kHsValid);
  const size_t dot1 = valid.find('.');
  const size_t dot2 = valid.find('.', dot1 + 1);
  const std::string header = valid.substr(0, dot1);
  const std::string claims = valid.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string signature = valid.substr(dot2 + 1);
  struct Case {
    std::string token;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"", "token: missing"},
      {"abc", "token: not a JWS compact serialization (three dot-separated parts)"},
      {header + "." + claims, "token: not a JWS compact serialization (three dot-separated parts)"},
      {valid + ".x.y", "token: not a JWS compact serialization (three dot-separated parts)"},
      {header + "=." + claims + "." + signature, "token: header is not base64url"},
      {header + "." + claims + "." + signature + "=", "token: signature is not base64url"},
      {header + "." + claims + "." + signature.substr(0, 10) + "+" + signature.substr(11),
       "token: signature is not base64url"},
      {header + "." + claims + "." + signature.substr(0, 10) + "/" + signature.substr(11),
       "token: signature is not base64url"},
      {"e30." + claims + "." + signature, "token: alg must be HS256 or RS256"},      // "{}"
      {"bnVsbA." + claims + "." + signature, "token: header is not a JSON object"},  // "null"
      {"eyJhbGciOiJIUzI1NiJ9x." + claims + "." + signature, "token: header is not base64url"},
      {Base64UrlEncode("{\"alg\":\"HS256\"") + "." + claims + "." + signature,
       "token: header is not a JSON object"},
      {Base64UrlEncode(R"({"alg":"HS256"} {})") + "." + claims + "." + signature,
       "token: header is not a JSON object"},
      {std::string(5000, 'a'), "token: too long"},
  };
  for (const Case& c : cases) EXPECT_EQ(Refusal(*verifier, c.token), c.reason) << c.token;
}

TEST_F(PlaybackTokenTest, TokenLengthLimitIsConfigurable) {
  auto verifier = Make({Hs(v::kSecret1)}, {.max_token_length = 64});
  EXPECT_EQ(Refusal(*verifier, v::kHsValid), "token: too long");
}

TEST_F(PlaybackTokenTest, WrongKeyIsRefused) {
  auto verifier = Make({Hs(v::kSecret2)});
  EXPECT_EQ(Refusal(*verifier, v::kHsValid), "token: signature does not verify");
  auto none = Make({});
  EXPECT_EQ(Refusal(*none, v::kHsValid), "token: no signing key for this alg/kid");
  auto rsa_only = Make({Rs(v::kRsa1SpkiPem)});
  EXPECT_EQ(Refusal(*rsa_only, v::kHsValid), "token: no signing key for this alg/kid");
}

TEST_F(PlaybackTokenTest, KidSelectsTheKey) {
  auto verifier = Make({Hs(v::kSecret1, "k1"), Hs(v::kSecret2, "k2")});
  EXPECT_EQ(Refusal(*verifier, v::kHsKid1), "");
  EXPECT_EQ(Refusal(*verifier, v::kHsKid2), "");
  // k2 names the second key; a signature by the first is not tried against it.
  EXPECT_EQ(Refusal(*verifier, v::kHsKid2SignedBySecret1), "token: signature does not verify");
  EXPECT_EQ(Refusal(*verifier, v::kHsKidUnknown), "token: no signing key for this alg/kid");
  // Without a kid in the token, every HS256 key is tried.
  EXPECT_EQ(Refusal(*verifier, v::kHsNoTyp), "");
  // Keys without a kid serve tokens whose kid matches no key.
  auto unnamed = Make({Hs(v::kSecret2, "k2"), Hs(v::kSecret1)});
  EXPECT_EQ(Refusal(*unnamed, v::kHsKidUnknown), "");
  EXPECT_EQ(Refusal(*unnamed, v::kHsKid2SignedBySecret1), "token: signature does not verify");
}

TEST_F(PlaybackTokenTest, Rs256ValidAndInvalid) {
  auto verifier = Make({Rs(v::kRsa1SpkiPem, "rsa1")});
  EXPECT_EQ(Refusal(*verifier, v::kRsValid), "");
  EXPECT_EQ(Refusal(*verifier, v::kRsNoKid), "");
  EXPECT_EQ(Refusal(*verifier, v::kRsExpired), "token: expired");
  EXPECT_EQ(Refusal(*verifier, v::kRsOtherKey), "token: signature does not verify");
  EXPECT_EQ(Refusal(*verifier, WithClaims(v::kRsValid, R"({"sub":"pb_x","exp":1700000600})")),
            "token: signature does not verify");
  EXPECT_EQ(Refusal(*verifier, v::kRsValid, "pb_other"),
            "token: sub claim does not match the playback id");
  // PKCS #1 "RSA PUBLIC KEY" PEM works the same.
  auto pkcs1 = Make({Rs(v::kRsa1Pkcs1Pem)});
  EXPECT_EQ(Refusal(*pkcs1, v::kRsValid), "");
  // Both RSA keys configured without kids: each is tried.
  auto both = Make({Rs(v::kRsa2SpkiPem), Rs(v::kRsa1SpkiPem)});
  EXPECT_EQ(Refusal(*both, v::kRsValid), "");
  EXPECT_EQ(Refusal(*both, v::kRsOtherKey), "");
}

TEST_F(PlaybackTokenTest, RsaPublicKeyIsNeverAnHmacSecret) {
  // The classic confusion: an HS256 token keyed with the server's public RSA key text.
  auto verifier = Make({Rs(v::kRsa1SpkiPem, "rsa1")});
  EXPECT_EQ(Refusal(*verifier, v::kHsKeyedWithRsaPem), "token: no signing key for this alg/kid");
  auto mixed = Make({Rs(v::kRsa1SpkiPem), Hs(v::kSecret2)});
  EXPECT_EQ(Refusal(*mixed, v::kHsKeyedWithRsaPem), "token: signature does not verify");
}

TEST_F(PlaybackTokenTest, CreateRejectsUnusableKeys) {
  auto expect_error = [&](std::vector<PlaybackSigningKey> keys, std::string_view fragment) {
    auto verifier = PlaybackTokenVerifier::Create(std::move(keys), clock_);
    ASSERT_FALSE(verifier.ok());
    EXPECT_EQ(verifier.status().code(), base::ErrorCode::kInvalidArgument);
    EXPECT_NE(verifier.status().message().find(fragment), std::string::npos)
        << verifier.status().message();
  };
  expect_error({Hs("short secret")}, "secret shorter than 32 bytes");
  expect_error({Rs("not a pem")}, "not a PEM RSA public key");
  expect_error({Rs(v::kEcSpkiPem)}, "not a PEM RSA public key");
  expect_error({Rs(v::kRsaSmallSpkiPem)}, "RSA key shorter than 2048 bits");
  expect_error({Hs(v::kSecret1, "a"), Hs(v::kSecret2, "a")}, "duplicate kid");
  // Messages name the key, never its material.
  auto verifier = PlaybackTokenVerifier::Create({Hs("short secret", "mine")}, clock_);
  EXPECT_EQ(verifier.status().message().find("short secret"), std::string::npos);
  EXPECT_NE(verifier.status().message().find("kid \"mine\""), std::string::npos);
}

TEST_F(PlaybackTokenTest, VerifiesFromManyThreads) {
  auto verifier = Make({Hs(v::kSecret1), Rs(v::kRsa1SpkiPem)});
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (!verifier->Verify(v::kRsValid, kPb).ok()) ++failures;
        if (!verifier->Verify(v::kHsValid, kPb).ok()) ++failures;
        if (verifier->Verify(v::kRsOtherKey, kPb).ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(Base64UrlTest, DecodesOnlyCanonicalUnpaddedInput) {
  EXPECT_EQ(Base64UrlDecode(""), "");
  EXPECT_EQ(Base64UrlDecode("Zg"), "f");
  EXPECT_EQ(Base64UrlDecode("Zm8"), "fo");
  EXPECT_EQ(Base64UrlDecode("Zm9v"), "foo");
  EXPECT_EQ(Base64UrlDecode("-_-_"), std::string("\xfb\xff\xbf", 3));
  EXPECT_FALSE(Base64UrlDecode("Zg=="));   // padding
  EXPECT_FALSE(Base64UrlDecode("Zh"));     // non-zero unused bits
  EXPECT_FALSE(Base64UrlDecode("Zm9"));    // non-zero unused bits
  EXPECT_FALSE(Base64UrlDecode("Zm9vY"));  // 4k+1 characters
  EXPECT_FALSE(Base64UrlDecode("+/+/"));   // standard alphabet
  EXPECT_FALSE(Base64UrlDecode("Zm 9v"));
  EXPECT_FALSE(Base64UrlDecode(std::string_view("Zm\0v", 4)));
}

TEST(Base64UrlTest, RoundTrips) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) {
    bytes.push_back(static_cast<char>(i));
    const std::string encoded = Base64UrlEncode(bytes);
    EXPECT_EQ(encoded.find('='), std::string::npos);
    EXPECT_EQ(Base64UrlDecode(encoded), bytes);
  }
}

TEST(CheckClaimsTest, RefusesDeepNestingAndHugeClaims) {
  const int64_t now = 1'700'000'000'000;
  const auto leeway = std::chrono::seconds(30);
  EXPECT_TRUE(
      token_internal::CheckClaims(R"({"sub":"pb","exp":1700000100})", "pb", now, leeway).ok());
  const std::string deep =
      R"({"sub":"pb","exp":1700000100,"x":)" + std::string(20, '[') + std::string(20, ']') + "}";
  EXPECT_FALSE(token_internal::CheckClaims(deep, "pb", now, leeway).ok());
  // Brackets inside strings do not count.
  const std::string quoted = R"({"sub":"pb","exp":1700000100,"x":"[[[[[[[[[[[[[[[[[[[[\"["})";
  EXPECT_TRUE(token_internal::CheckClaims(quoted, "pb", now, leeway).ok());
  const std::string huge =
      R"({"sub":"pb","exp":1700000100,"x":")" + std::string(10000, 'x') + "\"}";
  EXPECT_FALSE(token_internal::CheckClaims(huge, "pb", now, leeway).ok());
  EXPECT_FALSE(token_internal::CheckClaims(R"({"sub":"pb","exp":true})", "pb", now, leeway).ok());
  EXPECT_FALSE(token_internal::CheckClaims(R"({"sub":"pb","exp":1e400})", "pb", now, leeway).ok());
}

}  // namespace
}  // namespace steadycast::deliver
