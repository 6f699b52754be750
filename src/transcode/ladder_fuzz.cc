// Fuzzes the ladder setting parser and the planner: any accepted setting plans against a few
// sources without failing, and every planned rung has even, non-zero dimensions.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "transcode/ladder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace steadycast;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto setting = transcode::ParseLadderSetting(text);
  if (!setting.ok()) return 0;
  media::VideoTrackConfig source;
  for (auto [w, h] : {std::pair{1280, 720}, std::pair{1080, 1920}, std::pair{176, 144}}) {
    source.width = w;
    source.height = h;
    source.frame_rate = 60.0;
    auto plan = transcode::PlanLadder(*setting, source, {});
    if (!plan.ok() || plan->renditions.empty()) __builtin_trap();
    for (const auto& r : plan->renditions) {
      if (!r.passthrough && (r.width <= 0 || r.height <= 0 || r.width % 2 || r.height % 2)) {
        __builtin_trap();
      }
    }
  }
  return 0;
}
