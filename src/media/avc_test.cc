#include "media/avc.h"

#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <string>

#include "media/media_test_util.h"

namespace steadycast::media {
namespace {

using testing::AddEmulationPrevention;
using testing::Hex;
using testing::TestBitWriter;

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

// ---- Crafted SPS ----

struct SpsSpec {
  uint8_t profile = 100;
  uint8_t constraints = 0;
  uint8_t level = 31;
  uint32_t id = 0;
  uint32_t chroma_format = 1;
  bool separate_planes = false;
  uint32_t luma_minus8 = 0;
  uint32_t chroma_minus8 = 0;
  // Per scaling list: 0 absent, 1 fully coded, 2 terminated early (nextScale = 0).
  std::vector<int> scaling_lists;
  uint32_t log2_frame_num_minus4 = 0;
  uint32_t poc_type = 0;
  uint32_t poc_lsb_minus4 = 2;
  std::vector<int32_t> poc_cycle;
  uint32_t ref_frames = 4;
  uint32_t width_mbs_minus1 = 79;     // 1280
  uint32_t height_units_minus1 = 44;  // 720
  bool frame_mbs_only = true;
  std::optional<std::array<uint32_t, 4>> crop;  // left, right, top, bottom
  bool vui = false;
  std::optional<uint32_t> aspect_idc;
  uint16_t sar_width = 0;
  uint16_t sar_height = 0;
  bool video_signal = false;
  bool full_range = false;
  std::optional<std::pair<uint32_t, uint32_t>> timing;  // num_units_in_tick, time_scale
};

void WriteScalingLists(TestBitWriter& w, const SpsSpec& s) {
  w.Flag(!s.scaling_lists.empty());
  if (s.scaling_lists.empty()) return;
  const size_t count = s.chroma_format == 3 ? 12 : 8;
  for (size_t i = 0; i < count; ++i) {
    const int mode = i < s.scaling_lists.size() ? s.scaling_lists[i] : 0;
    w.Flag(mode != 0);
    if (mode == 1) {
      for (int j = 0; j < (i < 6 ? 16 : 64); ++j) w.Se(j % 2 ? 3 : -3);  // never hits 0
    } else if (mode == 2) {
      w.Se(-8);  // 8 - 8 = 0: "use the default list", ends the list
    }
  }
}

void WriteVui(TestBitWriter& w, const SpsSpec& s) {
  w.Flag(s.aspect_idc.has_value());
  if (s.aspect_idc) {
    w.U(*s.aspect_idc, 8);
    if (*s.aspect_idc == 255) {
      w.U(s.sar_width, 16);
      w.U(s.sar_height, 16);
    }
  }
  w.Flag(true);  // overscan_info_present_flag
  w.Flag(false);
  w.Flag(s.video_signal);
  if (s.video_signal) {
    w.U(5, 3);
    w.Flag(s.full_range);
    w.Flag(true);
    w.U(0x010101, 24);
  }
  w.Flag(true);  // chroma_loc_info_present_flag
  w.Ue(0);
  w.Ue(0);
  w.Flag(s.timing.has_value());
  if (s.timing) {
    w.U(s.timing->first, 32);
    w.U(s.timing->second, 32);
    w.Flag(true);
  }
  w.Flag(false);  // nal_hrd_parameters_present_flag
  w.Flag(false);  // vcl_hrd
  w.Flag(false);  // pic_struct_present_flag
  w.Flag(false);  // bitstream_restriction_flag
}

TestBitWriter WriteSpsBits(const SpsSpec& s) {
  TestBitWriter w;
  w.U(s.profile, 8);
  w.U(s.constraints, 8);
  w.U(s.level, 8);
  w.Ue(s.id);
  if (s.profile == 100 || s.profile == 110 || s.profile == 122 || s.profile == 244) {
    w.Ue(s.chroma_format);
    if (s.chroma_format == 3) w.Flag(s.separate_planes);
    w.Ue(s.luma_minus8);
    w.Ue(s.chroma_minus8);
    w.Flag(false);
    WriteScalingLists(w, s);
  }
  w.Ue(s.log2_frame_num_minus4);
  w.Ue(s.poc_type);
  if (s.poc_type == 0) w.Ue(s.poc_lsb_minus4);
  if (s.poc_type == 1) {
    w.Flag(false);
    w.Se(-2);
    w.Se(5);
    w.Ue(static_cast<uint32_t>(s.poc_cycle.size()));
    for (int32_t offset : s.poc_cycle) w.Se(offset);
  }
  w.Ue(s.ref_frames);
  w.Flag(false);
  w.Ue(s.width_mbs_minus1);
  w.Ue(s.height_units_minus1);
  w.Flag(s.frame_mbs_only);
  if (!s.frame_mbs_only) w.Flag(true);
  w.Flag(true);
  w.Flag(s.crop.has_value());
  if (s.crop) {
    for (uint32_t offset : *s.crop) w.Ue(offset);
  }
  w.Flag(s.vui);
  if (s.vui) WriteVui(w, s);
  return w;
}

std::vector<uint8_t> SpsNal(const std::vector<uint8_t>& rbsp) {
  std::vector<uint8_t> nal = {0x67};
  const auto payload = AddEmulationPrevention(rbsp);
  nal.insert(nal.end(), payload.begin(), payload.end());
  return nal;
}

std::vector<uint8_t> BuildSps(const SpsSpec& spec) { return SpsNal(WriteSpsBits(spec).Rbsp()); }

TEST(AvcTest, CraftedDefaults) {
  auto sps = ParseH264Sps(BuildSps({}));
  ASSERT_TRUE(sps.ok()) << sps.status().ToString();
  EXPECT_EQ(sps->width, 1280);
  EXPECT_EQ(sps->height, 720);
  EXPECT_EQ(sps->log2_max_pic_order_cnt_lsb, 6);
  EXPECT_FALSE(sps->frame_rate.has_value());
}

TEST(AvcTest, EmulationPreventionBytesAreRemoved) {
  // num_units_in_tick = 1 and a byte-aligned zero run force 00 00 03 sequences.
  SpsSpec spec;
  spec.profile = 66;
  spec.vui = true;
  spec.aspect_idc = 255;
  spec.sar_width = 0;
  spec.sar_height = 0;
  spec.timing = {{1, 0x100}};
  const auto nal = BuildSps(spec);
  const auto rbsp = WriteSpsBits(spec).Rbsp();
  ASSERT_GT(nal.size(), rbsp.size() + 1) << "the spec must need emulation prevention";
  auto sps = ParseH264Sps(nal);
  ASSERT_TRUE(sps.ok()) << sps.status().ToString();
  ASSERT_TRUE(sps->frame_rate.has_value());
  EXPECT_DOUBLE_EQ(*sps->frame_rate, 128.0);
  EXPECT_EQ(sps->sar_num, 1);  // 0:0 means unspecified
}

TEST(AvcTest, ExtendedSar) {
  SpsSpec spec;
  spec.vui = true;
  spec.aspect_idc = 255;
  spec.sar_width = 64;
  spec.sar_height = 45;
  auto sps = ParseH264Sps(BuildSps(spec));
  ASSERT_TRUE(sps.ok());
  EXPECT_EQ(sps->sar_num, 64);
  EXPECT_EQ(sps->sar_den, 45);
  spec.aspect_idc = 2;
  sps = ParseH264Sps(BuildSps(spec));
  ASSERT_TRUE(sps.ok());
  EXPECT_EQ(sps->sar_num, 12);
  EXPECT_EQ(sps->sar_den, 11);
}

TEST(AvcTest, VideoSignalAndTiming) {
  SpsSpec spec;
  spec.vui = true;
  spec.video_signal = true;
  spec.full_range = true;
  spec.timing = {{1001, 60000}};
  auto sps = ParseH264Sps(BuildSps(spec));
  ASSERT_TRUE(sps.ok());
  EXPECT_TRUE(sps->full_range);
  EXPECT_TRUE(sps->fixed_frame_rate);
  ASSERT_TRUE(sps->frame_rate.has_value());
  EXPECT_NEAR(*sps->frame_rate, 29.97, 0.001);
  spec.timing = {{0, 60000}};  // zero tick: no rate
  sps = ParseH264Sps(BuildSps(spec));
  ASSERT_TRUE(sps.ok());
  EXPECT_FALSE(sps->frame_rate.has_value());
}

TEST(AvcTest, ScalingMatricesAreSkipped) {
  for (uint32_t chroma : {1u, 3u}) {
    SpsSpec spec;
    spec.chroma_format = chroma;
    spec.profile = chroma == 3 ? 244 : 100;
    spec.scaling_lists = {1, 2, 0, 1, 0, 0, 1, 2, 1, 0, 2, 1};
    spec.vui = true;
    spec.timing = {{1, 50}};
    auto sps = ParseH264Sps(BuildSps(spec));
    ASSERT_TRUE(sps.ok()) << chroma << ": " << sps.status().ToString();
    EXPECT_EQ(sps->width, 1280);
    EXPECT_EQ(sps->height, 720);
    ASSERT_TRUE(sps->frame_rate.has_value());  // proves the reader stayed in step
    EXPECT_DOUBLE_EQ(*sps->frame_rate, 25.0);
  }
}

TEST(AvcTest, PicOrderCountTypeOne) {
  SpsSpec spec;
  spec.poc_type = 1;
  spec.poc_cycle = {1, -1, 7};
  spec.vui = true;
  spec.timing = {{1, 48}};
  auto sps = ParseH264Sps(BuildSps(spec));
  ASSERT_TRUE(sps.ok()) << sps.status().ToString();
  EXPECT_EQ(sps->pic_order_cnt_type, 1u);
  EXPECT_DOUBLE_EQ(sps->frame_rate.value_or(0), 24.0);
  spec.poc_cycle.assign(256, 1);
  EXPECT_FALSE(ParseH264Sps(BuildSps(spec)).ok());
  spec.poc_cycle.assign(255, 1);
  EXPECT_TRUE(ParseH264Sps(BuildSps(spec)).ok());
}

TEST(AvcTest, CroppingPerChromaFormat) {
  struct Case {
    uint32_t chroma;
    bool frame_mbs_only;
    int width;
    int height;
  };
  // 1 left + 2 right, 1 top + 3 bottom offsets on 1280x720 coded.
  for (const Case& c : {Case{1, true, 1280 - 6, 720 - 8}, Case{2, true, 1280 - 6, 720 - 4},
                        Case{3, true, 1280 - 3, 720 - 4}, Case{0, true, 1280 - 3, 720 - 4},
                        Case{1, false, 1280 - 6, 1440 - 16}}) {
    SpsSpec spec;
    spec.profile = c.chroma == 3 ? 244 : 122;
    spec.chroma_format = c.chroma;
    spec.frame_mbs_only = c.frame_mbs_only;
    spec.crop = {{1, 2, 1, 3}};
    auto sps = ParseH264Sps(BuildSps(spec));
    ASSERT_TRUE(sps.ok()) << sps.status().ToString();
    EXPECT_EQ(sps->width, c.width) << c.chroma;
    EXPECT_EQ(sps->height, c.height) << c.chroma;
  }
  SpsSpec separate;  // separate_colour_plane: ChromaArrayType 0, crop in luma samples
  separate.profile = 244;
  separate.chroma_format = 3;
  separate.separate_planes = true;
  separate.crop = {{1, 1, 1, 1}};
  auto sps = ParseH264Sps(BuildSps(separate));
  ASSERT_TRUE(sps.ok());
  EXPECT_EQ(sps->width, 1278);
  EXPECT_EQ(sps->height, 718);
}

TEST(AvcTest, ZeroDimensionSpsIsRefused) {
  SpsSpec spec;
  spec.width_mbs_minus1 = 0;
  spec.crop = {{4, 4, 0, 0}};  // 16 - 2 * 8 = 0 wide
  auto sps = ParseH264Sps(BuildSps(spec));
  ASSERT_FALSE(sps.ok());
  EXPECT_NE(sps.status().message().find("empty"), std::string::npos);
  spec.crop = {{0, 0, 0, 0xFFFFFFF0}};  // huge offsets must not overflow
  EXPECT_FALSE(ParseH264Sps(BuildSps(spec)).ok());
}

TEST(AvcTest, OversizedSpsIsRefused) {
  SpsSpec spec;
  spec.width_mbs_minus1 = 1024;  // 16400 wide
  EXPECT_FALSE(ParseH264Sps(BuildSps(spec)).ok());
  spec.width_mbs_minus1 = 1023;  // 16384 is the limit
  EXPECT_TRUE(ParseH264Sps(BuildSps(spec)).ok());
  spec.width_mbs_minus1 = 0xFFFFFFFE;
  EXPECT_FALSE(ParseH264Sps(BuildSps(spec)).ok());
}

TEST(AvcTest, OutOfRangeFieldsAreRefused) {
  auto refused = [](SpsSpec spec, const char* what) {
    auto sps = ParseH264Sps(BuildSps(spec));
    ASSERT_FALSE(sps.ok()) << what;
    EXPECT_EQ(sps.status().code(), base::ErrorCode::kInvalidArgument);
    EXPECT_NE(sps.status().message().find(what), std::string::npos) << sps.status().message();
  };
  SpsSpec spec;
  spec.id = 32;
  refused(spec, "seq_parameter_set_id");
  spec = {};
  spec.chroma_format = 4;
  refused(spec, "chroma_format_idc");
  spec = {};
  spec.luma_minus8 = 7;
  refused(spec, "bit depth");
  spec = {};
  spec.log2_frame_num_minus4 = 13;
  refused(spec, "log2_max_frame_num_minus4");
  spec = {};
  spec.poc_lsb_minus4 = 13;
  refused(spec, "log2_max_pic_order_cnt_lsb_minus4");
  spec = {};
  spec.poc_type = 3;
  refused(spec, "pic_order_cnt_type");
  spec = {};
  spec.ref_frames = 17;
  refused(spec, "max_num_ref_frames");
}

TEST(AvcTest, NotAnSps) {
  EXPECT_FALSE(ParseH264Sps({}).ok());
  auto nal = BuildSps({});
  nal[0] = 0x68;  // PPS
  EXPECT_FALSE(ParseH264Sps(nal).ok());
  nal[0] = 0xE7;  // forbidden bit
  EXPECT_FALSE(ParseH264Sps(nal).ok());
}

TEST(AvcTest, TruncatedVuiKeepsWhatWasParsed) {
  SpsSpec spec;
  spec.vui = true;
  spec.aspect_idc = 14;
  spec.timing = {{1, 60}};
  TestBitWriter bits = WriteSpsBits(spec);
  auto full = bits.Bytes();
  // Cut in the middle of num_units_in_tick: SAR survives, the frame rate does not.
  std::vector<uint8_t> cut(full.begin(), full.end() - 8);
  auto sps = ParseH264Sps(SpsNal(cut));
  ASSERT_TRUE(sps.ok()) << sps.status().ToString();
  EXPECT_EQ(sps->sar_num, 4);
  EXPECT_EQ(sps->sar_den, 3);
  EXPECT_FALSE(sps->frame_rate.has_value());
  EXPECT_EQ(sps->width, 1280);
}

TEST(AvcTest, EveryPrefixOfCraftedSpsFailsCleanly) {
  SpsSpec spec;
  spec.profile = 244;
  spec.chroma_format = 3;
  spec.scaling_lists = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  spec.poc_type = 1;
  spec.poc_cycle = {3, 4, 5};
  spec.crop = {{1, 2, 3, 4}};
  const auto nal = BuildSps(spec);
  auto full = ParseH264Sps(nal);
  ASSERT_TRUE(full.ok());
  for (size_t n = 0; n < nal.size(); ++n) {
    auto prefix = ParseH264Sps(std::span(nal).first(n));
    if (prefix.ok()) {
      EXPECT_EQ(prefix->width, full->width);
      EXPECT_EQ(prefix->height, full->height);
    }
  }
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
