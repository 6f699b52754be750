#include "media/hevc.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace steadycast::media {
namespace {

std::vector<uint8_t> Hex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// SPS NAL units written by libx265 (ffmpeg 5.1, testsrc2, one frame).
const char* const kSps640x360 =
    "42010101600000030090000003000003003fa00502016965959a4932bc05a020000003002000000303c1";
const char* const kSps854x480 =  // coded 856x480, conformance window right offset 1 (2 px)
    "42010101600000030090000003000003005aa006b201e1d796566924caf0168080000003008000000f04";
const char* const kSps1920x1080 =  // 1080 is a multiple of x265's 8-pixel minimum CU
    "420101016000000300900000030000030078a003c08010e596566924caf0168080000003008000000f04";

TEST(HevcSps, SizesFromX265) {
  struct Case {
    const char* hex;
    int width, height, coded_width, coded_height;
    uint8_t level;
  } cases[] = {{kSps640x360, 640, 360, 640, 360, 63},
               {kSps854x480, 854, 480, 856, 480, 90},
               {kSps1920x1080, 1920, 1080, 1920, 1080, 120}};
  for (const Case& c : cases) {
    auto info = ParseH265Sps(Hex(c.hex));
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    EXPECT_EQ(info->width, c.width);
    EXPECT_EQ(info->height, c.height);
    EXPECT_EQ(info->coded_width, c.coded_width);
    EXPECT_EQ(info->coded_height, c.coded_height);
    EXPECT_EQ(info->general_profile_idc, 1);  // Main
    EXPECT_EQ(info->general_level_idc, c.level);
    EXPECT_EQ(info->chroma_format_idc, 1u);
  }
}

TEST(HevcSps, RejectsOtherNalUnitsAndTruncation) {
  const std::vector<uint8_t> sps = Hex(kSps640x360);
  std::vector<uint8_t> vps = sps;
  vps[0] = 0x40;  // type 32
  EXPECT_FALSE(ParseH265Sps(vps).ok());
  EXPECT_FALSE(ParseH265Sps({}).ok());
  std::vector<uint8_t> forbidden = sps;
  forbidden[0] |= 0x80;
  EXPECT_FALSE(ParseH265Sps(forbidden).ok());
  // Every prefix short of the size fields fails cleanly; none crashes.
  for (size_t n = 0; n < 20; ++n) {
    EXPECT_FALSE(ParseH265Sps(std::span(sps).first(n)).ok()) << n;
  }
  for (size_t n = 20; n <= sps.size(); ++n) (void)ParseH265Sps(std::span(sps).first(n));
}

}  // namespace
}  // namespace steadycast::media
