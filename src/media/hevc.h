#pragma once
// H.265 sequence parameter set parsing (ITU-T H.265 §7.3.2.2.1), as far as the picture size:
// MPEG-TS carries H.265 parameter sets in band only, and the ABR ladder must know the source's
// size before the first picture is decoded. Pure: bytes in, fields out, bounded work (the
// profile_tier_level syntax is walked with at most 6 sub-layers; sizes are limited).

#include <cstdint>
#include <span>

#include "base/status.h"

namespace steadycast::media {

struct HevcSpsInfo {
  uint8_t general_profile_idc = 0;  // 1 Main, 2 Main 10, ...
  uint8_t general_level_idc = 0;    // 30 × level number (e.g. 93 = 3.1)
  uint32_t chroma_format_idc = 1;
  int width = 0;  // after the conformance window, in luma samples
  int height = 0;
  int coded_width = 0;  // pic_width_in_luma_samples
  int coded_height = 0;
};

// Parses one SPS NAL unit (two-byte NAL header, nal_unit_type 33).
base::Result<HevcSpsInfo> ParseH265Sps(std::span<const uint8_t> nal);

}  // namespace steadycast::media
