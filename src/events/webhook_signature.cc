#include "events/webhook_signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>

#include "base/random.h"

namespace steadycast::events {
namespace {

constexpr size_t kHexDigestChars = 64;  // SHA-256: 32 bytes
constexpr size_t kMaxTimestampDigits = 15;

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

base::Status Malformed(std::string what) {
  return base::InvalidArgument("signature header: " + std::move(what));
}

base::Result<int64_t> ParseTimestamp(std::string_view digits) {
  if (digits.empty() || digits.size() > kMaxTimestampDigits) {
    return Malformed("t must have 1 to 15 digits");
  }
  int64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return Malformed("t is not a decimal number");
    value = value * 10 + (c - '0');  // 15 digits cannot overflow int64
  }
  return value;
}

// Applies one "key=value" element to `out`; `seen_t` guards against a second t.
base::Status ApplyElement(std::string_view element, bool& seen_t, ParsedSignatureHeader& out) {
  const size_t eq = element.find('=');
  if (eq == std::string_view::npos || eq == 0) return Malformed("element without key=value");
  const std::string_view key = element.substr(0, eq);
  const std::string_view value = element.substr(eq + 1);
  if (key == "t") {
    if (seen_t) return Malformed("more than one t");
    SC_ASSIGN_OR_RETURN(out.t_unix_seconds, ParseTimestamp(value));
    seen_t = true;
  } else if (key == "v1") {
    if (value.size() != kHexDigestChars || !IsLowerHex(value)) {
      return Malformed("v1 must be 64 lowercase hex characters");
    }
    if (out.v1.size() == kMaxSignaturesPerHeader) return Malformed("too many v1 signatures");
    out.v1.emplace_back(value);
  }
  // Other keys: a scheme this version does not know; skipped on purpose.
  return base::Status::Ok();
}

}  // namespace

std::string SignatureHex(std::string_view secret, int64_t t_unix_seconds,
                         std::string_view raw_body) {
  std::string message = std::to_string(t_unix_seconds);
  message += '.';
  message.append(raw_body);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  // The one-shot HMAC() is not deprecated in OpenSSL 3 and cannot fail for SHA-256 with valid
  // pointers; a failure would be a broken build of libcrypto.
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest,
           &digest_len) == nullptr) {
    std::abort();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(size_t{digest_len} * 2);
  for (unsigned int i = 0; i < digest_len; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0x0f];
  }
  return hex;
}

std::string SignatureHeader(std::span<const std::string> secrets, int64_t t_unix_seconds,
                            std::string_view raw_body) {
  std::string header = "t=" + std::to_string(t_unix_seconds);
  for (const std::string& secret : secrets) {
    header += ",v1=";
    header += SignatureHex(secret, t_unix_seconds, raw_body);
  }
  return header;
}

base::Result<ParsedSignatureHeader> ParseSignatureHeader(std::string_view header) {
  if (header.size() > kMaxSignatureHeaderBytes) return Malformed("longer than 4096 bytes");
  ParsedSignatureHeader out;
  bool seen_t = false;
  while (true) {
    const size_t comma = header.find(',');
    const std::string_view element = TrimOws(header.substr(0, comma));
    SC_RETURN_IF_ERROR(ApplyElement(element, seen_t, out));
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  if (!seen_t) return Malformed("no t");
  if (out.v1.empty()) return Malformed("no v1 signature");
  return out;
}

base::Status VerifySignature(std::string_view header, std::string_view secret,
                             std::string_view raw_body, int64_t now_unix_seconds,
                             std::chrono::seconds tolerance) {
  SC_ASSIGN_OR_RETURN(const ParsedSignatureHeader parsed, ParseSignatureHeader(header));
  // Both values are bounded (t by 15 digits, now by the caller's clock), so the difference
  // cannot overflow for any realistic now; compare as magnitudes.
  const int64_t age = now_unix_seconds - parsed.t_unix_seconds;
  const int64_t limit = tolerance.count();
  if (age > limit || age < -limit) {
    return base::Error(base::ErrorCode::kUnauthenticated, "signature: timestamp outside tolerance");
  }
  const std::string expected = SignatureHex(secret, parsed.t_unix_seconds, raw_body);
  bool match = false;
  // Every candidate is compared in full (no early exit) so timing reveals nothing about which
  // one, or how much of it, matched.
  for (const std::string& candidate : parsed.v1) {
    match |= CRYPTO_memcmp(candidate.data(), expected.data(), kHexDigestChars) == 0;
  }
  if (!match) {
    return base::Error(base::ErrorCode::kUnauthenticated, "signature: no matching signature");
  }
  return base::Status::Ok();
}

std::string NewWebhookSecret() {
  return std::string(kWebhookSecretPrefix) + base::RandomUrlSafe(32);
}

}  // namespace steadycast::events
