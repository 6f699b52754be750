#include "ingest/rtmp/handshake_digest.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace steadycast::ingest::rtmp {
namespace {

// "Genuine Adobe Flash Player 001" followed by the 32 constant bytes shared by both keys.
constexpr uint8_t kFpKey[62] = {
    'G',  'e',  'n',  'u',  'i',  'n',  'e',  ' ',  'A',  'd',  'o',  'b',  'e',  ' ',  'F',  'l',
    'a',  's',  'h',  ' ',  'P',  'l',  'a',  'y',  'e',  'r',  ' ',  '0',  '0',  '1',  0xF0, 0xEE,
    0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57, 0x6E, 0xEC,
    0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE};
constexpr size_t kFpKeyTextSize = 30;

// "Genuine Adobe Flash Media Server 001" followed by the same 32 constant bytes.
constexpr uint8_t kFmsKey[68] = {
    'G',  'e',  'n',  'u',  'i',  'n',  'e',  ' ',  'A',  'd',  'o',  'b',  'e',  ' ',
    'F',  'l',  'a',  's',  'h',  ' ',  'M',  'e',  'd',  'i',  'a',  ' ',  'S',  'e',
    'r',  'v',  'e',  'r',  ' ',  '0',  '0',  '1',  0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68,
    0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57, 0x6E, 0xEC, 0x5D, 0x2D,
    0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE};
constexpr size_t kFmsKeyTextSize = 36;

constexpr size_t kS2SignedSize = kHandshakePacketSize - kDigestSize;

}  // namespace

std::span<const uint8_t> GenuineFpKey() { return kFpKey; }
std::span<const uint8_t> GenuineFmsKey() { return kFmsKey; }
std::span<const uint8_t> GenuineFpKeyText() { return {kFpKey, kFpKeyTextSize}; }
std::span<const uint8_t> GenuineFmsKeyText() { return {kFmsKey, kFmsKeyTextSize}; }

Digest HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> data) {
  Digest out{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(),
       &length);
  return out;
}

size_t DigestOffset(HandshakePacket packet, DigestScheme scheme) {
  const size_t base = scheme == DigestScheme::kOffsetAt8 ? 8 : 772;
  const size_t sum = size_t{packet[base]} + packet[base + 1] + packet[base + 2] + packet[base + 3];
  // At most 727 + 776 + 32 = 1535 bytes: always inside the packet.
  return sum % 728 + base + 4;
}

Digest ComputePacketDigest(HandshakePacket packet, size_t offset, std::span<const uint8_t> key) {
  std::vector<uint8_t> rest;
  rest.reserve(kHandshakePacketSize - kDigestSize);
  rest.insert(rest.end(), packet.begin(), packet.begin() + offset);
  rest.insert(rest.end(), packet.begin() + offset + kDigestSize, packet.end());
  return HmacSha256(key, rest);
}

bool HasValidDigest(HandshakePacket packet, DigestScheme scheme, std::span<const uint8_t> key) {
  const size_t offset = DigestOffset(packet, scheme);
  const Digest expected = ComputePacketDigest(packet, offset, key);
  return CRYPTO_memcmp(expected.data(), packet.data() + offset, kDigestSize) == 0;
}

std::optional<DigestScheme> FindClientDigest(HandshakePacket c1) {
  // Same order as nginx-rtmp: the key-first layout, then the digest-first one.
  for (DigestScheme scheme : {DigestScheme::kOffsetAt772, DigestScheme::kOffsetAt8}) {
    if (HasValidDigest(c1, scheme, GenuineFpKeyText())) return scheme;
  }
  return std::nullopt;
}

void SignPacket(MutableHandshakePacket packet, DigestScheme scheme, std::span<const uint8_t> key) {
  const size_t offset = DigestOffset(packet, scheme);
  const Digest digest = ComputePacketDigest(packet, offset, key);
  std::copy(digest.begin(), digest.end(), packet.begin() + offset);
}

void SignS2(MutableHandshakePacket s2, const Digest& client_digest) {
  const Digest key = HmacSha256(GenuineFmsKey(), client_digest);
  const Digest signature = HmacSha256(key, std::span<const uint8_t>(s2.data(), kS2SignedSize));
  std::copy(signature.begin(), signature.end(), s2.begin() + kS2SignedSize);
}

bool S2SignatureValid(HandshakePacket s2, const Digest& client_digest) {
  const Digest key = HmacSha256(GenuineFmsKey(), client_digest);
  const Digest signature = HmacSha256(key, s2.first(kS2SignedSize));
  return CRYPTO_memcmp(signature.data(), s2.data() + kS2SignedSize, kDigestSize) == 0;
}

}  // namespace steadycast::ingest::rtmp
