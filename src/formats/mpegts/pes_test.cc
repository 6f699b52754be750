#include "formats/mpegts/pes.h"

#include <gtest/gtest.h>

#include "formats/mpegts/ts_test_util.h"

namespace steadycast::formats::mpegts {
namespace {

using testing::Bytes;
using testing::Pes;

TEST(PesHeaderTest, PtsAndDts) {
  const uint64_t pts = (uint64_t{1} << 32) + 12345;  // uses the 33rd bit
  const uint64_t dts = 0x1FFFFFFFFull;               // all 33 bits set
  const Bytes pes = Pes(0xE0, pts, dts, Bytes{9, 9, 9});
  auto header = ParsePesHeader(pes);
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_EQ(header->stream_id, 0xE0);
  EXPECT_EQ(header->packet_length, pes.size() - 6);
  EXPECT_EQ(header->pts, pts);
  EXPECT_EQ(header->dts, dts);
  EXPECT_TRUE(header->data_alignment);
  EXPECT_EQ(header->header_size, 9u + 10u);
}

TEST(PesHeaderTest, PtsOnlyAndNone) {
  auto header = ParsePesHeader(Pes(0xC0, 90000, std::nullopt, Bytes{1}));
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->pts, 90000u);
  EXPECT_FALSE(header->dts.has_value());
  EXPECT_EQ(header->header_size, 14u);

  header = ParsePesHeader(Pes(0xC0, std::nullopt, std::nullopt, Bytes{1}));
  ASSERT_TRUE(header.ok());
  EXPECT_FALSE(header->pts.has_value());
  EXPECT_EQ(header->header_size, 9u);
}

TEST(PesHeaderTest, StreamIdsWithoutOptionalHeader) {
  auto header = ParsePesHeader(Bytes{0, 0, 1, 0xBE, 0, 2, 0xFF, 0xFF});  // padding_stream
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->header_size, 6u);
  EXPECT_FALSE(header->pts.has_value());
}

TEST(PesHeaderTest, RefusesMalformedHeaders) {
  EXPECT_FALSE(ParsePesHeader(Bytes{0, 0, 2, 0xE0, 0, 0, 0x80, 0, 0}).ok());  // start code
  EXPECT_FALSE(ParsePesHeader(Bytes{0, 0, 1, 0xE0, 0, 0, 0x80}).ok());        // truncated
  EXPECT_FALSE(ParsePesHeader(Bytes{0, 0, 1, 0xE0, 0, 0, 0x40, 0, 0}).ok());  // '10' marker
  EXPECT_FALSE(ParsePesHeader(Bytes{0, 0, 1, 0xE0, 0, 0, 0x90, 0, 0}).ok());  // scrambled
  // PTS_DTS_flags 01 is forbidden.
  EXPECT_FALSE(ParsePesHeader(Bytes{0, 0, 1, 0xE0, 0, 0, 0x80, 0x40, 0}).ok());
  // PTS flagged but PES_header_data_length 3.
  EXPECT_FALSE(ParsePesHeader(Bytes{0, 0, 1, 0xE0, 0, 0, 0x80, 0x80, 3, 0x21, 0, 1}).ok());
  // PES_header_data_length past the data.
  EXPECT_FALSE(ParsePesHeader(Bytes{0, 0, 1, 0xE0, 0, 0, 0x80, 0x00, 10, 1, 2}).ok());
  // PES_header_data_length past PES_packet_length.
  EXPECT_FALSE(ParsePesHeader(Bytes{0, 0, 1, 0xE0, 0, 4, 0x80, 0x00, 5, 1, 2, 3, 4, 5}).ok());
}

class Assembler {
 public:
  explicit Assembler(size_t cap = 1024) : pes_(stats, cap) {}
  void Push(const Bytes& payload, bool unit_start) {
    pes_.Push(payload, unit_start, [this](RawPes p) { out.push_back(std::move(p)); });
  }
  void Flush() {
    pes_.Flush([this](RawPes p) { out.push_back(std::move(p)); });
  }
  PesAssembler& pes() { return pes_; }
  TsDemuxerStats stats;
  std::vector<RawPes> out;

 private:
  PesAssembler pes_;
};

Bytes Part(const Bytes& b, size_t from, size_t to) {
  return Bytes(b.begin() + static_cast<std::ptrdiff_t>(from),
               b.begin() + static_cast<std::ptrdiff_t>(std::min(to, b.size())));
}

