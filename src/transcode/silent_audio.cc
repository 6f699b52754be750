#include "transcode/silent_audio.h"

#include <fmt/format.h>

extern "C" {
#include <libavutil/channel_layout.h>
}

#include "transcode/av_util.h"

namespace steadycast::transcode {
namespace {

// The encoder's first packets carry its start-up (priming) state; by the third frame of
// zeros the output is the steady silent frame that can be repeated.
constexpr int kFramesToSettle = 4;

}  // namespace

base::Result<base::Buffer> SilentAacFrame(const media::AudioTrackConfig& config) {
  if (config.codec != media::Codec::kAac || config.object_type != 2) {
    return base::Unimplemented(
        fmt::format("silence: only AAC-LC (object type 2), not {}", config.object_type));
  }
  if (config.channels < 1 || config.channels > 8 || config.channels == 7 ||
      config.samples_per_frame != 1024 || config.sample_rate < 7350 || config.sample_rate > 96000) {
    return base::Unimplemented(fmt::format("silence: {} channels at {} Hz, {} samples per frame",
                                           config.channels, config.sample_rate,
                                           config.samples_per_frame));
  }
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_AAC);
  if (codec == nullptr) return base::Unimplemented("silence: libavcodec has no AAC encoder");
  av::CodecContextPtr context(avcodec_alloc_context3(codec));
  if (!context) return base::ResourceExhausted("silence: out of memory");
  context->sample_fmt = AV_SAMPLE_FMT_FLTP;
  context->sample_rate = config.sample_rate;
  av_channel_layout_default(&context->ch_layout, config.channels);
  context->bit_rate = 32'000 * config.channels;
  context->profile = FF_PROFILE_AAC_LOW;
  if (int rc = avcodec_open2(context.get(), codec, nullptr); rc < 0) {
    return av::Error(rc, "silence: open AAC encoder");
  }
  av::FramePtr frame(av_frame_alloc());
  av::PacketPtr packet(av_packet_alloc());
  if (!frame || !packet) return base::ResourceExhausted("silence: out of memory");
  frame->format = AV_SAMPLE_FMT_FLTP;
  frame->sample_rate = config.sample_rate;
  frame->nb_samples = context->frame_size;
  if (int rc = av_channel_layout_copy(&frame->ch_layout, &context->ch_layout); rc < 0) {
    return av::Error(rc, "silence: layout");
  }
  if (int rc = av_frame_get_buffer(frame.get(), 0); rc < 0) return av::Error(rc, "silence");
  base::Buffer last;
  for (int i = 0; i < kFramesToSettle + 4 && i < 64; ++i) {
    if (int rc = av_samples_set_silence(frame->data, 0, frame->nb_samples, config.channels,
                                        AV_SAMPLE_FMT_FLTP);
        rc < 0) {
      return av::Error(rc, "silence: fill");
    }
    frame->pts = int64_t{i} * frame->nb_samples;
    if (int rc = avcodec_send_frame(context.get(), frame.get()); rc < 0) {
      return av::Error(rc, "silence: encode");
    }
    int packets = 0;
    while (avcodec_receive_packet(context.get(), packet.get()) == 0) {
      last = base::Buffer::Copy({packet->data, static_cast<size_t>(packet->size)});
      av_packet_unref(packet.get());
      ++packets;
    }
    if (i >= kFramesToSettle && packets > 0) return last;
  }
  return base::Internal("silence: the AAC encoder produced no frame");
}

}  // namespace steadycast::transcode
