#include "transcode/scaler.h"

#include <fmt/format.h>

namespace steadycast::transcode {

base::Result<av::FramePtr> Scaler::Scale(const AVFrame& in) {
  if (in.width == width_ && in.height == height_ && in.format == AV_PIX_FMT_YUV420P) {
    av::FramePtr same = av::CloneFrame(in);
    if (!same) return av::Error(AVERROR(ENOMEM), "scaler: ref");
    return same;
  }
  if (!context_ || in.width != in_width_ || in.height != in_height_ || in.format != in_format_) {
    context_.reset(sws_getContext(in.width, in.height, static_cast<AVPixelFormat>(in.format),
                                  width_, height_, AV_PIX_FMT_YUV420P, flags_, nullptr, nullptr,
                                  nullptr));
    if (!context_) {
      return base::InvalidArgument(fmt::format("scaler: cannot convert {}x{} format {} to {}x{}",
                                               in.width, in.height, in.format, width_, height_));
    }
    in_width_ = in.width;
    in_height_ = in.height;
    in_format_ = in.format;
  }
  av::FramePtr out(av_frame_alloc());
  if (!out) return av::Error(AVERROR(ENOMEM), "scaler: alloc");
  out->width = width_;
  out->height = height_;
  out->format = AV_PIX_FMT_YUV420P;
  if (int ret = av_frame_get_buffer(out.get(), 0); ret < 0) return av::Error(ret, "scaler: buffer");
  if (int ret = av_frame_copy_props(out.get(), &in); ret < 0)
    return av::Error(ret, "scaler: props");
  const int rows =
      sws_scale(context_.get(), in.data, in.linesize, 0, in.height, out->data, out->linesize);
  if (rows <= 0) return av::Error(rows < 0 ? rows : AVERROR(EINVAL), "scaler: scale");
  out->sample_aspect_ratio = AVRational{1, 1};
  return out;
}

}  // namespace steadycast::transcode
