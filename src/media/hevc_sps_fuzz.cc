// Fuzzes the H.265 SPS parser: any bytes, a result or an error, sizes within the limits.
#include <cstddef>
#include <cstdint>
#include <span>

#include "media/hevc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto info = steadycast::media::ParseH265Sps(std::span<const uint8_t>(data, size));
  if (info.ok() && (info->width <= 0 || info->height <= 0 || info->width > info->coded_width ||
                    info->height > info->coded_height)) {
    __builtin_trap();
  }
  return 0;
}
