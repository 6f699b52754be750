#include "ingest/rtmp/handshake.h"

#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/testing/split_feeder.h"
#include "ingest/rtmp/handshake_digest.h"
#include "ingest/rtmp/testing/rtmp_test_util.h"

namespace steadycast::ingest::rtmp {
namespace {

using testing::DeterministicRandom;

// A C1 as a plain RTMP 1.0 client sends it: time, four zero bytes, random.
std::vector<uint8_t> PlainC1(uint32_t seed) {
  std::vector<uint8_t> c1(kHandshakePacketSize);
  DeterministicRandom(seed)(c1);
  std::fill_n(c1.begin(), 8, 0);
  return c1;
}

// A C1 as Flash Player / FFmpeg send it: non-zero version and a Flash Player digest.
std::vector<uint8_t> DigestC1(uint32_t seed, DigestScheme scheme) {
  std::vector<uint8_t> c1 = PlainC1(seed);
  const uint8_t version[4] = {9, 0, 124, 2};
  std::copy(std::begin(version), std::end(version), c1.begin() + 4);
  SignPacket(MutableHandshakePacket(c1.data(), kHandshakePacketSize), scheme, GenuineFpKeyText());
  return c1;
}

std::vector<uint8_t> ClientBytes(const std::vector<uint8_t>& c1, size_t trailing = 0) {
  std::vector<uint8_t> bytes = {kRtmpVersion};
  bytes.insert(bytes.end(), c1.begin(), c1.end());
  std::vector<uint8_t> c2(kHandshakePacketSize, 0xC2);
  bytes.insert(bytes.end(), c2.begin(), c2.end());
  bytes.insert(bytes.end(), trailing, 0xEE);
  return bytes;
}

struct Outcome {
  std::vector<uint8_t> output;
  size_t consumed = 0;
  bool done = false;
  bool failed = false;
  bool operator==(const Outcome&) const = default;
};

// Feeds like a connection does: stops offering bytes once the handshake is done.
Outcome RunHandshake(const std::vector<uint8_t>& input, const base::testing::SplitPlan& plan) {
  ServerHandshake handshake(HandshakeOptions{DeterministicRandom(7), 1234});
  Outcome outcome;
  base::testing::FeedInPieces(input, plan, [&](std::span<const uint8_t> piece) {
    if (outcome.failed || handshake.done()) return;
    auto used = handshake.Feed(piece, outcome.output);
    if (!used.ok()) {
      outcome.failed = true;
      return;
    }
    outcome.consumed += *used;
  });
  outcome.done = handshake.done();
  return outcome;
}

// HMAC-SHA256 straight from OpenSSL, independent of handshake_digest.cc.
std::vector<uint8_t> ReferenceHmac(std::span<const uint8_t> key, std::span<const uint8_t> data) {
  std::vector<uint8_t> out(32);
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(),
       &length);
  return out;
}

TEST(HandshakeTest, SimpleHandshakeEchoesC1) {
  const std::vector<uint8_t> c1 = PlainC1(1);
  const std::vector<uint8_t> input = ClientBytes(c1, 10);
  const Outcome whole = RunHandshake(input, {"whole", {input.size()}});
  ASSERT_TRUE(whole.done);
  EXPECT_EQ(whole.consumed, 1 + 2 * kHandshakePacketSize);  // trailing bytes left alone
  ASSERT_EQ(whole.output.size(), 1 + 2 * kHandshakePacketSize);
  EXPECT_EQ(whole.output[0], kRtmpVersion);
  EXPECT_EQ(whole.output[1 + 3], 1234 & 0xFF);  // S1 time
  EXPECT_EQ(std::vector<uint8_t>(whole.output.begin() + 5, whole.output.begin() + 9),
            std::vector<uint8_t>(4, 0));
  EXPECT_EQ(
      std::vector<uint8_t>(whole.output.begin() + 1 + kHandshakePacketSize, whole.output.end()),
      c1);
}

TEST(HandshakeTest, AnySplitGivesTheSameResult) {
  for (const auto& c1 : {PlainC1(2), DigestC1(3, DigestScheme::kOffsetAt8),
                         DigestC1(4, DigestScheme::kOffsetAt772)}) {
    const std::vector<uint8_t> input = ClientBytes(c1, 5);
    const Outcome whole = RunHandshake(input, {"whole", {input.size()}});
    for (const auto& plan : base::testing::SplitPlans(input.size())) {
      EXPECT_EQ(RunHandshake(input, plan), whole) << plan.name;
    }
  }
}

TEST(HandshakeTest, DigestHandshakeC1) {
  for (DigestScheme scheme : {DigestScheme::kOffsetAt8, DigestScheme::kOffsetAt772}) {
    const std::vector<uint8_t> c1 = DigestC1(5, scheme);
    const std::vector<uint8_t> input = ClientBytes(c1);
    ServerHandshake handshake(HandshakeOptions{DeterministicRandom(9), 0});
    std::vector<uint8_t> out;
    auto used = handshake.Feed(input, out);
    ASSERT_TRUE(used.ok());
    ASSERT_TRUE(handshake.done());
    ASSERT_EQ(handshake.kind(), HandshakeKind::kDigest);
    EXPECT_EQ(handshake.digest_scheme(), scheme);
    ASSERT_EQ(out.size(), 1 + 2 * kHandshakePacketSize);
    const std::span<const uint8_t> s1(out.data() + 1, kHandshakePacketSize);
    const std::span<const uint8_t> s2(out.data() + 1 + kHandshakePacketSize, kHandshakePacketSize);
    EXPECT_NE(s1[4], 0);  // non-zero version: the client verifies S1

    // S1: a Media Server digest under the client's scheme, checked with a reference HMAC.
    const size_t s1_offset = DigestOffset(HandshakePacket(s1.data(), kHandshakePacketSize), scheme);
    std::vector<uint8_t> s1_rest(s1.begin(), s1.begin() + s1_offset);
    s1_rest.insert(s1_rest.end(), s1.begin() + s1_offset + 32, s1.end());
    EXPECT_EQ(ReferenceHmac(GenuineFmsKey().first(36), s1_rest),
              std::vector<uint8_t>(s1.begin() + s1_offset, s1.begin() + s1_offset + 32));

    // S2: signed with HMAC(HMAC(full FMS key, C1 digest), S2[0..1504)).
    const size_t c1_offset = DigestOffset(HandshakePacket(c1.data(), kHandshakePacketSize), scheme);
    const std::vector<uint8_t> key =
        ReferenceHmac(GenuineFmsKey(), std::span(c1).subspan(c1_offset, 32));
    EXPECT_EQ(key.size(), 32u);
    EXPECT_EQ(ReferenceHmac(key, s2.first(1504)),
              std::vector<uint8_t>(s2.begin() + 1504, s2.end()));
    Digest client_digest;
    std::copy_n(c1.begin() + c1_offset, 32, client_digest.begin());
    EXPECT_TRUE(S2SignatureValid(HandshakePacket(s2.data(), kHandshakePacketSize), client_digest));
  }
}

TEST(HandshakeTest, KeysAreTheDocumentedOnes) {
  EXPECT_EQ(GenuineFpKey().size(), 62u);
  EXPECT_EQ(GenuineFmsKey().size(), 68u);
  EXPECT_EQ(std::string(GenuineFpKeyText().begin(), GenuineFpKeyText().end()),
            "Genuine Adobe Flash Player 001");
  EXPECT_EQ(std::string(GenuineFmsKeyText().begin(), GenuineFmsKeyText().end()),
            "Genuine Adobe Flash Media Server 001");
  EXPECT_TRUE(
      std::equal(GenuineFpKey().begin() + 30, GenuineFpKey().end(), GenuineFmsKey().begin() + 36));
}

TEST(HandshakeTest, CorruptedDigestFallsBackToSimple) {
  std::vector<uint8_t> c1 = DigestC1(6, DigestScheme::kOffsetAt8);
  c1[1000] ^= 1;
  ServerHandshake handshake(HandshakeOptions{DeterministicRandom(1), 0});
  std::vector<uint8_t> out;
  ASSERT_TRUE(handshake.Feed(ClientBytes(c1), out).ok());
  EXPECT_EQ(handshake.kind(), HandshakeKind::kSimple);
}

TEST(HandshakeTest, TruncatedHandshake) {
  const std::vector<uint8_t> input = ClientBytes(DigestC1(8, DigestScheme::kOffsetAt8));
  // Every prefix short of C1 produces nothing; every prefix short of C2 is not done.
  for (size_t n : {size_t{0}, size_t{1}, size_t{2}, size_t{100}, kHandshakePacketSize,
                   kHandshakePacketSize + 1, kHandshakePacketSize + 2, 2 * kHandshakePacketSize,
                   input.size() - 1}) {
    ServerHandshake handshake(HandshakeOptions{DeterministicRandom(1), 0});
    std::vector<uint8_t> out;
    auto used = handshake.Feed(std::span(input).first(n), out);
    ASSERT_TRUE(used.ok()) << n;
    EXPECT_EQ(*used, n);
    EXPECT_FALSE(handshake.done()) << n;
    EXPECT_EQ(out.empty(), n < 1 + kHandshakePacketSize) << n;
  }
}

TEST(HandshakeTest, WrongVersionIsRefused) {
  for (uint8_t version : {0, 6, 0x16, 0xFF}) {
    ServerHandshake handshake;
    std::vector<uint8_t> out;
    std::vector<uint8_t> input = {version, 1, 2, 3};
    auto used = handshake.Feed(input, out);
    ASSERT_FALSE(used.ok());
    EXPECT_EQ(used.status().code(), base::ErrorCode::kInvalidArgument);
    EXPECT_TRUE(out.empty());
    EXPECT_FALSE(handshake.Feed(input, out).ok());  // failed for good
  }
  ServerHandshake rtmpe;
  std::vector<uint8_t> out;
  auto used = rtmpe.Feed(std::vector<uint8_t>{6}, out);
  EXPECT_NE(used.status().message().find("RTMPE"), std::string::npos);
}

TEST(HandshakeTest, DigestOffsetsStayInsideThePacket) {
  std::vector<uint8_t> packet(kHandshakePacketSize, 0xFF);
  const HandshakePacket view(packet.data(), kHandshakePacketSize);
  EXPECT_EQ(DigestOffset(view, DigestScheme::kOffsetAt8), (4 * 255) % 728 + 12);
  EXPECT_EQ(DigestOffset(view, DigestScheme::kOffsetAt772), (4 * 255) % 728 + 776);
  EXPECT_LE(DigestOffset(view, DigestScheme::kOffsetAt772) + kDigestSize, kHandshakePacketSize);
}

}  // namespace
}  // namespace steadycast::ingest::rtmp
