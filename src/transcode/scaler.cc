#include "transcode/scaler.h"

#include <fmt/format.h>

extern "C" {
#include <libavutil/buffer.h>
}

namespace steadycast::transcode {
namespace {

constexpr int kLineAlign = 64;

int Align(int n) { return (n + kLineAlign - 1) / kLineAlign * kLineAlign; }

}  // namespace

Scaler::~Scaler() {
  for (AVBufferPool*& pool : pools_) av_buffer_pool_uninit(&pool);
}

base::Result<av::FramePtr> Scaler::NewPicture() {
  const int heights[3] = {height_, (height_ + 1) / 2, (height_ + 1) / 2};
  if (pools_[0] == nullptr) {
    linesizes_[0] = Align(width_);
    linesizes_[1] = linesizes_[2] = Align((width_ + 1) / 2);
    for (int i = 0; i < 3; ++i) {
      // Padding as av_frame_get_buffer leaves it: SIMD readers may run past the last line.
      pools_[i] = av_buffer_pool_init(
          static_cast<size_t>(linesizes_[i]) * (heights[i] + 1) + AV_INPUT_BUFFER_PADDING_SIZE,
          nullptr);
      if (pools_[i] == nullptr) return av::Error(AVERROR(ENOMEM), "scaler: pool");
    }
  }
  av::FramePtr out(av_frame_alloc());
  if (!out) return av::Error(AVERROR(ENOMEM), "scaler: alloc");
  out->width = width_;
  out->height = height_;
  out->format = AV_PIX_FMT_YUV420P;
  for (int i = 0; i < 3; ++i) {
    out->buf[i] = av_buffer_pool_get(pools_[i]);
    if (out->buf[i] == nullptr) return av::Error(AVERROR(ENOMEM), "scaler: pool buffer");
    out->data[i] = out->buf[i]->data;
    out->linesize[i] = linesizes_[i];
  }
  return out;
}

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
  SC_ASSIGN_OR_RETURN(av::FramePtr out, NewPicture());
  if (int ret = av_frame_copy_props(out.get(), &in); ret < 0)
    return av::Error(ret, "scaler: props");
  const int rows =
      sws_scale(context_.get(), in.data, in.linesize, 0, in.height, out->data, out->linesize);
  if (rows <= 0) return av::Error(rows < 0 ? rows : AVERROR(EINVAL), "scaler: scale");
  out->sample_aspect_ratio = AVRational{1, 1};
  return out;
}

}  // namespace steadycast::transcode
