#pragma once
// Webhook signatures (docs/contract.md "Webhook delivery"): every delivery carries
//
//   Steadycast-Signature: t=UNIX_SECONDS,v1=HEX[,v1=HEX]
//
// where HEX = lowercase hex(HMAC-SHA256(secret, t + "." + raw_body)) and the key is the whole
// secret string as shown to the user ("whsec_..."), the scheme Stripe made familiar. One v1 per
// secret: during a rotation overlap (24 h) a delivery is signed with the current and the
// previous secret, so a receiver holding either verifies it.
//
// SignatureHeader is what the dispatcher sends; ParseSignatureHeader / VerifySignature are the
// receiving side, kept here as the reference implementation for tests, docs and users.
// Everything is a pure function (no clock read: the caller passes the times), thread-safe.

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace steadycast::events {

inline constexpr std::string_view kSignatureHeaderName = "Steadycast-Signature";
inline constexpr std::string_view kWebhookSecretPrefix = "whsec_";
// Receivers should refuse signatures older (or newer) than this: bounds replay of a captured
// delivery.
inline constexpr std::chrono::seconds kDefaultSignatureTolerance{300};

// Limits of the header parser: the header comes from the network on the receiving side.
inline constexpr size_t kMaxSignatureHeaderBytes = 4096;
inline constexpr size_t kMaxSignaturesPerHeader = 8;

// Lowercase hex of HMAC-SHA256(secret, decimal(t) + "." + raw_body): 64 characters.
std::string SignatureHex(std::string_view secret, int64_t t_unix_seconds,
                         std::string_view raw_body);

// "t=1700000000,v1=<hex for secrets[0]>,v1=<hex for secrets[1]>..." in the order given (the
// current secret first). With no secret the header is only "t=...", which verifies nowhere.
std::string SignatureHeader(std::span<const std::string> secrets, int64_t t_unix_seconds,
                            std::string_view raw_body);

struct ParsedSignatureHeader {
  int64_t t_unix_seconds = 0;
  std::vector<std::string> v1;  // each 64 lowercase hex characters

  bool operator==(const ParsedSignatureHeader&) const = default;
};

// Parses "t=...,v1=...[,v1=...]". Elements are "key=value" separated by ',' with optional
// spaces or tabs around them. Exactly one `t` (1 to 15 decimal digits), at least one v1 (64
// lowercase hex characters each, at most kMaxSignaturesPerHeader); elements with other keys
// (a future "v2=") are skipped so receivers keep working when a scheme is added. kInvalidArgument
// (message "signature header: ...") on anything else, including a header over
// kMaxSignatureHeaderBytes.
base::Result<ParsedSignatureHeader> ParseSignatureHeader(std::string_view header);

// OK when `header` carries a v1 signature of `raw_body` made with `secret` and its timestamp is
// within `tolerance` of `now_unix_seconds` (either direction). Signatures are compared in
// constant time. Errors: kInvalidArgument (malformed header), kUnauthenticated ("timestamp
// outside tolerance", "no matching signature").
base::Status VerifySignature(std::string_view header, std::string_view secret,
                             std::string_view raw_body, int64_t now_unix_seconds,
                             std::chrono::seconds tolerance = kDefaultSignatureTolerance);

// A new signing secret: "whsec_" + 32 random bytes (OpenSSL RAND_bytes) as unpadded base64url
// (43 characters), 49 characters in all.
std::string NewWebhookSecret();

}  // namespace steadycast::events
