#include "transcode/video_decoder.h"

#include <cstring>
#include <vector>

#include "media/avc.h"

namespace steadycast::transcode {
namespace {

// Length-prefixed → Annex B (4-byte start codes). Fails on a length past the end.
base::Status ToAnnexB(std::span<const uint8_t> sample, std::vector<uint8_t>& out) {
  out.clear();
  out.reserve(sample.size() + 16);
  return media::ForEachNal(sample, [&out](std::span<const uint8_t> nal) {
    static constexpr uint8_t kStartCode[] = {0, 0, 0, 1};
    out.insert(out.end(), std::begin(kStartCode), std::end(kStartCode));
    out.insert(out.end(), nal.begin(), nal.end());
  });
}

}  // namespace

base::Result<std::unique_ptr<VideoDecoder>> VideoDecoder::Open(
    const media::VideoTrackConfig& config, int threads) {
  const AVCodecID id = config.codec == media::Codec::kH265 ? AV_CODEC_ID_HEVC : AV_CODEC_ID_H264;
  if (config.codec != media::Codec::kH264 && config.codec != media::Codec::kH265) {
    return base::Unimplemented("decoder: source video codec is not H.264 or H.265");
  }
  const AVCodec* codec = avcodec_find_decoder(id);
  if (codec == nullptr) return av::Error(AVERROR_DECODER_NOT_FOUND, "decoder: find");
  av::CodecContextPtr context(avcodec_alloc_context3(codec));
  if (!context) return av::Error(AVERROR(ENOMEM), "decoder: alloc");
  // H.264 with an avcC record: the decoder reads SPS/PPS and the NAL length size from it.
  const bool annex_b = config.avcc.empty();
  if (!annex_b) {
    const size_t size = config.avcc.size();
    context->extradata = static_cast<uint8_t*>(av_mallocz(size + AV_INPUT_BUFFER_PADDING_SIZE));
    if (context->extradata == nullptr) return av::Error(AVERROR(ENOMEM), "decoder: extradata");
    std::memcpy(context->extradata, config.avcc.data(), size);
    context->extradata_size = static_cast<int>(size);
  }
  context->thread_count = threads < 1 ? 1 : threads;
  context->thread_type = FF_THREAD_SLICE;  // frame threads would add a frame of delay each
  context->pkt_timebase = AVRational{1, static_cast<int>(media::kTimescale)};
  if (int ret = avcodec_open2(context.get(), codec, nullptr); ret < 0) {
    return av::Error(ret, "decoder: open");
  }
  return std::unique_ptr<VideoDecoder>(new VideoDecoder(std::move(context), annex_b));
}

base::Status VideoDecoder::Decode(const media::AccessUnit& unit, const FrameCallback& on_frame) {
  if (!frame_ || !packet_) return av::Error(AVERROR(ENOMEM), "decoder: alloc");
  // libavcodec may read up to AV_INPUT_BUFFER_PADDING_SIZE bytes past the data, so the sample
  // is copied into a padded scratch buffer (Buffer storage has no padding).
  if (annex_b_) {
    SC_RETURN_IF_ERROR(ToAnnexB(unit.data.span(), scratch_).WithContext("decoder"));
  } else {
    scratch_.assign(unit.data.data(), unit.data.data() + unit.data.size());
  }
  if (scratch_.empty()) return base::Status::Ok();
  const size_t size = scratch_.size();
  scratch_.resize(size + AV_INPUT_BUFFER_PADDING_SIZE, 0);
  av_packet_unref(packet_.get());
  packet_->data = scratch_.data();
  packet_->size = static_cast<int>(size);
  packet_->pts = unit.pts;
  packet_->dts = unit.dts;
  if (unit.keyframe) packet_->flags |= AV_PKT_FLAG_KEY;
  const int ret = avcodec_send_packet(context_.get(), packet_.get());
  packet_->data = nullptr;
  packet_->size = 0;
  // EAGAIN cannot happen: every frame is received right after each packet.
  base::Status sent = ret < 0 ? av::Error(ret, "decoder: send") : base::Status::Ok();
  base::Status received = Receive(on_frame);
  return sent.ok() ? received : sent;
}

base::Status VideoDecoder::Drain(const FrameCallback& on_frame) {
  if (int ret = avcodec_send_packet(context_.get(), nullptr); ret < 0 && ret != AVERROR_EOF) {
    return av::Error(ret, "decoder: drain");
  }
  base::Status status = Receive(on_frame);
  avcodec_flush_buffers(context_.get());
  return status;
}

base::Status VideoDecoder::Receive(const FrameCallback& on_frame) {
  for (;;) {
    const int ret = avcodec_receive_frame(context_.get(), frame_.get());
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return base::Status::Ok();
    if (ret < 0) return av::Error(ret, "decoder: receive");
    if (frame_->pts == AV_NOPTS_VALUE) frame_->pts = frame_->best_effort_timestamp;
    if (frame_->pts != AV_NOPTS_VALUE) on_frame(*frame_);
    av_frame_unref(frame_.get());
  }
}

}  // namespace steadycast::transcode
