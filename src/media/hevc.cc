#include "media/hevc.h"

#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "base/bytes.h"
#include "media/avc.h"

namespace steadycast::media {
namespace {

constexpr int kNalTypeSps = 33;
constexpr uint32_t kMaxSubLayersMinus1 = 6;
constexpr uint32_t kMaxLumaSide = 16888;  // H.265 Annex A: sqrt(MaxLumaPs × 8) at level 6.2

base::Status Invalid(std::string_view what) {
  return base::InvalidArgument(fmt::format("h265 sps: {}", what));
}

// profile_tier_level(1, max_sub_layers_minus1) (§7.3.3): only the general fields are kept.
void ReadProfileTierLevel(base::BitReader& r, uint32_t max_sub_layers_minus1, HevcSpsInfo& out) {
  r.SkipBits(2 + 1);  // general_profile_space, general_tier_flag
  out.general_profile_idc = static_cast<uint8_t>(r.ReadBits(5));
  r.SkipBits(32);      // general_profile_compatibility_flag[32]
  r.SkipBits(4 + 44);  // progressive/interlaced/non_packed/frame_only + 43 reserved + 1
  out.general_level_idc = static_cast<uint8_t>(r.ReadBits(8));
  bool profile_present[8] = {};
  bool level_present[8] = {};
  for (uint32_t i = 0; i < max_sub_layers_minus1; ++i) {
    profile_present[i] = r.ReadFlag();
    level_present[i] = r.ReadFlag();
  }
  if (max_sub_layers_minus1 > 0) {
    for (uint32_t i = max_sub_layers_minus1; i < 8; ++i) r.SkipBits(2);  // reserved_zero_2bits
  }
  for (uint32_t i = 0; i < max_sub_layers_minus1; ++i) {
    if (profile_present[i]) r.SkipBits(88);
    if (level_present[i]) r.SkipBits(8);
  }
}

}  // namespace

base::Result<HevcSpsInfo> ParseH265Sps(std::span<const uint8_t> nal) {
  if (nal.size() < 3) return Invalid("too short");
  if ((nal[0] & 0x80) != 0) return Invalid("forbidden_zero_bit set");
  const int type = (nal[0] >> 1) & 0x3F;
  if (type != kNalTypeSps) return Invalid(fmt::format("NAL unit type {} is not an SPS (33)", type));
  const std::vector<uint8_t> rbsp = RemoveEmulationPrevention(nal.subspan(2));
  base::BitReader r(rbsp);
  HevcSpsInfo out;
  r.SkipBits(4);  // sps_video_parameter_set_id
  const uint32_t max_sub_layers_minus1 = r.ReadBits(3);
  if (max_sub_layers_minus1 > kMaxSubLayersMinus1) return Invalid("sps_max_sub_layers_minus1 > 6");
  r.SkipBits(1);  // sps_temporal_id_nesting_flag
  ReadProfileTierLevel(r, max_sub_layers_minus1, out);
  (void)r.ReadUnsignedExpGolomb();  // sps_seq_parameter_set_id
  out.chroma_format_idc = r.ReadUnsignedExpGolomb();
  if (out.chroma_format_idc > 3) return Invalid("chroma_format_idc > 3");
  bool separate_colour_plane = false;
  if (out.chroma_format_idc == 3) separate_colour_plane = r.ReadFlag();
  const uint32_t width = r.ReadUnsignedExpGolomb();
  const uint32_t height = r.ReadUnsignedExpGolomb();
  if (r.failed()) return Invalid("truncated");
  if (width == 0 || height == 0 || width > kMaxLumaSide || height > kMaxLumaSide) {
    return Invalid(fmt::format("picture size {}x{} out of range", width, height));
  }
  uint32_t left = 0, right = 0, top = 0, bottom = 0;
  if (r.ReadFlag()) {  // conformance_window_flag
    left = r.ReadUnsignedExpGolomb();
    right = r.ReadUnsignedExpGolomb();
    top = r.ReadUnsignedExpGolomb();
    bottom = r.ReadUnsignedExpGolomb();
  }
  if (r.failed()) return Invalid("truncated");
  // Crop units (§6.2, Table 6-1): chroma sample distances, 1 for 4:4:4 and monochrome.
  const uint32_t chroma = separate_colour_plane ? 0 : out.chroma_format_idc;
  const uint64_t sub_width = (chroma == 1 || chroma == 2) ? 2 : 1;
  const uint64_t sub_height = chroma == 1 ? 2 : 1;
  const uint64_t crop_x = sub_width * (uint64_t{left} + right);
  const uint64_t crop_y = sub_height * (uint64_t{top} + bottom);
  if (crop_x >= width || crop_y >= height) return Invalid("conformance window larger than picture");
  out.coded_width = static_cast<int>(width);
  out.coded_height = static_cast<int>(height);
  out.width = static_cast<int>(width - crop_x);
  out.height = static_cast<int>(height - crop_y);
  return out;
}

}  // namespace steadycast::media
