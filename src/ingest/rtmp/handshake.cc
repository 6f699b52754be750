#include "ingest/rtmp/handshake.h"

#include <algorithm>
#include <string>

#include <openssl/rand.h>

#include "base/bytes.h"

namespace steadycast::ingest::rtmp {
namespace {

// S1's version field; any non-zero value tells digest-checking clients to verify S1.
constexpr uint8_t kServerVersion[4] = {4, 5, 0, 1};

void SecureRandom(std::span<uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    // The random bytes only make the handshake look like Flash's; predictable is harmless.
    std::fill(out.begin(), out.end(), 0x5A);
  }
}

}  // namespace

ServerHandshake::ServerHandshake(HandshakeOptions options) : options_(std::move(options)) {
  if (!options_.random) options_.random = SecureRandom;
}

base::Result<size_t> ServerHandshake::Feed(std::span<const uint8_t> input,
                                           std::vector<uint8_t>& output) {
  size_t used = 0;
  while (used < input.size()) {
    switch (state_) {
      case State::kC0: {
        const uint8_t version = input[used++];
        if (version != kRtmpVersion) {
          state_ = State::kFailed;
          return base::InvalidArgument(
              "rtmp handshake: unsupported version " + std::to_string(version) +
              (version == 6 ? " (encrypted RTMPE is not supported)" : " (expected 3)"));
        }
        state_ = State::kC1;
        break;
      }
      case State::kC1: {
        const size_t n = std::min(input.size() - used, kHandshakePacketSize - have_);
        std::copy_n(input.begin() + used, n, c1_.begin() + have_);
        used += n;
        have_ += n;
        if (have_ == kHandshakePacketSize) {
          Respond(output);
          have_ = 0;
          state_ = State::kC2;
        }
        break;
      }
      case State::kC2: {
        // C2 echoes S1; clients fill it inconsistently, so it is read and not checked.
        const size_t n = std::min(input.size() - used, kHandshakePacketSize - have_);
        used += n;
        have_ += n;
        if (have_ == kHandshakePacketSize) state_ = State::kDone;
        break;
      }
      case State::kDone:
        return used;
      case State::kFailed:
        return base::FailedPrecondition("rtmp handshake: already failed");
    }
  }
  return used;
}

void ServerHandshake::Respond(std::vector<uint8_t>& output) {
  const size_t start = output.size();
  output.resize(start + 1 + 2 * kHandshakePacketSize);
  output[start] = kRtmpVersion;  // S0
  MutableHandshakePacket s1(output.data() + start + 1, kHandshakePacketSize);
  MutableHandshakePacket s2(output.data() + start + 1 + kHandshakePacketSize, kHandshakePacketSize);

  options_.random(s1.subspan(8));
  std::vector<uint8_t> time_bytes;
  base::ByteWriter(time_bytes).U32(options_.server_time_ms);
  std::copy(time_bytes.begin(), time_bytes.end(), s1.begin());

  scheme_ = FindClientDigest(c1_);
  if (!scheme_.has_value()) {
    kind_ = HandshakeKind::kSimple;
    std::fill_n(s1.begin() + 4, 4, 0);  // §5.2.3: zero for the simple handshake
    std::copy(c1_.begin(), c1_.end(), s2.begin());
    return;
  }
  kind_ = HandshakeKind::kDigest;
  std::copy(std::begin(kServerVersion), std::end(kServerVersion), s1.begin() + 4);
  SignPacket(s1, *scheme_, GenuineFmsKeyText());

  const size_t c1_offset = DigestOffset(c1_, *scheme_);
  Digest client_digest;
  std::copy_n(c1_.begin() + c1_offset, kDigestSize, client_digest.begin());
  options_.random(s2.first(kHandshakePacketSize - kDigestSize));
  SignS2(s2, client_digest);
}

}  // namespace steadycast::ingest::rtmp
