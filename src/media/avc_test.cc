#include "media/avc.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "media/media_test_util.h"

namespace steadycast::media {
namespace {

using testing::Hex;

// avcC records written by FFmpeg's mp4 muxer around x264 output
// (ffmpeg -f lavfi -i testsrc2=size=WxH:rate=R -c:v libx264 [-profile:v P] [-pix_fmt F] x.mp4).
struct RealRecord {
  const char* name;
  const char* hex;
  int width;
  int height;
  double frame_rate;
  const char* codec;
  int sar_num = 1;
  int sar_den = 1;
};

const std::array<RealRecord, 8> kRealRecords = {{
    {"high_640x360_30",  // High, 4:2:0, bottom crop 4 (368 coded lines)
     "0164001effe1001a6764001eacd940a02ff970110000030001000003003c0f162d9601000668ebe3cb22c0fdf8f8"
     "00",
     640, 360, 30.0, "avc1.64001e"},
    {"high_1280x720_30",
     "0164001fffe1001a6764001facd9405005bb0110000003001000000303c0f183196001000668ebe3cb22c0fdf8f8"
     "00",
     1280, 720, 30.0, "avc1.64001f"},
    {"high_854x480_25",  // right crop of 5 chroma units (864 → 854)
     "0164001effe1001a6764001eacd940d83de6f011000003000100000300320f162d9601000668ebe3cb22c0fdf8f8"
     "00",
     854, 480, 25.0, "avc1.64001e"},
    {"baseline_640x360_30",  // pic_order_cnt_type 2, no high-profile fields
     "0142c01effe100196742c01ed900a02ff970110000030001000003003c0f162e4801000568cb83cb20", 640, 360,
     30.0, "avc1.42c01e"},
    {"interlaced_720x576_25",  // frame_mbs_only_flag 0: map units are field macroblock pairs
     "0164001effe100186764001eacd940b424d8088000000300800000190f8a14cb01000668fba3cb22c0fdf8f800",
     720, 576, 25.0, "avc1.64001e"},
    {"high10_640x360_30",  // profile 110, bit depth 10
     "016e001effe1001b676e001ea6cd940a02ff970110000003001000000303c0f162d96001000668ebe3cb22c0fdfa"
     "fa00",
     640, 360, 30.0, "avc1.6e001e"},
    {"high444_320x240_30",  // profile 244, chroma_format_idc 3
     "01f4000dffe1001967f4000d919b28283f6022000003000200000300781e28532c01000668ebe3c44844fff8f800",
     320, 240, 30.0, "avc1.f4000d"},
    {"sar_4_3_640x360_30",  // aspect_ratio_idc 14
     "0164001effe1001a6764001eacd940a02ff970e10000030001000003003c0f162d9601000668ebe3cb22c0fdf8f8"
     "00",
     640, 360, 30.0, "avc1.64001e", 4, 3},
}};

TEST(AvcTest, RealRecordsParse) {
  for (const auto& real : kRealRecords) {
    SCOPED_TRACE(real.name);
    const auto record = Hex(real.hex);
    auto parsed = VideoConfigFromAvcc(record);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    const VideoTrackConfig& config = parsed->config;
    EXPECT_EQ(parsed->nal_length_size, 4);
    EXPECT_EQ(config.codec, Codec::kH264);
    EXPECT_EQ(config.width, real.width);
    EXPECT_EQ(config.height, real.height);
    ASSERT_TRUE(config.frame_rate.has_value());
    EXPECT_DOUBLE_EQ(*config.frame_rate, real.frame_rate);
    EXPECT_EQ(config.CodecString(), real.codec);
    EXPECT_EQ(config.sar_num, real.sar_num);
    EXPECT_EQ(config.sar_den, real.sar_den);
    // FFmpeg writes lengthSizeMinusOne = 3 and the high-profile extension like we do, so the
    // rebuilt record is byte-identical.
    EXPECT_EQ(std::vector<uint8_t>(config.avcc.span().begin(), config.avcc.span().end()), record);
  }
}

TEST(AvcTest, RealSpsDetails) {
  auto high10 = ParseAvcDecoderConfig(Hex(kRealRecords[5].hex));
  ASSERT_TRUE(high10.ok());
  auto sps = ParseH264Sps(high10->sps[0].span());
  ASSERT_TRUE(sps.ok()) << sps.status().ToString();
  EXPECT_EQ(sps->bit_depth_luma, 10);
  EXPECT_EQ(sps->bit_depth_chroma, 10);
  EXPECT_EQ(sps->coded_height, 368);

  auto interlaced = ParseAvcDecoderConfig(Hex(kRealRecords[4].hex));
  ASSERT_TRUE(interlaced.ok());
  sps = ParseH264Sps(interlaced->sps[0].span());
  ASSERT_TRUE(sps.ok());
  EXPECT_FALSE(sps->frame_mbs_only);

  auto baseline = ParseAvcDecoderConfig(Hex(kRealRecords[3].hex));
  ASSERT_TRUE(baseline.ok());
  EXPECT_EQ(baseline->profile_idc, 66);
  EXPECT_EQ(baseline->constraint_flags, 0xc0);
  sps = ParseH264Sps(baseline->sps[0].span());
  ASSERT_TRUE(sps.ok());
  EXPECT_EQ(sps->pic_order_cnt_type, 2u);
  EXPECT_EQ(sps->chroma_format_idc, 1u);

  auto yuv444 = ParseAvcDecoderConfig(Hex(kRealRecords[6].hex));
  ASSERT_TRUE(yuv444.ok());
  sps = ParseH264Sps(yuv444->sps[0].span());
  ASSERT_TRUE(sps.ok());
  EXPECT_EQ(sps->chroma_format_idc, 3u);
}

// Every prefix of a record either fails cleanly or (once only the ignored high-profile
// extension is cut) parses to the same config.
TEST(AvcTest, EveryPrefixOfRealRecordsFailsOrParsesIdentically) {
  for (const auto& real : kRealRecords) {
    SCOPED_TRACE(real.name);
    const auto record = Hex(real.hex);
    auto full = VideoConfigFromAvcc(record);
    ASSERT_TRUE(full.ok());
    for (size_t n = 0; n < record.size(); ++n) {
      auto prefix = VideoConfigFromAvcc(std::span(record).first(n));
      if (!prefix.ok()) {
        EXPECT_EQ(prefix.status().code(), base::ErrorCode::kInvalidArgument) << n;
        continue;
      }
      EXPECT_EQ(prefix->config, full->config) << "prefix " << n;
    }
  }
}

// SPS prefixes: cut in the core fields → error; cut in the VUI → the core fields unchanged.
TEST(AvcTest, EveryPrefixOfRealSpsFailsOrKeepsCoreFields) {
  for (const auto& real : kRealRecords) {
    SCOPED_TRACE(real.name);
    auto record = ParseAvcDecoderConfig(Hex(real.hex));
    ASSERT_TRUE(record.ok());
    const auto nal = record->sps[0].span();
    auto full = ParseH264Sps(nal);
    ASSERT_TRUE(full.ok());
    for (size_t n = 0; n < nal.size(); ++n) {
      auto prefix = ParseH264Sps(nal.first(n));
      if (!prefix.ok()) continue;
      EXPECT_EQ(prefix->width, full->width) << n;
      EXPECT_EQ(prefix->height, full->height) << n;
      EXPECT_EQ(prefix->profile_idc, full->profile_idc) << n;
    }
    EXPECT_FALSE(ParseH264Sps(nal.first(6)).ok());
  }
}

TEST(AvcTest, RejectsLengthSizeMinusOneTwo) {
  auto record = Hex(kRealRecords[0].hex);
  record[4] = 0xFE;  // reserved bits + lengthSizeMinusOne = 2
  auto parsed = ParseAvcDecoderConfig(record);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), base::ErrorCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find("lengthSizeMinusOne = 2 is not allowed"),
            std::string::npos);
  EXPECT_FALSE(VideoConfigFromAvcc(record).ok());
}

