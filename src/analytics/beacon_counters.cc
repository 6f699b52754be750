#include "analytics/beacon_counters.h"

namespace steadycast::analytics {

std::string_view BeaconOutcomeName(BeaconOutcome outcome) {
  switch (outcome) {
    case BeaconOutcome::kAccepted:
      return "accepted";
    case BeaconOutcome::kDuplicate:
      return "duplicate";
    case BeaconOutcome::kInvalid:
      return "invalid";
    case BeaconOutcome::kTooLarge:
      return "too_large";
    case BeaconOutcome::kUnknownPlaybackId:
      return "unknown_playback_id";
    case BeaconOutcome::kForbidden:
      return "forbidden";
    case BeaconOutcome::kRateLimited:
      return "rate_limited";
  }
  return "unknown";
}

}  // namespace steadycast::analytics
