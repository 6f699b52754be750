#include "deliver/playback_token.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "base/base64.h"
#include "base/json_nesting.h"

namespace steadycast::deliver {

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

struct PlaybackTokenVerifier::Key {
  TokenAlgorithm algorithm = TokenAlgorithm::kHs256;
  std::string key_id;
  std::string secret;                                 // HS256
  std::unique_ptr<EVP_PKEY, PkeyDeleter> public_key;  // RS256
};

namespace {

using nlohmann::json;

constexpr size_t kMinHmacSecretBytes = 32;  // RFC 7518 §3.2
constexpr int kMinRsaBits = 2048;           // RFC 7518 §3.3
constexpr size_t kMaxHeaderJson = 1024;     // a real header is ~60 bytes
constexpr size_t kMaxClaimsJson = 8192;     // bounded by the token length in practice
constexpr int kMaxJsonNesting = 8;          // claims are flat; aud is the only array

base::Status Denied(std::string_view reason) {
  return base::Status(base::ErrorCode::kPermissionDenied, fmt::format("token: {}", reason));
}

// A JSON object, or nullopt. Never throws. Duplicate member names: nlohmann keeps the last one,
// which RFC 7515 §4 allows ("the lexically last duplicate member name").
std::optional<json> ParseObject(std::string_view text, size_t max_size) {
  if (text.size() > max_size || base::JsonNestingDepth(text) > kMaxJsonNesting) return std::nullopt;
  json value = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (!value.is_object()) return std::nullopt;
  return value;
}

const std::string* StringMember(const json& object, std::string_view name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

std::string_view AlgorithmName(TokenAlgorithm algorithm) {
  return algorithm == TokenAlgorithm::kHs256 ? "HS256" : "RS256";
}

std::string KeyLabel(size_t index, const PlaybackSigningKey& key) {
  if (key.key_id.empty())
    return fmt::format("signing key #{} ({})", index, AlgorithmName(key.algorithm));
  return fmt::format("signing key #{} ({}, kid \"{}\")", index, AlgorithmName(key.algorithm),
                     key.key_id);
}

// Reads a PEM RSA public key: SubjectPublicKeyInfo ("PUBLIC KEY") or PKCS #1 ("RSA PUBLIC KEY").
std::unique_ptr<EVP_PKEY, PkeyDeleter> ReadRsaPublicKey(std::string_view pem) {
  EVP_PKEY* key = nullptr;
  OSSL_DECODER_CTX* ctx = OSSL_DECODER_CTX_new_for_pkey(&key, "PEM", nullptr, "RSA",
                                                        EVP_PKEY_PUBLIC_KEY, nullptr, nullptr);
  if (ctx == nullptr) return nullptr;
  const auto* data = reinterpret_cast<const unsigned char*>(pem.data());
  size_t size = pem.size();
  const int ok = OSSL_DECODER_from_data(ctx, &data, &size);
  OSSL_DECODER_CTX_free(ctx);
  ERR_clear_error();
  if (ok != 1) {
    EVP_PKEY_free(key);
    return nullptr;
  }
  return std::unique_ptr<EVP_PKEY, PkeyDeleter>(key);
}

bool VerifyHmac(const std::string& secret, std::string_view input, std::string_view signature) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_size = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac.data(),
           &mac_size) == nullptr) {
    ERR_clear_error();
    return false;
  }
  // Constant time, so the comparison leaks nothing about how much of a forgery was right.
  return signature.size() == mac_size && CRYPTO_memcmp(mac.data(), signature.data(), mac_size) == 0;
}

bool VerifyRsa(EVP_PKEY* key, std::string_view input, std::string_view signature) {
  if (signature.size() != static_cast<size_t>(EVP_PKEY_get_size(key))) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return false;
  // The default RSA padding of EVP_DigestVerify is PKCS #1 v1.5, which is what RS256 means.
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                       input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();  // a failed verification leaves entries in this thread's error queue
  return ok;
}

// Seconds (a JSON number, RFC 7519 §2 NumericDate may have a fraction) or nullopt.
std::optional<double> NumericDate(const json& claims, std::string_view name) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

bool AudienceIsVideo(const json& aud) {
  if (aud.is_string()) return aud.get_ref<const std::string&>() == "v";
  if (!aud.is_array()) return false;
  for (const json& entry : aud) {
    if (entry.is_string() && entry.get_ref<const std::string&>() == "v") return true;
  }
  return false;
}

}  // namespace

namespace token_internal {

base::Status CheckClaims(std::string_view claims_json, std::string_view playback_id,
                         int64_t now_unix_ms, std::chrono::seconds leeway) {
  std::optional<json> claims = ParseObject(claims_json, kMaxClaimsJson);
  if (!claims) return Denied("claims are not a JSON object");
  const std::string* sub = StringMember(*claims, "sub");
  if (sub == nullptr) return Denied("sub claim missing");
  if (*sub != playback_id) return Denied("sub claim does not match the playback id");
  const double now = static_cast<double>(now_unix_ms) / 1000.0;
  const auto skew = static_cast<double>(leeway.count());
  std::optional<double> exp = NumericDate(*claims, "exp");
  if (!exp) return Denied("exp claim missing or not a number");
  // RFC 7519 §4.1.4: the current time must be before exp.
  if (now >= *exp + skew) return Denied("expired");
  if (claims->contains("nbf")) {
    std::optional<double> nbf = NumericDate(*claims, "nbf");
    if (!nbf) return Denied("nbf claim is not a number");
    if (now + skew < *nbf) return Denied("not valid yet (nbf)");
  }
  auto aud = claims->find("aud");
  if (aud != claims->end() && !AudienceIsVideo(*aud)) {
    return Denied("aud claim is not \"v\" (video playback)");
  }
  return base::Status::Ok();
}

}  // namespace token_internal

