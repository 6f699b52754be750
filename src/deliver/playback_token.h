#pragma once
// Signed playback tokens (docs/contract.md "Playback": `?token=JWT`, HS256/RS256, `sub` = playback
// id, `exp` required). A JWT (RFC 7519) in JWS compact serialization (RFC 7515 §7.1) is
// checked against keys fixed at construction:
//
//   BASE64URL(header) "." BASE64URL(claims) "." BASE64URL(signature)
//
// - Encoding: base64url without padding, strict alphabet, canonical trailing bits (RFC 7515
//   §2, RFC 4648 §5/§3.5); anything else is refused rather than "repaired".
// - Header (RFC 7515 §4.1): `alg` must be "HS256" or "RS256" (RFC 7518 §3.2 / §3.3); "none" and
//   every other algorithm are refused. `kid` selects a key; `typ`, if present, must be a
//   string; `crit` is refused (we understand no extension, §4.1.11).
// - Key choice: the algorithm of the key must equal `alg`, so an RSA public key is never used
//   as an HMAC secret (the classic RS256→HS256 confusion). With a `kid`, only keys with that
//   kid are tried, falling back to keys configured without a kid; keys with a different kid
//   are never tried. Without a `kid`, every key of that algorithm is tried.
// - Claims (RFC 7519 §4.1), checked only after the signature: `sub` must equal the playback
//   id; `exp` (NumericDate, required) must be in the future and `nbf` (optional) in the past,
//   both with `leeway` for clock skew; `aud`, if present, must be "v" or an array containing
//   "v" (Mux's audience for video playback, so tokens minted for thumbnails "t", GIFs "g" or
//   storyboards "s" do not play video); absent `aud` is accepted (tokens made by hand or by
//   other tools usually carry none). `iat` and other claims are ignored.
//
// Every failure is a kPermissionDenied Status with a fixed reason ("token: expired"); reasons
// never contain the token or any value taken from it, so they are safe for logs and bodies.
//
// Ownership/threading: immutable after Create(); Verify() is const and safe to call from any
// number of threads at once (each call uses its own OpenSSL contexts; the EVP_PKEYs are only
// read). The clock is borrowed and must outlive the verifier.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace steadycast::deliver {

enum class TokenAlgorithm { kHs256, kRs256 };

struct PlaybackSigningKey {
  TokenAlgorithm algorithm = TokenAlgorithm::kHs256;
  // Optional JWS "kid"; empty = the key has no id.
  std::string key_id;
  // HS256: the shared secret bytes, at least 32 (RFC 7518 §3.2: no shorter than the hash).
  // RS256: a PEM public key ("BEGIN PUBLIC KEY" or "BEGIN RSA PUBLIC KEY"), ≥ 2048 bits.
  std::string material;
};

struct PlaybackTokenOptions {
  // Clock skew tolerated on `exp` and `nbf`.
  std::chrono::seconds leeway{30};
  // Longer tokens are refused before any decoding (4 KiB fits any sane JWT and most URLs).
  size_t max_token_length = 4096;
};

// Verifies playback JWTs; see the file comment for the exact rules.
class PlaybackTokenVerifier {
 public:
  // Fails (kInvalidArgument, naming the key by index/kid, never its material) for a short
  // HS256 secret, an unreadable or non-RSA or too-small PEM key, or a duplicate kid.
  static base::Result<std::unique_ptr<PlaybackTokenVerifier>> Create(
      std::vector<PlaybackSigningKey> keys, const base::Clock& clock,
      PlaybackTokenOptions options = {});

  ~PlaybackTokenVerifier();
  PlaybackTokenVerifier(const PlaybackTokenVerifier&) = delete;
  PlaybackTokenVerifier& operator=(const PlaybackTokenVerifier&) = delete;

  // OK when `token` is a valid, current token for `playback_id`.
  base::Status Verify(std::string_view token, std::string_view playback_id) const;

  size_t key_count() const;

 private:
  struct Key;
  PlaybackTokenVerifier(std::vector<Key> keys, const base::Clock& clock,
                        PlaybackTokenOptions options);
  // Ok if the signature over `signing_input` verifies with a key chosen by alg/kid.
  base::Status CheckSignature(TokenAlgorithm algorithm, std::optional<std::string_view> kid,
                              std::string_view signing_input, std::string_view signature) const;

  std::vector<Key> keys_;
  const base::Clock& clock_;
  PlaybackTokenOptions options_;
};

// Building blocks, exposed for tests and the fuzz target.
namespace token_internal {

// Checks the claims JSON text (already authenticated) for `playback_id` at `now_unix_ms`.
base::Status CheckClaims(std::string_view claims_json, std::string_view playback_id,
                         int64_t now_unix_ms, std::chrono::seconds leeway);

}  // namespace token_internal

}  // namespace steadycast::deliver
