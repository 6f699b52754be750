#include "base/bytes.h"

#include <gtest/gtest.h>

namespace steadycast::base {
namespace {

TEST(ByteReaderTest, ReadsBigEndianAndStopsAtEnd) {
  const std::vector<uint8_t> data = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
  ByteReader r(data);
  uint16_t a = 0;
  uint32_t b = 0;
  ASSERT_TRUE(r.ReadU16(a));
  ASSERT_TRUE(r.ReadU24(b));
  EXPECT_EQ(a, 0x0102);
  EXPECT_EQ(b, 0x030405u);
  uint32_t c = 0;
  EXPECT_FALSE(r.ReadU32(c));
  EXPECT_EQ(r.remaining(), 2u);
}

TEST(ByteWriterTest, RoundTripsWithReader) {
  std::vector<uint8_t> out;
  ByteWriter w(out);
  w.U8(9);
  w.U16(0xBEEF);
  w.U24(0x123456);
  w.U32(0xDEADBEEF);
  w.U64(0x0102030405060708ULL);
  w.U32LittleEndian(0x11223344);
  ByteReader r(out);
  uint8_t u8 = 0;
  uint16_t u16 = 0;
  uint32_t u24 = 0, u32 = 0, le = 0;
  uint64_t u64 = 0;
  ASSERT_TRUE(r.ReadU8(u8) && r.ReadU16(u16) && r.ReadU24(u24) && r.ReadU32(u32) &&
              r.ReadU64(u64) && r.ReadU32LittleEndian(le));
  EXPECT_EQ(u8, 9);
  EXPECT_EQ(u16, 0xBEEF);
  EXPECT_EQ(u24, 0x123456u);
  EXPECT_EQ(u32, 0xDEADBEEFu);
  EXPECT_EQ(u64, 0x0102030405060708ULL);
  EXPECT_EQ(le, 0x11223344u);
}

TEST(BitReaderTest, ExpGolomb) {
  // 1 | 010 | 011 | 00100 → ue 0, 1, 2, 3
  const std::vector<uint8_t> data = {0b10100110, 0b01000000};
  BitReader r(data);
  EXPECT_EQ(r.ReadUnsignedExpGolomb(), 0u);
  EXPECT_EQ(r.ReadUnsignedExpGolomb(), 1u);
  EXPECT_EQ(r.ReadUnsignedExpGolomb(), 2u);
  EXPECT_EQ(r.ReadUnsignedExpGolomb(), 3u);
  EXPECT_FALSE(r.failed());
  r.ReadBits(32);
  EXPECT_TRUE(r.failed());
}

TEST(BitReaderTest, AllZerosFailsInsteadOfLooping) {
  const std::vector<uint8_t> data(8, 0);
  BitReader r(data);
  r.ReadUnsignedExpGolomb();
  EXPECT_TRUE(r.failed());
}

}  // namespace
}  // namespace steadycast::base
