#include "formats/mpegts/psi.h"

#include <gtest/gtest.h>

#include <string_view>

#include "formats/mpegts/ts_test_util.h"

namespace steadycast::formats::mpegts {
namespace {

using testing::Bytes;
using testing::PatSection;
using testing::PmtSection;
using testing::Section;

TEST(Crc32Mpeg2Test, KnownValues) {
  constexpr std::string_view kCheck = "123456789";
  EXPECT_EQ(Crc32Mpeg2({reinterpret_cast<const uint8_t*>(kCheck.data()), kCheck.size()}),
            0x0376E6E7u);  // the CRC-32/MPEG-2 check value
  EXPECT_EQ(Crc32Mpeg2({}), 0xFFFFFFFFu);
  // ffmpeg's PAT for program 1 / PMT PID 0x1000 ends in CRC 2A B1 04 B2.
  EXPECT_EQ(Crc32Mpeg2(testing::Hex("00b00d0001c100000001f0002ab104b2")), 0u);
}

class Sections {
 public:
  Sections() : assembler_(stats_) {}
  void Push(const Bytes& payload, bool unit_start) {
    assembler_.Push(payload, unit_start, [this](std::span<const uint8_t> section) {
      out.emplace_back(section.begin(), section.end());
    });
  }
  SectionAssembler& assembler() { return assembler_; }
  std::vector<Bytes> out;
  TsDemuxerStats stats_;

