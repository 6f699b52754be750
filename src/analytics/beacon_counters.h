#pragma once
// BeaconCounters: how every POST /v1/playback/beacons ended, for /metrics
// (steadycast_beacons_total{outcome=...}), plus what accepted beacons carried that this
// server does not know (ignored, forward compatibility). Lock-free counters: the beacon route
// increments them on HTTP threads, /metrics reads them. Owned by app/, borrowed by the route.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace steadycast::analytics {

enum class BeaconOutcome {
  kAccepted,
  kDuplicate,
  kInvalid,
  kTooLarge,
  kUnknownPlaybackId,
  kForbidden,
  kRateLimited,
};

inline constexpr size_t kBeaconOutcomeCount = 7;

// The label value: "accepted", "duplicate", "invalid", "too_large", "unknown_playback_id",
// "forbidden", "rate_limited".
std::string_view BeaconOutcomeName(BeaconOutcome outcome);

class BeaconCounters {
 public:
  void Count(BeaconOutcome outcome) {
    outcomes_[static_cast<size_t>(outcome)].fetch_add(1, std::memory_order_relaxed);
  }
  void CountIgnored(int64_t keys, int64_t events) {
    ignored_keys_.fetch_add(static_cast<uint64_t>(keys), std::memory_order_relaxed);
    ignored_events_.fetch_add(static_cast<uint64_t>(events), std::memory_order_relaxed);
  }
  uint64_t Get(BeaconOutcome outcome) const {
    return outcomes_[static_cast<size_t>(outcome)].load(std::memory_order_relaxed);
  }
  uint64_t ignored_keys() const { return ignored_keys_.load(std::memory_order_relaxed); }
  uint64_t ignored_events() const { return ignored_events_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<uint64_t>, kBeaconOutcomeCount> outcomes_{};
  std::atomic<uint64_t> ignored_keys_{0};
  std::atomic<uint64_t> ignored_events_{0};
};

}  // namespace steadycast::analytics
