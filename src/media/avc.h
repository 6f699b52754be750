#pragma once
// H.264 configuration parsing: AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1) and
// sequence parameter sets (ITU-T H.264 §7.3.2.1.1), plus Annex B ↔ length-prefixed helpers.
// Pure functions over bytes; no allocation beyond the returned values.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "base/buffer.h"
#include "base/status.h"
#include "media/track.h"

namespace steadycast::media {

struct SpsInfo {
  uint8_t profile_idc = 0;
  uint8_t constraint_flags = 0;
  uint8_t level_idc = 0;
  uint32_t seq_parameter_set_id = 0;
  int width = 0;  // after frame cropping
  int height = 0;
  std::optional<double> frame_rate;  // from VUI timing (time_scale / (2 * num_units_in_tick))
  int sar_num = 1;
  int sar_den = 1;
  // Fields later stages need (slice header parsing, transcoder set-up). Added after the
  // seam fields above so existing designated initialisers keep compiling.
  uint32_t chroma_format_idc = 1;  // 0 = monochrome, 1 = 4:2:0, 2 = 4:2:2, 3 = 4:4:4
  bool separate_colour_plane = false;
  int bit_depth_luma = 8;
  int bit_depth_chroma = 8;
  int log2_max_frame_num = 4;
  uint32_t pic_order_cnt_type = 0;
  int log2_max_pic_order_cnt_lsb = 0;  // only for pic_order_cnt_type 0
  uint32_t max_num_ref_frames = 0;
  bool frame_mbs_only = true;
  int coded_width = 0;  // before cropping, in luma samples
  int coded_height = 0;
  bool fixed_frame_rate = false;
  bool full_range = false;  // video_full_range_flag from the VUI
};

// Parses one SPS NAL unit (starting with the NAL header byte 0x67 / type 7), removing
// emulation prevention bytes first. Validates ranges (ids, log2 sizes, dimensions ≤ 16384).
base::Result<SpsInfo> ParseH264Sps(std::span<const uint8_t> nal);

struct AvcDecoderConfig {
  uint8_t profile_idc = 0;
  uint8_t constraint_flags = 0;
  uint8_t level_idc = 0;
  int nal_length_size = 4;        // lengthSizeMinusOne + 1: must be 1, 2 or 4
  std::vector<base::Buffer> sps;  // NAL units without length prefix
  std::vector<base::Buffer> pps;
};

// NAL unit payload → RBSP: drops the 0x03 of every 00 00 03 (H.264 §7.4.1, H.265 §7.4.2).
// The copy is never larger than the input.
std::vector<uint8_t> RemoveEmulationPrevention(std::span<const uint8_t> payload);

// Parses an AVCDecoderConfigurationRecord. lengthSizeMinusOne must be 0, 1 or 3.
base::Result<AvcDecoderConfig> ParseAvcDecoderConfig(std::span<const uint8_t> record);

// Serialises a record (lengthSizeMinusOne forced to 3) from SPS/PPS NAL units.
std::vector<uint8_t> BuildAvcDecoderConfig(const std::vector<base::Buffer>& sps,
                                           const std::vector<base::Buffer>& pps);

// Parses an avcC record and its first SPS into a track config whose `avcc` has 4-byte NAL
// lengths (rewritten if the input used 1 or 2). Returns the input's NAL length size too.
struct ParsedVideoConfig {
  VideoTrackConfig config;
  int nal_length_size = 4;
};
base::Result<ParsedVideoConfig> VideoConfigFromAvcc(std::span<const uint8_t> record);

// Rewrites a length-prefixed sample with `nal_length_size`-byte lengths into 4-byte lengths.
// Fails on a NAL length that runs past the end.
base::Result<base::Buffer> NormalizeNalLengths(std::span<const uint8_t> sample,
                                               int nal_length_size);

// Splits an Annex B byte stream (00 00 01 / 00 00 00 01 start codes) into NAL units.
std::vector<std::span<const uint8_t>> SplitAnnexB(std::span<const uint8_t> stream);

// Converts Annex B into 4-byte length-prefixed form.
base::Buffer AnnexBToLengthPrefixed(std::span<const uint8_t> stream);

// Calls `visit` for each NAL unit of a 4-byte length-prefixed sample. Returns an error if a
// length runs past the end. The span is valid only during the call.
base::Status ForEachNal(std::span<const uint8_t> sample,
                        const std::function<void(std::span<const uint8_t> nal)>& visit);

}  // namespace steadycast::media
