#include "formats/mpegts/video_stream.h"

#include <utility>

#include "base/bytes.h"
#include "media/avc.h"
#include "media/hevc.h"

namespace steadycast::formats::mpegts {
namespace {

// H.264 Table 7-1.
constexpr int kH264Idr = 5;
constexpr int kH264Sps = 7;
constexpr int kH264Pps = 8;
constexpr int kH264Aud = 9;
// H.265 Table 7-1.
constexpr int kH265FirstIrap = 16;  // BLA_W_LP
constexpr int kH265LastIrap = 23;   // RSV_IRAP_VCL23
constexpr int kH265Vps = 32;
constexpr int kH265Sps = 33;
constexpr int kH265Pps = 34;
constexpr int kH265Aud = 35;
// More parameter sets than this in one access unit are ignored (avcC allows 31 SPS).
constexpr size_t kMaxParameterSets = 8;

void AppendNal(std::vector<uint8_t>& out, std::span<const uint8_t> nal) {
  base::ByteWriter writer(out);
  writer.U32(static_cast<uint32_t>(nal.size()));
  writer.Bytes(nal);
}

}  // namespace

VideoStream::VideoStream(media::Codec codec, TsDemuxerListener& listener, TsDemuxerStats& stats)
    : codec_(codec), listener_(listener), stats_(stats) {}

void VideoStream::Push(const PesPayload& pes) {
  Converted unit =
      codec_ == media::Codec::kH265 ? ConvertH265(pes.data.span()) : ConvertH264(pes.data.span());
  if (unit.bytes.empty()) {
    // Only delimiters or parameter sets (taken into the config), or not Annex B at all.
    if (unit.nal_units == 0) ++stats_.dropped_units;
    return;
  }
  if (!config_ || !pes.pts) {
    ++stats_.dropped_units;
    return;
  }
  media::AccessUnit au;
  au.kind = media::TrackKind::kVideo;
  au.codec = codec_;
  au.pts = *pes.pts;
  au.dts = pes.dts.value_or(*pes.pts);
  au.keyframe = unit.keyframe;
  au.maybe_corrupt = pes.maybe_corrupt;
  au.data = base::Buffer::Take(std::move(unit.bytes));
  ++stats_.video_units;
  listener_.OnAccessUnit(au);
}

VideoStream::Converted VideoStream::ConvertH264(std::span<const uint8_t> stream) {
  Converted out;
  out.bytes.reserve(stream.size());
  std::vector<base::Buffer> sps;
  std::vector<base::Buffer> pps;
  for (std::span<const uint8_t> nal : media::SplitAnnexB(stream)) {
    ++out.nal_units;
    const int type = nal[0] & 0x1F;
    if (type == kH264Aud) continue;
    if (type == kH264Sps || type == kH264Pps) {
      auto& sets = type == kH264Sps ? sps : pps;
      if (sets.size() < kMaxParameterSets) sets.push_back(base::Buffer::Copy(nal));
      continue;
    }
    out.keyframe = out.keyframe || type == kH264Idr;
    AppendNal(out.bytes, nal);
  }
  if (!sps.empty() || !pps.empty()) UpdateH264Config(std::move(sps), std::move(pps));
  return out;
}

VideoStream::Converted VideoStream::ConvertH265(std::span<const uint8_t> stream) {
  Converted out;
  out.bytes.reserve(stream.size());
  bool parameter_sets = false;
  std::optional<media::HevcSpsInfo> sps;
  for (std::span<const uint8_t> nal : media::SplitAnnexB(stream)) {
    ++out.nal_units;
    const int type = (nal[0] >> 1) & 0x3F;
    if (type == kH265Aud) continue;
    parameter_sets = parameter_sets || (type >= kH265Vps && type <= kH265Pps);
    if (type == kH265Sps && !sps) {
      if (auto parsed = media::ParseH265Sps(nal); parsed.ok()) sps = *parsed;
    }
    out.keyframe = out.keyframe || (type >= kH265FirstIrap && type <= kH265LastIrap);
    AppendNal(out.bytes, nal);
  }
  // Parameter sets stay in band (no hvcC): the config carries the codec and, from the SPS,
  // the picture size (the ABR ladder is planned from it). A new size is a new config.
  if (parameter_sets &&
      (!config_ || (sps && (sps->width != config_->width || sps->height != config_->height)))) {
    media::VideoTrackConfig config;
    config.codec = media::Codec::kH265;
    if (sps) {
      config.width = sps->width;
      config.height = sps->height;
      config.profile_idc = sps->general_profile_idc;
      config.level_idc = sps->general_level_idc;
    }
    config_ = config;
    listener_.OnVideoConfig(*config_);
  }
  return out;
}

void VideoStream::UpdateH264Config(std::vector<base::Buffer> sps, std::vector<base::Buffer> pps) {
  // An access unit may repeat only one kind; the other stays as last seen.
  if (sps.empty()) sps = sps_;
  if (pps.empty()) pps = pps_;
  if (sps == sps_ && pps == pps_) return;  // the usual case: repeated before every IDR
  sps_ = std::move(sps);
  pps_ = std::move(pps);
  if (sps_.empty() || pps_.empty()) return;  // wait for the other half
  auto parsed = media::VideoConfigFromAvcc(media::BuildAvcDecoderConfig(sps_, pps_));
  if (!parsed.ok()) {
    ++stats_.invalid_configs;  // counted once per distinct set; earlier config kept
    return;
  }
  if (config_ && *config_ == parsed->config) return;
  config_ = std::move(parsed->config);
  listener_.OnVideoConfig(*config_);
}

}  // namespace steadycast::formats::mpegts