TEST(AvcTest, ShortNalLengthsAreNormalisedToFour) {
  for (uint8_t length_bits : {0, 1}) {
    auto record = Hex(kRealRecords[0].hex);
    record[4] = static_cast<uint8_t>(0xFC | length_bits);
    auto parsed = VideoConfigFromAvcc(record);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->nal_length_size, length_bits + 1);
    EXPECT_EQ(parsed->config.avcc[4], 0xFF);
    EXPECT_EQ(parsed->config.avcc.span().subspan(5).size(), record.size() - 5);
  }
}

TEST(AvcTest, RecordStructureErrors) {
  const auto good = Hex(kRealRecords[3].hex);
  auto record = good;
  record[0] = 2;
  EXPECT_FALSE(ParseAvcDecoderConfig(record).ok());
  record = good;
  record[5] = 0xE0;  // no SPS
  EXPECT_FALSE(ParseAvcDecoderConfig(record).ok());
  record = good;
  record[6] = 0xFF;  // SPS length far past the end
  EXPECT_FALSE(ParseAvcDecoderConfig(record).ok());
  record = good;
  record[6] = 0;
  record[7] = 0;  // empty SPS
  EXPECT_FALSE(ParseAvcDecoderConfig(record).ok());
  EXPECT_FALSE(ParseAvcDecoderConfig({}).ok());

  // No PPS is allowed (they may come in band); trailing bytes are ignored.
  record = std::vector<uint8_t>(good.begin(), good.begin() + 6 + 2 + 0x19);
  record.push_back(0);
  record.push_back(0xAB);
  auto parsed = ParseAvcDecoderConfig(record);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed->pps.empty());
  EXPECT_EQ(parsed->sps.size(), 1u);
}

