#pragma once
// Scaler: converts decoded pictures to one rendition's size in 8-bit 4:2:0 (what the H.264
// High profile encoder takes) with libswscale. A picture that already has that size and format
// is passed on by reference, not copied. The swscale context is rebuilt when the input size or
// format changes (a new source configuration). Output buffers are pooled.
//
// Owned by one rendition worker; not thread-safe.

#include "base/status.h"
#include "transcode/av_util.h"

namespace steadycast::transcode {

class Scaler {
 public:
  // `sws_flags`: SWS_BICUBIC (FFmpeg's scale filter default) or a faster SWS_BILINEAR.
  Scaler(int width, int height, int sws_flags)
      : width_(width), height_(height), flags_(sws_flags) {}
  ~Scaler();
  Scaler(const Scaler&) = delete;
  Scaler& operator=(const Scaler&) = delete;

  // A frame of the output size whose pts and side properties are those of `in`.
  base::Result<av::FramePtr> Scale(const AVFrame& in);

 private:
  int width_;
  int height_;
  int flags_;
  av::SwsPtr context_;
  int in_width_ = 0;
  int in_height_ = 0;
  int in_format_ = -1;
  // Output pictures come from per-plane buffer pools (as libavfilter's frame pool does), not a
  // fresh allocation per picture. A pool lives until its last picture is released.
  AVBufferPool* pools_[3] = {nullptr, nullptr, nullptr};
  int linesizes_[3] = {0, 0, 0};
  base::Result<av::FramePtr> NewPicture();
};

}  // namespace steadycast::transcode
