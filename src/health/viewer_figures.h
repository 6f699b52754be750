#pragma once
// ViewerFigures: what the viewers of one stream experience, aggregated from player beacons
// (analytics/). One value type shared by the health JSON, the one-second health history and
// /metrics, so all three always report the same figures. Definitions: analytics/README.md.

#include <cstdint>
#include <optional>

namespace steadycast::health {

struct ViewerFigures {
  int64_t current = 0;                   // views watching now (recent beacon, not ended)
  std::optional<double> startup_ms_p50;  // nullopt: no view reached its first frame yet
  std::optional<double> startup_ms_p95;
  double rebuffer_ratio = 0;          // rebuffering time / (playing + rebuffering time)
  double playback_failure_ratio = 0;  // views ended by a fatal error / views
  double average_kbps = 0;            // time-weighted bitrate of what the viewers play
};

}  // namespace steadycast::health