TEST(PesAssemblerTest, BoundedPesCompletesWithoutWaiting) {
  const Bytes pes = Pes(0xC0, 1000, std::nullopt, Bytes(300, 7));
  Assembler a;
  a.Push(Bytes(10, 1), false);  // before any unit start: skipped
  a.Push(Part(pes, 0, 184), true);
  EXPECT_TRUE(a.out.empty());
  a.Push(Part(pes, 184, 400), false);
  ASSERT_EQ(a.out.size(), 1u);
  EXPECT_EQ(Bytes(a.out[0].bytes.span().begin(), a.out[0].bytes.span().end()), pes);
  EXPECT_FALSE(a.out[0].maybe_corrupt);
  EXPECT_EQ(a.stats.pes_overruns, 0u);
  a.Push(Bytes(5, 0), false);  // payload past PES_packet_length
  EXPECT_EQ(a.stats.pes_overruns, 1u);
}

TEST(PesAssemblerTest, UnboundedPesEndsAtNextUnitStartOrFlush) {
  const Bytes first = Pes(0xE0, 1000, std::nullopt, Bytes(250, 1), false);
  const Bytes second = Pes(0xE0, 4600, std::nullopt, Bytes(20, 2), false);
  Assembler a;
  a.Push(Part(first, 0, 184), true);
  a.Push(Part(first, 184, 1000), false);
  EXPECT_TRUE(a.out.empty());
  a.Push(second, true);
  ASSERT_EQ(a.out.size(), 1u);
  EXPECT_EQ(a.out[0].bytes.size(), first.size());
  a.Flush();
  ASSERT_EQ(a.out.size(), 2u);
  EXPECT_EQ(a.out[1].bytes.size(), second.size());
  a.Flush();  // nothing left
  EXPECT_EQ(a.out.size(), 2u);
}

TEST(PesAssemblerTest, TruncatedAndGapMarkCorrupt) {
  const Bytes pes = Pes(0xC0, 1000, std::nullopt, Bytes(300, 7));
  Assembler a;
  a.Push(Part(pes, 0, 184), true);
  a.Push(Pes(0xC0, 2000, std::nullopt, Bytes(10, 1)), true);  // 150 bytes never came
  ASSERT_EQ(a.out.size(), 2u);
  EXPECT_TRUE(a.out[0].maybe_corrupt);
  EXPECT_FALSE(a.out[1].maybe_corrupt);
  EXPECT_EQ(a.stats.truncated_pes, 1u);

  const Bytes video = Pes(0xE0, 1000, std::nullopt, Bytes(400, 7), false);
  a.Push(Part(video, 0, 184), true);
  a.pes().MarkCorrupt();
  a.Push(Part(video, 184, 400), false);
  a.Flush();
  ASSERT_EQ(a.out.size(), 3u);
  EXPECT_TRUE(a.out[2].maybe_corrupt);
}

TEST(PesAssemblerTest, LengthOverCapIsRefusedFromTheHeader) {
  Assembler a(1000);
  Bytes pes = Pes(0xC0, 1000, std::nullopt, Bytes(170, 7));
  pes[4] = 0xFF;  // PES_packet_length 65535 > cap
  pes[5] = 0xFF;
  a.Push(pes, true);
  for (int i = 0; i < 400; ++i) a.Push(Bytes(184, 0), false);  // never buffered
  EXPECT_TRUE(a.out.empty());
  EXPECT_EQ(a.stats.pes_overflows, 1u);
  EXPECT_EQ(a.stats.pes_overruns, 0u);
}

TEST(PesAssemblerTest, UnboundedGrowthOverCapIsDropped) {
  Assembler a(1000);
  const Bytes pes = Pes(0xE0, 1000, std::nullopt, Bytes(170, 7), false);
  a.Push(pes, true);
  for (int i = 0; i < 10; ++i) a.Push(Bytes(184, 0), false);
  a.Push(Pes(0xE0, 4000, std::nullopt, Bytes(10, 7), false), true);
  a.Flush();
  ASSERT_EQ(a.out.size(), 1u);  // only the next, small one
  EXPECT_EQ(a.stats.pes_overflows, 1u);
}

TEST(PesAssemblerTest, MissingStartCodeIsInvalid) {
  Assembler a;
  a.Push(Bytes{0, 0, 2, 0xE0, 0, 0, 1, 2, 3}, true);
  a.Push(Bytes{0, 0}, true);  // under 6 bytes when the next unit starts
  a.Flush();
  EXPECT_TRUE(a.out.empty());
  EXPECT_EQ(a.stats.invalid_pes, 2u);
}

}  // namespace
}  // namespace steadycast::formats::mpegts
