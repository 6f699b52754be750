#pragma once
// The digest ("complex", Flash Player 9+) variant of the RTMP handshake. Not in the RTMP 1.0
// spec; publicly documented by librtmp (handshake.h), nginx-rtmp (ngx_rtmp_handshake.c) and
// FFmpeg (rtmpproto.c). Facts used here:
//
//   C1/S1 (1536 bytes):  time(4) | version(4, non-zero) | 1528 bytes with a 32-byte digest
//   The digest sits at one of two places, chosen by four "offset" bytes of the packet:
//     kOffsetAt8:   offset = (p[8] + p[9] + p[10] + p[11]) % 728 + 12
//     kOffsetAt772: offset = (p[772] + p[773] + p[774] + p[775]) % 728 + 776
//   digest = HMAC-SHA256(key, packet without the 32 digest bytes)
//     C1 is keyed with the first 30 bytes of the Flash Player key ("Genuine Adobe Flash Player
//     001"), S1 with the first 36 bytes of the Media Server key ("Genuine Adobe Flash Media
//     Server 001"); both keys continue with the same 32 constant bytes.
//   S2 (1536 bytes): 1504 random bytes | HMAC-SHA256(k, those 1504 bytes), where
//     k = HMAC-SHA256(full 68-byte Media Server key, C1's digest).
//
// Pure functions over caller-owned buffers; thread-safe.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace steadycast::ingest::rtmp {

inline constexpr size_t kHandshakePacketSize = 1536;
inline constexpr size_t kDigestSize = 32;

using HandshakePacket = std::span<const uint8_t, kHandshakePacketSize>;
using MutableHandshakePacket = std::span<uint8_t, kHandshakePacketSize>;
using Digest = std::array<uint8_t, kDigestSize>;

enum class DigestScheme {
  kOffsetAt8,    // digest block first (what FFmpeg and librtmp clients send)
  kOffsetAt772,  // key block first
};

// The full 62-byte Flash Player key and 68-byte Flash Media Server key.
std::span<const uint8_t> GenuineFpKey();
std::span<const uint8_t> GenuineFmsKey();
// The text-only prefixes that key C1 (30 bytes) and S1 (36 bytes) digests.
std::span<const uint8_t> GenuineFpKeyText();
std::span<const uint8_t> GenuineFmsKeyText();

Digest HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> data);

// Where the digest of `packet` sits under `scheme` (always within the packet).
size_t DigestOffset(HandshakePacket packet, DigestScheme scheme);

// HMAC-SHA256 of the packet with the 32 bytes at `offset` left out.
Digest ComputePacketDigest(HandshakePacket packet, size_t offset, std::span<const uint8_t> key);

// True if the digest found under `scheme` matches `key`.
bool HasValidDigest(HandshakePacket packet, DigestScheme scheme, std::span<const uint8_t> key);

// The scheme under which C1 carries a valid Flash Player digest, if any.
std::optional<DigestScheme> FindClientDigest(HandshakePacket c1);

// Writes the digest of `packet` under `scheme` into the packet itself.
void SignPacket(MutableHandshakePacket packet, DigestScheme scheme, std::span<const uint8_t> key);

// Fills the last 32 bytes of S2 with the signature a digest-handshake client expects for
// `client_digest` (the digest found in C1); the first 1504 bytes must already be set.
void SignS2(MutableHandshakePacket s2, const Digest& client_digest);

// True if S2's last 32 bytes are the signature for `client_digest` (used by tests and by
// anything acting as a client).
bool S2SignatureValid(HandshakePacket s2, const Digest& client_digest);

}  // namespace steadycast::ingest::rtmp
