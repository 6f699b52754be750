#pragma once
// ViewRecord: what the server keeps about one view (one player session on one page), folded
// from its beacons' events. A plain value: the ViewerAggregator owns one per view and calls it
// under its lock. The rules make the result independent of how events were batched into
// beacons, and of the order beacons arrive in, for everything but the bitrate weighting:
//
// - totals (playing_ms, rebuffer_ms, rebuffer_count) are the largest cumulative value any
//   heartbeat/view_end reported: a late or repeated beacon never counts twice;
// - startup_ms is the one of the earliest first_frame; `last_first_frame_at_ms` the latest;
// - the view failed when its latest fatal error has no first_frame after it (a player that
//   recovered by reloading has not failed);
// - bitrate: each heartbeat/view_end attributes the playing time added since the largest
//   earlier total to the bitrate it reports (a beacon without bitrate_kbps attributes none).
//
// Duplicates: AcceptSeq() remembers the highest seq and a 64-wide window below it (like the
// anti-replay window of RFC 4303 §3.4.3): a seq seen before, or older than the window, is a
// duplicate.

#include <cstdint>
#include <optional>

#include "analytics/beacon_parser.h"

namespace steadycast::analytics {

struct ViewRecord {
  std::optional<int64_t> startup_ms;  // of the earliest first_frame
  std::optional<int64_t> first_frame_at_ms;
  std::optional<int64_t> last_first_frame_at_ms;
  std::optional<int64_t> last_fatal_at_ms;
  bool ended = false;  // a view_end arrived
  int64_t playing_ms = 0;
  int64_t rebuffer_ms = 0;
  int64_t rebuffer_count = 0;
  int64_t weighted_playing_ms = 0;  // playing time with a known bitrate
  int64_t kbps_ms = 0;              // Σ bitrate_kbps × that time (≤ 1e6 × 6.048e8: fits)

  // False when `seq` was seen before (or is older than the window); records it otherwise.
  bool AcceptSeq(int64_t seq);
  void Apply(const BeaconEvent& event);
  bool Failed() const;

 private:
  std::optional<int64_t> highest_seq_;
  uint64_t seq_window_ = 0;  // bit i: highest_seq_ - i was seen
};

}  // namespace steadycast::analytics
