#include "transcode/av_util.h"

#include <fmt/format.h>

extern "C" {
#include <libavutil/error.h>
}

namespace steadycast::transcode::av {

base::Status Error(int averror, std::string_view what) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(averror, text, sizeof(text));
  base::ErrorCode code = base::ErrorCode::kInternal;
  if (averror == AVERROR(ENOMEM)) code = base::ErrorCode::kResourceExhausted;
  if (averror == AVERROR_INVALIDDATA) code = base::ErrorCode::kInvalidArgument;
  if (averror == AVERROR(EINVAL)) code = base::ErrorCode::kInvalidArgument;
  if (averror == AVERROR_ENCODER_NOT_FOUND || averror == AVERROR_DECODER_NOT_FOUND) {
    code = base::ErrorCode::kUnimplemented;
  }
  return base::Status(code, fmt::format("{}: {} ({})", what, text, averror));
}

FramePtr CloneFrame(const AVFrame& frame) { return FramePtr(av_frame_clone(&frame)); }

}  // namespace steadycast::transcode::av