TEST(AvcTest, BuildRoundTripsSeveralParameterSets) {
  const auto real = ParseAvcDecoderConfig(Hex(kRealRecords[3].hex));
  ASSERT_TRUE(real.ok());
  std::vector<base::Buffer> sps = {real->sps[0], real->sps[0]};
  std::vector<base::Buffer> pps = {real->pps[0], base::Buffer::FromString("\x68xyz"), real->pps[0]};
  const auto built = BuildAvcDecoderConfig(sps, pps);
  auto parsed = ParseAvcDecoderConfig(built);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->nal_length_size, 4);
  EXPECT_EQ(parsed->profile_idc, 66);
  EXPECT_EQ(parsed->level_idc, 30);
  EXPECT_EQ(parsed->sps, sps);
  EXPECT_EQ(parsed->pps, pps);
  // Baseline: no high-profile extension.
  EXPECT_EQ(built.size(), 6 + 2 * (2 + sps[0].size()) + 1 + 2 * (2 + pps[0].size()) + 2 + 4);
}

// ---- Annex B and NAL length helpers ----

TEST(AvcTest, SplitAnnexBHandlesBothStartCodes) {
  const auto stream = Hex("00 00 00 01 67 42 00 00 01 68 ce 00 00 00 01 65 88 00 00 00");
  const auto nals = SplitAnnexB(stream);
  ASSERT_EQ(nals.size(), 3u);
  EXPECT_EQ(std::vector<uint8_t>(nals[0].begin(), nals[0].end()), Hex("67 42"));
  EXPECT_EQ(std::vector<uint8_t>(nals[1].begin(), nals[1].end()), Hex("68 ce"));
  EXPECT_EQ(std::vector<uint8_t>(nals[2].begin(), nals[2].end()), Hex("65 88"));
}

TEST(AvcTest, SplitAnnexBEdgeCases) {
  EXPECT_TRUE(SplitAnnexB({}).empty());
  EXPECT_TRUE(SplitAnnexB(Hex("65 88 84")).empty());              // no start code
  EXPECT_TRUE(SplitAnnexB(Hex("00 00 01 00 00 00 01")).empty());  // only zeros
  auto nals = SplitAnnexB(Hex("ab cd 00 00 01 09 f0"));           // leading garbage skipped
  ASSERT_EQ(nals.size(), 1u);
  EXPECT_EQ(nals[0].size(), 2u);
  nals = SplitAnnexB(Hex("00 00 01 41 00 00 02 00 00 01 41"));  // 00 00 02 is payload
  ASSERT_EQ(nals.size(), 2u);
  EXPECT_EQ(nals[0].size(), 4u);
}

TEST(AvcTest, AnnexBToLengthPrefixedAndBack) {
  const auto stream = Hex("00 00 00 01 09 f0 00 00 01 65 88 84 00");
  const base::Buffer sample = AnnexBToLengthPrefixed(stream);
  EXPECT_EQ(std::vector<uint8_t>(sample.span().begin(), sample.span().end()),
            Hex("00000002 09f0 00000003 658884"));
  std::vector<size_t> sizes;
  ASSERT_TRUE(ForEachNal(sample.span(), [&](auto nal) { sizes.push_back(nal.size()); }).ok());
  EXPECT_EQ(sizes, (std::vector<size_t>{2, 3}));
}

TEST(AvcTest, ForEachNalRejectsOverruns) {
  auto visit = [](std::span<const uint8_t>) {};
  EXPECT_TRUE(ForEachNal({}, visit).ok());
  EXPECT_FALSE(ForEachNal(Hex("00 00 00 05 65 88"), visit).ok());
  EXPECT_FALSE(ForEachNal(Hex("00 00 00 01 65 00 00"), visit).ok());
  EXPECT_FALSE(ForEachNal(Hex("ff ff ff ff"), visit).ok());
}

TEST(AvcTest, NormalizeNalLengths) {
  auto one = NormalizeNalLengths(Hex("02 65 88 01 41"), 1);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, base::Buffer::Copy(Hex("00000002 6588 00000001 41")));
  auto two = NormalizeNalLengths(Hex("0002 6588 0000"), 2);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(*two, base::Buffer::Copy(Hex("00000002 6588 00000000")));
  auto four = NormalizeNalLengths(Hex("00000001 65"), 4);
  ASSERT_TRUE(four.ok());
  EXPECT_EQ(*four, base::Buffer::Copy(Hex("00000001 65")));
  EXPECT_FALSE(NormalizeNalLengths(Hex("03 65 88"), 1).ok());
  EXPECT_FALSE(NormalizeNalLengths(Hex("00"), 2).ok());
  EXPECT_FALSE(NormalizeNalLengths(Hex("00000009 65"), 4).ok());
  EXPECT_FALSE(NormalizeNalLengths(Hex("000001 65"), 3).ok());
}

}  // namespace
}  // namespace steadycast::media
