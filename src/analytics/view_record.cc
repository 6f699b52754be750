#include "analytics/view_record.h"

#include <algorithm>

namespace steadycast::analytics {
namespace {

constexpr int64_t kSeqWindow = 64;

std::optional<int64_t> Max(std::optional<int64_t> a, int64_t b) { return a ? std::max(*a, b) : b; }

}  // namespace

bool ViewRecord::AcceptSeq(int64_t seq) {
  if (!highest_seq_ || seq > *highest_seq_) {
    const int64_t shift = highest_seq_ ? seq - *highest_seq_ : kSeqWindow;
    seq_window_ = shift >= kSeqWindow ? 0 : seq_window_ << shift;
    seq_window_ |= 1;
    highest_seq_ = seq;
    return true;
  }
  const int64_t behind = *highest_seq_ - seq;
  if (behind >= kSeqWindow) return false;
  const uint64_t bit = uint64_t{1} << behind;
  if ((seq_window_ & bit) != 0) return false;
  seq_window_ |= bit;
  return true;
}

void ViewRecord::Apply(const BeaconEvent& event) {
  switch (event.type) {
    case BeaconEventType::kFirstFrame:
      if (!first_frame_at_ms || event.at_ms < *first_frame_at_ms) {
        first_frame_at_ms = event.at_ms;
        startup_ms = event.startup_ms;
      }
      last_first_frame_at_ms = Max(last_first_frame_at_ms, event.at_ms);
      break;
    case BeaconEventType::kError:
      if (event.fatal) last_fatal_at_ms = Max(last_fatal_at_ms, event.at_ms);
      break;
    case BeaconEventType::kViewEnd:
      ended = true;
      [[fallthrough]];
    case BeaconEventType::kHeartbeat: {
      const int64_t added = event.playing_ms - playing_ms;
      if (added > 0 && event.bitrate_kbps) {
        weighted_playing_ms += added;
        kbps_ms += *event.bitrate_kbps * added;
      }
      playing_ms = std::max(playing_ms, event.playing_ms);
      rebuffer_ms = std::max(rebuffer_ms, event.rebuffer_ms);
      rebuffer_count = std::max(rebuffer_count, event.rebuffer_count);
      break;
    }
    case BeaconEventType::kViewStart:
    case BeaconEventType::kRebufferStart:
    case BeaconEventType::kRebufferEnd:
    case BeaconEventType::kRenditionSwitch:
      // Validated and accepted; the figures come from the cumulative totals above, which do
      // not depend on every intermediate event arriving.
      break;
  }
}

bool ViewRecord::Failed() const {
  if (!last_fatal_at_ms) return false;
  return !last_first_frame_at_ms || *last_first_frame_at_ms <= *last_fatal_at_ms;
}

}  // namespace steadycast::analytics
