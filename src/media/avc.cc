#include "media/avc.h"

#include <fmt/format.h>

#include <array>
#include <utility>

#include "base/bytes.h"

namespace steadycast::media {
namespace {

using base::BitReader;
using base::InvalidArgument;
using base::Status;

constexpr int kMaxDimension = 16384;
constexpr uint8_t kNalTypeSps = 7;

// Profiles whose SPS carries chroma_format_idc, bit depths and scaling matrices
// (H.264 §7.3.2.1.1, the `if (profile_idc == 100 || ...)` branch).
bool IsHighProfile(uint8_t profile_idc) {
  switch (profile_idc) {
    case 100:
    case 110:
    case 122:
    case 244:
    case 44:
    case 83:
    case 86:
    case 118:
    case 128:
    case 138:
    case 139:
    case 134:
    case 135:
      return true;
    default:
      return false;
  }
}

Status Invalid(std::string_view what) { return InvalidArgument(fmt::format("h264 sps: {}", what)); }

// scaling_list() (H.264 §7.3.2.1.1.1): only skipped, we never dequantise.
Status SkipScalingList(BitReader& bits, int size) {
  int last_scale = 8;
  int next_scale = 8;
  for (int j = 0; j < size && next_scale != 0; ++j) {
    const int32_t delta = bits.ReadSignedExpGolomb();
    if (bits.failed()) return Invalid("truncated scaling list");
    if (delta < -128 || delta > 127) {
      return Invalid(fmt::format("delta_scale {} out of range -128..127", delta));
    }
    next_scale = (last_scale + delta + 256) % 256;
    if (next_scale != 0) last_scale = next_scale;
  }
  return Status::Ok();
}

// The high-profile block: chroma format, bit depths, scaling matrices.
Status ParseHighProfileFields(BitReader& bits, SpsInfo& sps) {
  sps.chroma_format_idc = bits.ReadUnsignedExpGolomb();
  if (sps.chroma_format_idc > 3) {
    return Invalid(fmt::format("chroma_format_idc {} > 3", sps.chroma_format_idc));
  }
  if (sps.chroma_format_idc == 3) sps.separate_colour_plane = bits.ReadFlag();
  const uint32_t luma_minus8 = bits.ReadUnsignedExpGolomb();
  const uint32_t chroma_minus8 = bits.ReadUnsignedExpGolomb();
  if (luma_minus8 > 6 || chroma_minus8 > 6) {
    return Invalid(
        fmt::format("bit depth luma {} / chroma {} beyond 14", luma_minus8 + 8, chroma_minus8 + 8));
  }
  sps.bit_depth_luma = static_cast<int>(luma_minus8) + 8;
  sps.bit_depth_chroma = static_cast<int>(chroma_minus8) + 8;
  bits.ReadFlag();        // qpprime_y_zero_transform_bypass_flag
  if (bits.ReadFlag()) {  // seq_scaling_matrix_present_flag
    const int lists = sps.chroma_format_idc != 3 ? 8 : 12;
    for (int i = 0; i < lists; ++i) {
      if (!bits.ReadFlag()) continue;  // seq_scaling_list_present_flag[i]
      SC_RETURN_IF_ERROR(SkipScalingList(bits, i < 6 ? 16 : 64));
    }
  }
  if (bits.failed()) return Invalid("truncated in high-profile fields");
  return Status::Ok();
}

// frame_num and picture order count fields.
Status ParseOrderFields(BitReader& bits, SpsInfo& sps) {
  const uint32_t log2_max_frame_num_minus4 = bits.ReadUnsignedExpGolomb();
  if (log2_max_frame_num_minus4 > 12) {
    return Invalid(fmt::format("log2_max_frame_num_minus4 {} > 12", log2_max_frame_num_minus4));
  }
  sps.log2_max_frame_num = static_cast<int>(log2_max_frame_num_minus4) + 4;
  sps.pic_order_cnt_type = bits.ReadUnsignedExpGolomb();
  if (sps.pic_order_cnt_type == 0) {
    const uint32_t lsb_minus4 = bits.ReadUnsignedExpGolomb();
    if (lsb_minus4 > 12) {
      return Invalid(fmt::format("log2_max_pic_order_cnt_lsb_minus4 {} > 12", lsb_minus4));
    }
    sps.log2_max_pic_order_cnt_lsb = static_cast<int>(lsb_minus4) + 4;
  } else if (sps.pic_order_cnt_type == 1) {
    bits.ReadFlag();             // delta_pic_order_always_zero_flag
    bits.ReadSignedExpGolomb();  // offset_for_non_ref_pic
    bits.ReadSignedExpGolomb();  // offset_for_top_to_bottom_field
    const uint32_t cycle = bits.ReadUnsignedExpGolomb();
    if (cycle > 255) {
      return Invalid(fmt::format("num_ref_frames_in_pic_order_cnt_cycle {} > 255", cycle));
    }
    for (uint32_t i = 0; i < cycle && !bits.failed(); ++i) bits.ReadSignedExpGolomb();
  } else if (sps.pic_order_cnt_type > 2) {
    return Invalid(fmt::format("pic_order_cnt_type {} > 2", sps.pic_order_cnt_type));
  }
  if (bits.failed()) return Invalid("truncated in frame_num / picture order fields");
  return Status::Ok();
}

// Picture size, field coding and cropping (H.264 §7.4.2.1.1, equations 7-13 … 7-22).
Status ParseGeometry(BitReader& bits, SpsInfo& sps) {
  sps.max_num_ref_frames = bits.ReadUnsignedExpGolomb();
  bits.ReadFlag();  // gaps_in_frame_num_value_allowed_flag
  const int64_t width_mbs = int64_t{bits.ReadUnsignedExpGolomb()} + 1;
  const int64_t height_map_units = int64_t{bits.ReadUnsignedExpGolomb()} + 1;
  sps.frame_mbs_only = bits.ReadFlag();
  if (!sps.frame_mbs_only) bits.ReadFlag();  // mb_adaptive_frame_field_flag
  bits.ReadFlag();                           // direct_8x8_inference_flag
  std::array<int64_t, 4> crop{};             // left, right, top, bottom
  if (bits.ReadFlag()) {
    for (auto& offset : crop) offset = bits.ReadUnsignedExpGolomb();
  }
  if (bits.failed()) return Invalid("truncated in picture size fields");
  if (sps.max_num_ref_frames > 16) {
    return Invalid(fmt::format("max_num_ref_frames {} > 16", sps.max_num_ref_frames));
  }
  const int64_t field_factor = sps.frame_mbs_only ? 1 : 2;
  const int64_t coded_width = width_mbs * 16;
  const int64_t coded_height = height_map_units * 16 * field_factor;
  if (coded_width > kMaxDimension || coded_height > kMaxDimension) {
    return Invalid(
        fmt::format("coded size {}x{} beyond {}", coded_width, coded_height, kMaxDimension));
  }
  // CropUnitX/CropUnitY (equations 7-19 … 7-22): monochrome or separate planes crop in
  // luma samples; otherwise in chroma subsampling units.
  const uint32_t chroma_array_type = sps.separate_colour_plane ? 0 : sps.chroma_format_idc;
  const int64_t sub_width = chroma_array_type == 3 ? 1 : 2;
  const int64_t sub_height = chroma_array_type == 1 ? 2 : 1;
  const int64_t crop_unit_x = chroma_array_type == 0 ? 1 : sub_width;
  const int64_t crop_unit_y = (chroma_array_type == 0 ? 1 : sub_height) * field_factor;
  const int64_t width = coded_width - crop_unit_x * (crop[0] + crop[1]);
  const int64_t height = coded_height - crop_unit_y * (crop[2] + crop[3]);
  if (width <= 0 || height <= 0) {
    return Invalid(fmt::format("picture size {}x{} after cropping is empty", width, height));
  }
  sps.coded_width = static_cast<int>(coded_width);
  sps.coded_height = static_cast<int>(coded_height);
  sps.width = static_cast<int>(width);
  sps.height = static_cast<int>(height);
  return Status::Ok();
}

// Table E-1: sample aspect ratios for aspect_ratio_idc 1..16.
constexpr std::array<std::pair<int, int>, 17> kSarTable = {{{0, 0},
                                                            {1, 1},
                                                            {12, 11},
                                                            {10, 11},
                                                            {16, 11},
                                                            {40, 33},
                                                            {24, 11},
                                                            {20, 11},
                                                            {32, 11},
                                                            {80, 33},
                                                            {18, 11},
                                                            {15, 11},
                                                            {64, 33},
                                                            {160, 99},
                                                            {4, 3},
                                                            {3, 2},
                                                            {2, 1}}};
constexpr uint32_t kExtendedSar = 255;

// vui_parameters() up to timing_info (H.264 §E.1.1). Encoders in the wild truncate the VUI
// or get its tail wrong; a field is kept only if it was read completely, and a short VUI is
// not an error (the picture can be decoded without it).
void ParseVui(BitReader& bits, SpsInfo& sps) {
  if (bits.ReadFlag()) {  // aspect_ratio_info_present_flag
    const uint32_t idc = bits.ReadBits(8);
    std::pair<int, int> sar{0, 0};
    if (idc == kExtendedSar) {
      sar.first = static_cast<int>(bits.ReadBits(16));
      sar.second = static_cast<int>(bits.ReadBits(16));
    } else if (idc < kSarTable.size()) {
      sar = kSarTable[idc];
    }
    if (bits.failed()) return;
    if (sar.first > 0 && sar.second > 0) {  // 0 means "unspecified": keep 1:1
      sps.sar_num = sar.first;
      sps.sar_den = sar.second;
    }
  }
  if (bits.ReadFlag()) bits.ReadFlag();  // overscan_info_present / overscan_appropriate
  if (bits.ReadFlag()) {                 // video_signal_type_present_flag
    bits.ReadBits(3);                    // video_format
    const bool full_range = bits.ReadFlag();
    if (bits.ReadFlag()) bits.ReadBits(24);  // colour_primaries, transfer, matrix
    if (bits.failed()) return;
    sps.full_range = full_range;
  }
  if (bits.ReadFlag()) {  // chroma_loc_info_present_flag
    bits.ReadUnsignedExpGolomb();
    bits.ReadUnsignedExpGolomb();
  }
  if (bits.ReadFlag()) {  // timing_info_present_flag
    const uint32_t num_units_in_tick = bits.ReadBits(32);
    const uint32_t time_scale = bits.ReadBits(32);
    const bool fixed = bits.ReadFlag();
    if (bits.failed()) return;
    sps.fixed_frame_rate = fixed;
    if (num_units_in_tick != 0 && time_scale != 0) {
      sps.frame_rate = static_cast<double>(time_scale) / (2.0 * num_units_in_tick);
    }
  }
}

// numOf…ParameterSets and the sets. The SPS count shares its byte with three reserved '1'
// bits. Sets that cannot be represented (over 65535 bytes, over `max_count`) are dropped.
void WriteParameterSets(base::ByteWriter& out, const std::vector<base::Buffer>& sets,
                        size_t max_count, uint8_t reserved_bits) {
  std::vector<const base::Buffer*> kept;
  for (const auto& set : sets) {
    if (set.size() <= 0xFFFF && kept.size() < max_count) kept.push_back(&set);
  }
  out.U8(static_cast<uint8_t>(reserved_bits | kept.size()));
  for (const base::Buffer* set : kept) {
    out.U16(static_cast<uint16_t>(set->size()));
    out.Bytes(set->span());
  }
}

Status ReadParameterSets(base::ByteReader& in, size_t count, std::string_view what,
                         std::vector<base::Buffer>& out) {
  for (size_t i = 0; i < count; ++i) {
    uint16_t length = 0;
    std::span<const uint8_t> nal;
    if (!in.ReadU16(length)) {
      return InvalidArgument(fmt::format("avcC: truncated before {} {} length", what, i));
    }
    if (length == 0) return InvalidArgument(fmt::format("avcC: {} {} is empty", what, i));
    if (!in.ReadBytes(length, nal)) {
      return InvalidArgument(fmt::format("avcC: {} {} length {} runs past the end ({} left)", what,
                                         i, length, in.remaining()));
    }
    out.push_back(base::Buffer::Copy(nal));
  }
  return Status::Ok();
}

}  // namespace

std::vector<uint8_t> RemoveEmulationPrevention(std::span<const uint8_t> payload) {
  std::vector<uint8_t> rbsp;
  rbsp.reserve(payload.size());
  int zeros = 0;
  for (uint8_t byte : payload) {
    if (zeros >= 2 && byte == 0x03) {
      zeros = 0;
      continue;
    }
    zeros = (byte == 0) ? zeros + 1 : 0;
    rbsp.push_back(byte);
  }
  return rbsp;
}

base::Result<SpsInfo> ParseH264Sps(std::span<const uint8_t> nal) {
  if (nal.empty()) return Invalid("empty NAL unit");
  if ((nal[0] & 0x80) != 0) return Invalid("forbidden_zero_bit set");
  if ((nal[0] & 0x1F) != kNalTypeSps) {
    return Invalid(fmt::format("NAL unit type {} is not an SPS (7)", nal[0] & 0x1F));
  }
  const std::vector<uint8_t> rbsp = RemoveEmulationPrevention(nal.subspan(1));
  BitReader bits(rbsp);
  SpsInfo sps;
  sps.profile_idc = static_cast<uint8_t>(bits.ReadBits(8));
  sps.constraint_flags = static_cast<uint8_t>(bits.ReadBits(8));
  sps.level_idc = static_cast<uint8_t>(bits.ReadBits(8));
  sps.seq_parameter_set_id = bits.ReadUnsignedExpGolomb();
  if (bits.failed()) return Invalid("truncated before seq_parameter_set_id");
  if (sps.seq_parameter_set_id > 31) {
    return Invalid(fmt::format("seq_parameter_set_id {} > 31", sps.seq_parameter_set_id));
  }
  if (IsHighProfile(sps.profile_idc)) SC_RETURN_IF_ERROR(ParseHighProfileFields(bits, sps));
  SC_RETURN_IF_ERROR(ParseOrderFields(bits, sps));
  SC_RETURN_IF_ERROR(ParseGeometry(bits, sps));
  if (bits.ReadFlag()) ParseVui(bits, sps);  // vui_parameters_present_flag
  // A missing vui_parameters_present_flag bit is tolerated like a truncated VUI.
  return sps;
}

base::Result<AvcDecoderConfig> ParseAvcDecoderConfig(std::span<const uint8_t> record) {
  base::ByteReader in(record);
  uint8_t version = 0;
  uint8_t length_byte = 0;
  uint8_t sps_byte = 0;
  AvcDecoderConfig config;
  if (!in.ReadU8(version)) return InvalidArgument("avcC: empty record");
  if (version != 1) {
    return InvalidArgument(fmt::format("avcC: configurationVersion {} is not 1", version));
  }
  if (!in.ReadU8(config.profile_idc) || !in.ReadU8(config.constraint_flags) ||
      !in.ReadU8(config.level_idc) || !in.ReadU8(length_byte) || !in.ReadU8(sps_byte)) {
    return InvalidArgument(fmt::format("avcC: truncated header ({} bytes)", record.size()));
  }
  const int length_size_minus_one = length_byte & 0x03;
  if (length_size_minus_one == 2) {
    return InvalidArgument("avcC: lengthSizeMinusOne = 2 is not allowed");
  }
  config.nal_length_size = length_size_minus_one + 1;
  const size_t sps_count = sps_byte & 0x1F;
  if (sps_count == 0) return InvalidArgument("avcC: numOfSequenceParameterSets is 0");
  SC_RETURN_IF_ERROR(ReadParameterSets(in, sps_count, "SPS", config.sps));
  uint8_t pps_count = 0;
  if (!in.ReadU8(pps_count)) {
    return InvalidArgument("avcC: truncated before numOfPictureParameterSets");
  }
  SC_RETURN_IF_ERROR(ReadParameterSets(in, pps_count, "PPS", config.pps));
  // Bytes after the PPS (the high-profile chroma/bit-depth extension, SPS extensions) are
  // ignored: the SPS itself carries everything we need.
  return config;
}

std::vector<uint8_t> BuildAvcDecoderConfig(const std::vector<base::Buffer>& sps,
                                           const std::vector<base::Buffer>& pps) {
  std::vector<uint8_t> record;
  base::ByteWriter out(record);
  const base::Buffer* first = sps.empty() ? nullptr : &sps.front();
  const bool has_header = first != nullptr && first->size() >= 4;
  out.U8(1);  // configurationVersion
  out.U8(has_header ? (*first)[1] : 0);
  out.U8(has_header ? (*first)[2] : 0);
  out.U8(has_header ? (*first)[3] : 0);
  out.U8(0xFF);  // reserved '111111' + lengthSizeMinusOne = 3
  WriteParameterSets(out, sps, 31, 0xE0);
  WriteParameterSets(out, pps, 255, 0);
  // ISO/IEC 14496-15 §5.3.3.1.2: high profiles append chroma format and bit depths. Written
  // only when the SPS parses, so the record stays valid for any input.
  if (has_header && IsHighProfile((*first)[1])) {
    auto info = ParseH264Sps(first->span());
    if (info.ok()) {
      out.U8(static_cast<uint8_t>(0xFC | info->chroma_format_idc));
      out.U8(static_cast<uint8_t>(0xF8 | (info->bit_depth_luma - 8)));
      out.U8(static_cast<uint8_t>(0xF8 | (info->bit_depth_chroma - 8)));
      out.U8(0);  // numOfSequenceParameterSetExt
    }
  }
  return record;
}

base::Result<ParsedVideoConfig> VideoConfigFromAvcc(std::span<const uint8_t> record) {
  SC_ASSIGN_OR_RETURN(AvcDecoderConfig avc, ParseAvcDecoderConfig(record));
  SC_ASSIGN_OR_RETURN(SpsInfo sps, ParseH264Sps(avc.sps.front().span()).WithContext("avcC"));
  ParsedVideoConfig parsed;
  parsed.nal_length_size = avc.nal_length_size;
  VideoTrackConfig& config = parsed.config;
  config.codec = Codec::kH264;
  config.avcc = base::Buffer::Take(BuildAvcDecoderConfig(avc.sps, avc.pps));
  config.width = sps.width;
  config.height = sps.height;
  config.profile_idc = sps.profile_idc;
  config.constraint_flags = sps.constraint_flags;
  config.level_idc = sps.level_idc;
  config.frame_rate = sps.frame_rate;
  config.sar_num = sps.sar_num;
  config.sar_den = sps.sar_den;
  return parsed;
}

base::Result<base::Buffer> NormalizeNalLengths(std::span<const uint8_t> sample,
                                               int nal_length_size) {
  if (nal_length_size != 1 && nal_length_size != 2 && nal_length_size != 4) {
    return InvalidArgument(fmt::format("NAL length size {} is not 1, 2 or 4", nal_length_size));
  }
  const auto size = static_cast<size_t>(nal_length_size);
  if (size == 4) {
    SC_RETURN_IF_ERROR(ForEachNal(sample, [](std::span<const uint8_t>) {}));
    return base::Buffer::Copy(sample);
  }
  std::vector<uint8_t> out;
  base::ByteWriter writer(out);
  size_t pos = 0;
  while (pos < sample.size()) {
    if (sample.size() - pos < size) {
      return InvalidArgument(fmt::format("NAL length at offset {} is truncated", pos));
    }
    size_t length = sample[pos];
    if (size == 2) length = (length << 8) | sample[pos + 1];
    pos += size;
    if (length > sample.size() - pos) {
      return InvalidArgument(fmt::format("NAL length {} at offset {} runs past the end ({} left)",
                                         length, pos - size, sample.size() - pos));
    }
    writer.U32(static_cast<uint32_t>(length));
    writer.Bytes(sample.subspan(pos, length));
    pos += length;
  }
  return base::Buffer::Take(std::move(out));
}

std::vector<std::span<const uint8_t>> SplitAnnexB(std::span<const uint8_t> stream) {
  std::vector<std::span<const uint8_t>> nals;
  const size_t n = stream.size();
  size_t start = n;  // first byte of the current NAL unit; n = none yet
  auto finish = [&](size_t end) {
    if (start >= n) return;
    while (end > start && stream[end - 1] == 0) --end;  // trailing_zero_8bits, 4-byte codes
    if (end > start) nals.push_back(stream.subspan(start, end - start));
  };
  size_t i = 0;
  while (i + 3 <= n) {
    if (stream[i] == 0 && stream[i + 1] == 0 && stream[i + 2] == 1) {
      finish(i);
      i += 3;
      start = i;
    } else {
      // A non-zero third byte rules out start codes at i, i+1 and i+2.
      i += stream[i + 2] != 0 ? 3 : 1;
    }
  }
  finish(n);
  return nals;
}

base::Buffer AnnexBToLengthPrefixed(std::span<const uint8_t> stream) {
  std::vector<uint8_t> out;
  base::ByteWriter writer(out);
  for (auto nal : SplitAnnexB(stream)) {
    writer.U32(static_cast<uint32_t>(nal.size()));
    writer.Bytes(nal);
  }
  return base::Buffer::Take(std::move(out));
}

base::Status ForEachNal(std::span<const uint8_t> sample,
                        const std::function<void(std::span<const uint8_t> nal)>& visit) {
  base::ByteReader in(sample);
  while (!in.empty()) {
    const size_t offset = in.position();
    uint32_t length = 0;
    std::span<const uint8_t> nal;
    if (!in.ReadU32(length)) {
      return InvalidArgument(fmt::format("NAL length at offset {} is truncated", offset));
    }
    if (!in.ReadBytes(length, nal)) {
      return InvalidArgument(fmt::format("NAL length {} at offset {} runs past the end ({} left)",
                                         length, offset, in.remaining()));
    }
    visit(nal);
  }
  return Status::Ok();
}

}  // namespace steadycast::media
