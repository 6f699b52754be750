#pragma once
// Small RAII and error helpers over the FFmpeg C API (libavcodec/libavutil/libswscale 5.1),
// private to transcode/. FFmpeg return codes become base::Status with the av_strerror text.

#include <memory>
#include <string_view>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libswscale/swscale.h>
}

#include "base/status.h"

namespace steadycast::transcode::av {

struct FrameDeleter {
  void operator()(AVFrame* frame) const { av_frame_free(&frame); }
};
struct PacketDeleter {
  void operator()(AVPacket* packet) const { av_packet_free(&packet); }
};
struct CodecContextDeleter {
  void operator()(AVCodecContext* context) const { avcodec_free_context(&context); }
};
struct SwsDeleter {
  void operator()(SwsContext* context) const { sws_freeContext(context); }
};

using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;
using SwsPtr = std::unique_ptr<SwsContext, SwsDeleter>;

// "what: <av_strerror text> (code)" with an ErrorCode chosen from the AVERROR value.
base::Status Error(int averror, std::string_view what);

// Routes FFmpeg's log (process-wide: transcode/ is the only user of the FFmpeg libraries) into
// spdlog at debug level, and lowers FFmpeg's own level to errors, so that corrupt input and
// x264's statistics never reach stderr. The transcoder counts and logs errors itself, rate
// limited. Idempotent and thread-safe.
void InstallLogBridge();

// A new reference to `frame`'s buffers (av_frame_clone); null only when out of memory.
FramePtr CloneFrame(const AVFrame& frame);

}  // namespace steadycast::transcode::av
