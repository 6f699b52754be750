#include "formats/mpegts/ts_packet.h"

#include <gtest/gtest.h>

#include "formats/mpegts/ts_test_util.h"

namespace steadycast::formats::mpegts {
namespace {

using testing::Bytes;
using testing::Packet;
using testing::PacketOptions;

TEST(TsPacketTest, ParsesHeaderAndPayload) {
  const Bytes payload(184, 0x5A);
  const Bytes bytes = Packet(0x1ABC, true, 7, payload);
  auto packet = ParseTsPacket(bytes);
  ASSERT_TRUE(packet.ok()) << packet.status().ToString();
  EXPECT_EQ(packet->pid, 0x1ABC);
  EXPECT_TRUE(packet->payload_unit_start);
  EXPECT_FALSE(packet->transport_error);
  EXPECT_EQ(packet->continuity_counter, 7);
  EXPECT_TRUE(packet->has_payload);
  EXPECT_FALSE(packet->pcr.has_value());
  EXPECT_EQ(Bytes(packet->payload.begin(), packet->payload.end()), payload);
}

TEST(TsPacketTest, AdaptationFieldWithPcrAndStuffing) {
  const Bytes payload = {1, 2, 3};
  const uint64_t pcr = 123456789ull * 300 + 299;
  const Bytes bytes = Packet(256, false, 0, payload, {.pcr = pcr, .discontinuity = true});
  auto packet = ParseTsPacket(bytes);
  ASSERT_TRUE(packet.ok());
  ASSERT_TRUE(packet->pcr.has_value());
  EXPECT_EQ(*packet->pcr, pcr);
  EXPECT_TRUE(packet->discontinuity);
  EXPECT_EQ(Bytes(packet->payload.begin(), packet->payload.end()), payload);
}

TEST(TsPacketTest, AdaptationOnlyHasNoPayload) {
  const Bytes bytes = Packet(256, false, 3, {}, {.pcr = 27'000'000, .no_payload = true});
  auto packet = ParseTsPacket(bytes);
  ASSERT_TRUE(packet.ok());
  EXPECT_FALSE(packet->has_payload);
  EXPECT_TRUE(packet->payload.empty());
  EXPECT_EQ(packet->pcr, 27'000'000u);
}

TEST(TsPacketTest, RefusesBadAdaptationFields) {
  Bytes bytes = Packet(256, false, 0, Bytes(100, 0));
  bytes[3] = (bytes[3] & 0xCF);  // adaptation_field_control 00 (reserved)
  EXPECT_FALSE(ParseTsPacket(bytes).ok());

  bytes = Packet(256, false, 0, Bytes(100, 0));
  bytes[4] = 184;  // adaptation field longer than the packet
  EXPECT_FALSE(ParseTsPacket(bytes).ok());

  bytes = Packet(256, false, 0, Bytes(180, 0));
  ASSERT_EQ(bytes[4], 3);
  bytes[5] = 0x10;  // PCR flag with only 2 bytes after the flags
  EXPECT_FALSE(ParseTsPacket(bytes).ok());

  EXPECT_FALSE(ParseTsPacket(Bytes(188, 0)).ok());  // no sync byte
  EXPECT_FALSE(ParseTsPacket(Bytes(187, 0x47)).ok());
}

TEST(TsPacketTest, ContinuityCounter) {
  ContinuityChecker checker;
  auto check = [&](uint8_t cc, PacketOptions options = {}) {
    const Bytes bytes = Packet(256, false, cc, Bytes(100, 0), options);
    return checker.Check(*ParseTsPacket(bytes));
  };
  using V = ContinuityChecker::Verdict;
  EXPECT_EQ(check(14), V::kOk);  // anything goes first
  EXPECT_EQ(check(15), V::kOk);
  EXPECT_EQ(check(0), V::kOk);  // wraps mod 16
  EXPECT_EQ(check(0), V::kDuplicate);
  EXPECT_EQ(check(0), V::kGap);  // a second repeat is not allowed
  EXPECT_EQ(check(1), V::kOk);
  EXPECT_EQ(check(3), V::kGap);
  EXPECT_EQ(check(4), V::kOk);
  EXPECT_EQ(check(9, {.discontinuity = true}), V::kOk);
  EXPECT_EQ(check(10), V::kOk);
  // Packets without payload do not advance the counter and are never a gap.
  EXPECT_EQ(check(10, {.no_payload = true}), V::kOk);
  EXPECT_EQ(check(11), V::kOk);
  checker.Reset();
  EXPECT_EQ(check(5), V::kOk);
}

}  // namespace
}  // namespace steadycast::formats::mpegts
