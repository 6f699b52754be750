// Fuzzes the beacon parser and what accepted beacons feed: the aggregator's figures must stay
// within their ranges whatever the beacons say.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "analytics/beacon_parser.h"
#include "analytics/viewer_aggregator.h"
#include "base/clock.h"

namespace {

using namespace steadycast::analytics;  // NOLINT: a fuzz harness

bool InRatio(double r) { return r >= 0 && r <= 1; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const BeaconParser parser;
  static steadycast::base::FakeClock clock;
  static ViewerAggregator aggregator(
      clock, {.max_streams = 4, .max_views_per_stream = 64, .max_views = 128});
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const BeaconParseResult result = parser.Parse(in);
  if (result.ok() != result.beacon.has_value()) std::abort();
  if (result.failure == BeaconParseResult::Failure::kInvalidFields && result.errors.empty()) {
    std::abort();
  }
  if (!result.ok()) return 0;
  const Beacon& beacon = *result.beacon;
  if (beacon.events.size() > parser.limits().max_events) std::abort();
  if (!IsValidPlaybackId(beacon.playback_id)) std::abort();
  clock.Advance(std::chrono::seconds(1));
  aggregator.Record(beacon.playback_id.substr(0, 2), beacon);
  const auto figures = aggregator.Figures(beacon.playback_id.substr(0, 2));
  if (!figures) std::abort();  // just recorded
  if (!InRatio(figures->rebuffer_ratio) || !InRatio(figures->playback_failure_ratio)) {
    std::abort();
  }
  if (figures->startup_ms_p50.has_value() != figures->startup_ms_p95.has_value()) std::abort();
  if (figures->startup_ms_p50 && *figures->startup_ms_p50 > *figures->startup_ms_p95) {
    std::abort();
  }
  const double max_kbps = static_cast<double>(parser.limits().max_bitrate_kbps) * (1 + 1e-9);
  if (figures->average_kbps < 0 || figures->average_kbps > max_kbps) {
    std::abort();
  }
  return 0;
}