 private:
  SectionAssembler assembler_;
};

Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(SectionAssemblerTest, OneSectionWithStuffing) {
  const Bytes pat = PatSection(1, 0x1000);
  Sections s;
  s.Push(Concat({{0}, pat, Bytes(50, 0xFF)}), true);
  ASSERT_EQ(s.out.size(), 1u);
  EXPECT_EQ(s.out[0], pat);
  EXPECT_EQ(s.stats_.sections, 1u);
}

TEST(SectionAssemblerTest, SectionAcrossPacketsAndPointerField) {
  std::vector<PmtStream> streams;
  for (uint16_t i = 0; i < 60; ++i) streams.push_back({0x1B, static_cast<uint16_t>(0x100 + i)});
  const Bytes pmt = PmtSection(1, 0x100, streams);  // 316 bytes
  const Bytes pat = PatSection(1, 0x1000);
  Sections s;
  s.Push(Concat({{0}, Bytes(pmt.begin(), pmt.begin() + 183)}), true);
  s.Push(Bytes(pmt.begin() + 183, pmt.begin() + 300), false);
  // The next unit start: pointer_field = the 16 bytes that finish the PMT, then a PAT.
  ASSERT_EQ(pmt.size(), 316u);
  s.Push(Concat({{16}, Bytes(pmt.begin() + 300, pmt.end()), pat, {0xFF, 0xFF}}), true);
  ASSERT_EQ(s.out.size(), 2u);
  EXPECT_EQ(s.out[0], pmt);
  EXPECT_EQ(s.out[1], pat);
  EXPECT_EQ(s.stats_.invalid_sections, 0u);
}

TEST(SectionAssemblerTest, TwoSectionsInOnePacket) {
  const Bytes a = PatSection(1, 0x1000, 0);
  const Bytes b = PatSection(1, 0x1000, 1);
  Sections s;
  s.Push(Concat({{0}, a, b}), true);
  ASSERT_EQ(s.out.size(), 2u);
  EXPECT_EQ(s.out[1], b);
}

TEST(SectionAssemblerTest, WaitsForUnitStartAndDropsAfterReset) {
  const Bytes pat = PatSection(1, 0x1000);
  Sections s;
  s.Push(pat, false);  // no unit start seen yet
  EXPECT_TRUE(s.out.empty());
  s.Push(Concat({{0}, Bytes(pat.begin(), pat.begin() + 5)}), true);
  s.assembler().Reset();  // continuity gap
  s.Push(Bytes(pat.begin() + 5, pat.end()), false);
  EXPECT_TRUE(s.out.empty());
}

TEST(SectionAssemblerTest, PointerFieldPastPayloadIsInvalid) {
  Sections s;
  s.Push({20, 1, 2, 3}, true);
  s.Push({}, true);
  EXPECT_TRUE(s.out.empty());
  EXPECT_EQ(s.stats_.invalid_sections, 2u);
}

TEST(SectionAssemblerTest, SectionLength4095IsRefusedBeforeBuffering) {
  Bytes header = {0x02, 0xBF, 0xFF};  // section_length 4095
  Sections s;
  s.Push(Concat({{0}, header, Bytes(181, 0)}), true);
  for (int i = 0; i < 30; ++i) s.Push(Bytes(184, 0), false);
  EXPECT_TRUE(s.out.empty());
  EXPECT_EQ(s.stats_.invalid_sections, 1u);
  // A good section at the next unit start still comes through.
  const Bytes pat = PatSection(1, 0x1000);
  s.Push(Concat({{0}, pat}), true);
  EXPECT_EQ(s.out.size(), 1u);
}

TEST(SectionAssemblerTest, BadCrcAndShortFormAreCounted) {
  Bytes pat = PatSection(1, 0x1000);
  pat[9] ^= 0x01;
  Sections s;
  s.Push(Concat({{0}, pat}), true);
  EXPECT_EQ(s.stats_.crc_errors, 1u);
  Bytes short_form = PatSection(1, 0x1000);
  short_form[1] &= 0x7F;  // section_syntax_indicator 0
  s.Push(Concat({{0}, short_form}), true);
  EXPECT_EQ(s.stats_.invalid_sections, 1u);
  EXPECT_TRUE(s.out.empty());
}

TEST(PsiTest, ParsePat) {
  const Bytes body = {0x00, 0x00, 0xE0, 0x10, 0x00, 0x01, 0xF0, 0x00, 0x00, 0x02, 0xE1, 0x00};
  auto pat = ParsePat(Section(kTableIdPat, 0x1234, 5, body, false));
  ASSERT_TRUE(pat.ok()) << pat.status().ToString();
  EXPECT_EQ(pat->transport_stream_id, 0x1234);
  EXPECT_EQ(pat->version, 5);
  EXPECT_FALSE(pat->current_next);
  ASSERT_EQ(pat->programs.size(), 3u);
  EXPECT_EQ(pat->programs[0].program_number, 0);  // network PID
  EXPECT_EQ(pat->programs[1].program_number, 1);
  EXPECT_EQ(pat->programs[1].pid, 0x1000);
  EXPECT_EQ(pat->programs[2].pid, 0x100);

  EXPECT_FALSE(ParsePat(Section(kTableIdPat, 1, 0, Bytes{0, 1, 0xE0})).ok());  // not 4n
  EXPECT_FALSE(ParsePat(Section(kTableIdPmt, 1, 0, Bytes{})).ok());            // wrong table
}

TEST(PsiTest, ParsePmt) {
  // PCR PID 0x100, program_info with one 3-byte descriptor, two streams (one with ES info).
  const Bytes body = {0xE1, 0x00, 0xF0, 0x03, 0x05, 0x01, 0x00,   // program info
                      0x1B, 0xE1, 0x00, 0xF0, 0x00,               // H.264 on 0x100
                      0x0F, 0xE1, 0x01, 0xF0, 0x02, 0x0A, 0x00};  // AAC on 0x101
  auto pmt = ParsePmt(Section(kTableIdPmt, 7, 3, body));
  ASSERT_TRUE(pmt.ok()) << pmt.status().ToString();
  EXPECT_EQ(pmt->program_number, 7);
  EXPECT_EQ(pmt->version, 3);
  EXPECT_EQ(pmt->pcr_pid, 0x100);
  ASSERT_EQ(pmt->streams.size(), 2u);
  EXPECT_EQ(pmt->streams[0], (PmtStream{0x1B, 0x100}));
  EXPECT_EQ(pmt->streams[1], (PmtStream{0x0F, 0x101}));
}

TEST(PsiTest, PmtLengthsMustFitTheSection) {
  // program_info_length 0x0FF past the end.
  EXPECT_FALSE(ParsePmt(Section(kTableIdPmt, 1, 0, Bytes{0xE1, 0x00, 0xF0, 0xFF})).ok());
  // ES_info_length 16 with 2 bytes left.
  EXPECT_FALSE(ParsePmt(Section(kTableIdPmt, 1, 0,
                                Bytes{0xE1, 0x00, 0xF0, 0x00, 0x1B, 0xE1, 0x00, 0xF0, 0x10, 1, 2}))
                   .ok());
  // A truncated stream entry.
  EXPECT_FALSE(
      ParsePmt(Section(kTableIdPmt, 1, 0, Bytes{0xE1, 0x00, 0xF0, 0x00, 0x1B, 0xE1})).ok());
  // section_length that disagrees with the bytes.
  EXPECT_FALSE(ParsePmt(Section(kTableIdPmt, 1, 0, Bytes{0xE1, 0x00, 0xF0, 0x00}, true, 30)).ok());
}

}  // namespace
}  // namespace steadycast::formats::mpegts