base::Result<std::unique_ptr<PlaybackTokenVerifier>> PlaybackTokenVerifier::Create(
    std::vector<PlaybackSigningKey> keys, const base::Clock& clock, PlaybackTokenOptions options) {
  std::vector<Key> ready;
  std::set<std::string> kids;
  for (size_t i = 0; i < keys.size(); ++i) {
    PlaybackSigningKey& in = keys[i];
    if (!in.key_id.empty() && !kids.insert(in.key_id).second) {
      return base::InvalidArgument(KeyLabel(i, in) + ": duplicate kid");
    }
    Key key;
    key.algorithm = in.algorithm;
    key.key_id = in.key_id;
    if (in.algorithm == TokenAlgorithm::kHs256) {
      if (in.material.size() < kMinHmacSecretBytes) {
        return base::InvalidArgument(
            fmt::format("{}: secret shorter than {} bytes", KeyLabel(i, in), kMinHmacSecretBytes));
      }
      key.secret = std::move(in.material);
    } else {
      key.public_key = ReadRsaPublicKey(in.material);
      if (!key.public_key) {
        return base::InvalidArgument(KeyLabel(i, in) + ": not a PEM RSA public key");
      }
      if (EVP_PKEY_get_bits(key.public_key.get()) < kMinRsaBits) {
        return base::InvalidArgument(
            fmt::format("{}: RSA key shorter than {} bits", KeyLabel(i, in), kMinRsaBits));
      }
    }
    ready.push_back(std::move(key));
  }
  return std::unique_ptr<PlaybackTokenVerifier>(
      new PlaybackTokenVerifier(std::move(ready), clock, options));
}

PlaybackTokenVerifier::PlaybackTokenVerifier(std::vector<Key> keys, const base::Clock& clock,
                                             PlaybackTokenOptions options)
    : keys_(std::move(keys)), clock_(clock), options_(options) {}

PlaybackTokenVerifier::~PlaybackTokenVerifier() = default;

size_t PlaybackTokenVerifier::key_count() const { return keys_.size(); }

base::Status PlaybackTokenVerifier::CheckSignature(TokenAlgorithm algorithm,
                                                   std::optional<std::string_view> kid,
                                                   std::string_view signing_input,
                                                   std::string_view signature) const {
  // With a kid: the key with that kid, else keys without one. Without: every key of `alg`.
  const bool kid_known = kid && std::any_of(keys_.begin(), keys_.end(),
                                            [&](const Key& k) { return k.key_id == *kid; });
  bool tried = false;
  for (const Key& key : keys_) {
    if (key.algorithm != algorithm) continue;
    if (kid_known ? key.key_id != *kid : (kid && !key.key_id.empty())) continue;
    tried = true;
    const bool ok = algorithm == TokenAlgorithm::kHs256
                        ? VerifyHmac(key.secret, signing_input, signature)
                        : VerifyRsa(key.public_key.get(), signing_input, signature);
    if (ok) return base::Status::Ok();
  }
  if (!tried) return Denied("no signing key for this alg/kid");
  return Denied("signature does not verify");
}

base::Status PlaybackTokenVerifier::Verify(std::string_view token,
                                           std::string_view playback_id) const {
  if (token.empty()) return Denied("missing");
  if (token.size() > options_.max_token_length) return Denied("too long");
  const size_t dot1 = token.find('.');
  const size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return Denied("not a JWS compact serialization (three dot-separated parts)");
  }
  auto header_text = base::Base64Decode(token.substr(0, dot1), base::kBase64UrlUnpadded);
  if (!header_text.ok()) return Denied("header is not base64url");
  std::optional<json> header = ParseObject(*header_text, kMaxHeaderJson);
  if (!header) return Denied("header is not a JSON object");
  const std::string* alg = StringMember(*header, "alg");
  TokenAlgorithm algorithm;
  if (alg != nullptr && *alg == "HS256") {
    algorithm = TokenAlgorithm::kHs256;
  } else if (alg != nullptr && *alg == "RS256") {
    algorithm = TokenAlgorithm::kRs256;
  } else {
    return Denied("alg must be HS256 or RS256");
  }
  if (header->contains("crit")) return Denied("critical header extensions are not supported");
  if (header->contains("typ") && StringMember(*header, "typ") == nullptr) {
    return Denied("typ is not a string");
  }
  std::optional<std::string_view> kid;
  if (header->contains("kid")) {
    const std::string* kid_text = StringMember(*header, "kid");
    if (kid_text == nullptr) return Denied("kid is not a string");
    kid = *kid_text;
  }
  auto signature = base::Base64Decode(token.substr(dot2 + 1), base::kBase64UrlUnpadded);
  if (!signature.ok()) return Denied("signature is not base64url");
  SC_RETURN_IF_ERROR(CheckSignature(algorithm, kid, token.substr(0, dot2), *signature));
  auto claims =
      base::Base64Decode(token.substr(dot1 + 1, dot2 - dot1 - 1), base::kBase64UrlUnpadded);
  if (!claims.ok()) return Denied("claims are not base64url");
  return token_internal::CheckClaims(*claims, playback_id, base::ToUnixMillis(clock_.WallNow()),
                                     options_.leeway);
}

}  // namespace steadycast::deliver
