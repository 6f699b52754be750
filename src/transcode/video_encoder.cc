#include "transcode/video_encoder.h"

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

extern "C" {
#include <libavutil/opt.h>
}

#include "media/avc.h"

namespace steadycast::transcode {
namespace {

constexpr int kNalSps = 7;
constexpr int kNalPps = 8;
constexpr size_t kMaxPendingAnchors = 256;  // forced frames inside the encoder at once

// x264's rc-lookahead per preset (x264 `--fullhelp`), to know when a cap changes anything.
int PresetLookahead(std::string_view preset) {
  struct Entry {
    std::string_view name;
    int lookahead;
  };
  static constexpr Entry kTable[] = {
      {"ultrafast", 0}, {"superfast", 0}, {"veryfast", 10}, {"faster", 20},   {"fast", 30},
      {"medium", 40},   {"slow", 50},     {"slower", 60},   {"veryslow", 60}, {"placebo", 60}};
  for (const Entry& e : kTable) {
    if (e.name == preset) return e.lookahead;
  }
  return 40;
}

bool IsAnnexB(std::span<const uint8_t> bytes) {
  return (bytes.size() >= 4 && bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 0 && bytes[3] == 1) ||
         (bytes.size() >= 3 && bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 1);
}

// x264's name of an H.264 profile it can produce in 8-bit 4:2:0, or "" for any other.
std::string_view X264Profile(uint8_t profile_idc) {
  switch (profile_idc) {
    case 66:
      return "baseline";
    case 77:
      return "main";
    case 100:
      return "high";
    default:
      return "";
  }
}

std::string X264Params(const EncoderSettings& s) {
  // keyint=infinite + scenecut=0: IDRs only where forced. force-cfr: the VUI carries the real
  // frame rate (with the 90 kHz time base x264 would otherwise signal 45000 fps) and rate
  // control assumes a constant rate; pts still pass through unchanged.
  std::string params = "keyint=infinite:scenecut=0:force-cfr=1:open-gop=0";
  const uint8_t match_profile = s.match ? s.match->profile_idc : 0;
  if ((s.keep_profile && s.preset == "ultrafast") || match_profile == 100) {
    params += ":cabac=1:8x8dct=1";  // High's tools, whatever the preset (ultrafast drops them)
  } else if (match_profile == 77) {
    params += ":cabac=1";  // without it x264 would step down to Constrained Baseline
  }
  if (!s.low_latency && s.max_lookahead >= 0 && PresetLookahead(s.preset) > s.max_lookahead) {
    params += fmt::format(":rc-lookahead={}", s.max_lookahead);
  }
  return params;
}

void Configure(AVCodecContext& c, const EncoderSettings& s) {
  c.width = s.width;
  c.height = s.height;
  c.pix_fmt = AV_PIX_FMT_YUV420P;
  c.sample_aspect_ratio = AVRational{1, 1};
  c.time_base = AVRational{1, static_cast<int>(media::kTimescale)};
  c.framerate = av_d2q(s.frame_rate, 1'000'000);
  c.bit_rate = int64_t{s.video_kbps} * 1000;
  c.rc_max_rate = int64_t{s.maxrate_kbps} * 1000;
  c.rc_buffer_size = s.bufsize_kbits * 1000;
  c.thread_count = std::max(1, s.threads);
  c.flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
}

}  // namespace

std::optional<uint8_t> MatchConstraintFlags(uint8_t own, const H264Signature& wanted,
                                            bool no_b_frames) {
  constexpr uint8_t kSet2 = 0x20;  // conforms to Extended
  constexpr uint8_t kSet4 = 0x08;  // frame_mbs_only_flag = 1 (Main, High)
  constexpr uint8_t kSet5 = 0x04;  // no B slices (Main, High)
  uint8_t claimable = own;
  if (wanted.profile_idc == 66) claimable |= kSet2;
  if (wanted.profile_idc == 77 || wanted.profile_idc == 100) {
    claimable |= kSet4;
    if (no_b_frames) claimable |= kSet5;
  }
  if ((wanted.constraint_flags & ~claimable) != 0) return std::nullopt;
  return wanted.constraint_flags;
}

base::Result<media::VideoTrackConfig> ConfigFromExtradata(std::span<const uint8_t> extradata,
                                                          const std::optional<H264Signature>& match,
                                                          bool no_b_frames) {
  if (extradata.empty()) return base::Internal("encoder: no extradata (global header)");
  if (!IsAnnexB(extradata)) {
    SC_ASSIGN_OR_RETURN(auto parsed, media::VideoConfigFromAvcc(extradata));
    return parsed.config;
  }
  std::vector<base::Buffer> sps;
  std::vector<base::Buffer> pps;
  for (std::span<const uint8_t> nal : media::SplitAnnexB(extradata)) {
    if (nal.empty()) continue;
    const int type = nal[0] & 0x1F;
    // SPS bytes 1..3: profile_idc, the constraint flags, level_idc. Neither neighbour of the
    // flags byte is ever 0, so rewriting it cannot create or break an emulation-prevention
    // sequence.
    if (type == kNalSps && match && nal.size() > 3 && nal[1] == match->profile_idc &&
        nal[3] == match->level_idc && nal[2] != match->constraint_flags) {
      if (auto flags = MatchConstraintFlags(nal[2], *match, no_b_frames)) {
        std::vector<uint8_t> patched(nal.begin(), nal.end());
        patched[2] = *flags;
        sps.push_back(base::Buffer::Take(std::move(patched)));
        continue;
      }
    }
    if (type == kNalSps) sps.push_back(base::Buffer::Copy(nal));
    if (type == kNalPps) pps.push_back(base::Buffer::Copy(nal));
  }
  if (sps.empty() || pps.empty()) return base::Internal("encoder: extradata lacks SPS or PPS");
  SC_ASSIGN_OR_RETURN(auto parsed,
                      media::VideoConfigFromAvcc(media::BuildAvcDecoderConfig(sps, pps)));
  return parsed.config;
}

base::Result<std::unique_ptr<VideoEncoder>> VideoEncoder::Open(const EncoderSettings& settings) {
  if (settings.width <= 0 || settings.height <= 0 || settings.width % 2 || settings.height % 2 ||
      !(settings.frame_rate > 0)) {
    return base::InvalidArgument(fmt::format("encoder: bad settings {}x{} @ {} fps", settings.width,
                                             settings.height, settings.frame_rate));
  }
  const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
  if (codec == nullptr) return av::Error(AVERROR_ENCODER_NOT_FOUND, "encoder: libx264");
  av::CodecContextPtr context(avcodec_alloc_context3(codec));
  if (!context) return av::Error(AVERROR(ENOMEM), "encoder: alloc");
  Configure(*context, settings);
  AVDictionary* options = nullptr;
  av_dict_set(&options, "preset", settings.preset.c_str(), 0);
  if (settings.low_latency) av_dict_set(&options, "tune", "zerolatency", 0);
  av_dict_set(&options, "forced-idr", "1", 0);
  av_dict_set(&options, "x264-params", X264Params(settings).c_str(), 0);
  if (settings.match) {
    const std::string_view profile = X264Profile(settings.match->profile_idc);
    if (!profile.empty()) av_dict_set(&options, "profile", std::string(profile).c_str(), 0);
    context->level = settings.match->level_idc;
  }
  const int ret = avcodec_open2(context.get(), codec, &options);
  av_dict_free(&options);
  if (ret < 0) {
    return av::Error(ret, fmt::format("encoder: open libx264 {}x{} preset {}", settings.width,
                                      settings.height, settings.preset));
  }
  SC_ASSIGN_OR_RETURN(
      media::VideoTrackConfig config,
      ConfigFromExtradata({context->extradata, static_cast<size_t>(context->extradata_size)},
                          settings.match, settings.low_latency));
  return std::unique_ptr<VideoEncoder>(
      new VideoEncoder(std::move(context), std::move(config), settings.anchor_offset));
}

base::Status VideoEncoder::Encode(AVFrame& frame, bool force_idr, int64_t anchor_dts,
                                  std::vector<media::AccessUnit>& out) {
  frame.pict_type = force_idr ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
  frame.key_frame = force_idr ? 1 : 0;
  if (force_idr) {
    anchors_[frame.pts] = anchor_dts;
    while (anchors_.size() > kMaxPendingAnchors) anchors_.erase(anchors_.begin());
  }
  if (int ret = avcodec_send_frame(context_.get(), &frame); ret < 0) {
    return av::Error(ret, "encoder: send");
  }
  return Receive(out);
}

base::Status VideoEncoder::Drain(std::vector<media::AccessUnit>& out) {
  if (int ret = avcodec_send_frame(context_.get(), nullptr); ret < 0 && ret != AVERROR_EOF) {
    return av::Error(ret, "encoder: drain");
  }
  return Receive(out);
}

base::Status VideoEncoder::Receive(std::vector<media::AccessUnit>& out) {
  if (!packet_) return av::Error(AVERROR(ENOMEM), "encoder: alloc");
  for (;;) {
    const int ret = avcodec_receive_packet(context_.get(), packet_.get());
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return base::Status::Ok();
    if (ret < 0) return av::Error(ret, "encoder: receive");
    const std::span<const uint8_t> bytes(packet_->data, static_cast<size_t>(packet_->size));
    media::AccessUnit unit;
    unit.kind = media::TrackKind::kVideo;
    unit.codec = media::Codec::kH264;
    unit.pts = packet_->pts;
    unit.dts = OutputDts(*packet_);
    unit.keyframe = (packet_->flags & AV_PKT_FLAG_KEY) != 0;
    unit.data = IsAnnexB(bytes) ? media::AnnexBToLengthPrefixed(bytes) : base::Buffer::Copy(bytes);
    av_packet_unref(packet_.get());
    out.push_back(std::move(unit));
  }
}

int64_t VideoEncoder::OutputDts(const AVPacket& packet) {
  int64_t dts = packet.dts == AV_NOPTS_VALUE ? packet.pts : packet.dts;
  if ((packet.flags & AV_PKT_FLAG_KEY) != 0) {
    if (auto it = anchors_.find(packet.pts); it != anchors_.end()) {
      if (!anchor_offset_) anchor_offset_ = it->second - dts;
      dts = it->second - *anchor_offset_;
      anchors_.erase(anchors_.begin(), std::next(it));
    }
  }
  if (last_dts_ && dts <= *last_dts_) dts = *last_dts_ + 1;
  if (dts > packet.pts) dts = packet.pts;
  last_dts_ = dts;
  return dts;
}

}  // namespace steadycast::transcode
