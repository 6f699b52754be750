#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <string>
#include <utility>

#include "media/avc.h"
#include "media/media_test_util.h"

// ParseH264Sps on SPS NAL units crafted field by field (H.264 §7.3.2.1.1, §E.1.1), for the
// branches x264 never writes: scaling lists, POC type 1, every chroma format, extended SAR,
// out-of-range values.

namespace steadycast::media {
namespace {

using testing::AddEmulationPrevention;
using testing::TestBitWriter;

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

}  // namespace
}  // namespace steadycast::media
