#include "transcode/av_util.h"

#include <cstdarg>
#include <mutex>
#include <string_view>

#include <fmt/format.h>

extern "C" {
#include <libavutil/error.h>
#include <libavutil/log.h>
}

#include "base/log.h"

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

namespace {

void LogBridge(void* avcl, int level, const char* format, va_list args) {
  if (level > av_log_get_level()) return;
  char line[512];
  int print_prefix = 1;
  av_log_format_line2(avcl, level, format, args, line, sizeof(line), &print_prefix);
  std::string_view text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  if (!text.empty()) SC_LOG_DEBUG("ffmpeg: {}", text);
}

}  // namespace

void InstallLogBridge() {
  static std::once_flag once;
  std::call_once(once, [] {
    av_log_set_level(AV_LOG_ERROR);
    av_log_set_callback(LogBridge);
  });
}

FramePtr CloneFrame(const AVFrame& frame) { return FramePtr(av_frame_clone(&frame)); }

}  // namespace steadycast::transcode::av
