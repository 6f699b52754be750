#pragma once
// DashSource: builds the DASH MPD of one stream from window snapshots (the same CMAF segments
// HLS lists; no second copy). It keeps the little state an MPD needs to stay stable across
// updates (ISO/IEC 23009-1 §5.4: a dynamic MPD update keeps availabilityStartTime, Period@id
// and Period@start of every period it still lists):
// - availabilityStartTime: the wall time of the first segment the first MPD saw;
// - one Period per run of segments between discontinuities (a publisher that reconnected, a
//   new init segment): Period@start = that run's first PROGRAM-DATE-TIME − availabilityStartTime
//   (never earlier than the previous period's media end), presentationTimeOffset = the run's
//   first media time, so a timeline that fell behind the wall clock during an outage is
//   re-anchored at each reconnect instead of announcing segments before they exist.
//
// Thread-safe (internally locked): any HTTP worker may ask for the MPD.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "package/dash_manifest.h"
#include "package/playlist.h"
#include "package/segment_window.h"

namespace steadycast::package {

struct DashTrack {
  VariantStream variant;  // codecs, size, frame rate, measured bandwidth
  std::shared_ptr<const WindowSnapshot> snapshot;
  int channels = 0;  // audio
};

struct DashRequest {
  std::string base_url;        // e.g. "../hls/pb_xxx/"
  std::string query_suffix;    // "?token=..." for signed playback, else empty
  std::string utc_timing_uri;  // the server-time route
  int64_t now_ms = 0;          // publishTime
  int64_t target_ms = 2000;    // the packager's target segment duration
};

class DashSource {
 public:
  // `video` in the master's order (cheapest first); `audio` the separate audio rendition, or an
  // audio-only stream's rendition. Nullopt when there is nothing to list yet.
  std::optional<DashManifestModel> Build(const std::vector<DashTrack>& video,
                                         const std::optional<DashTrack>& audio,
                                         const DashRequest& request);

 private:
  struct PeriodAnchor {
    int64_t start_ms = 0;
    int64_t pto_video = 0;
    int64_t pto_audio = 0;
  };

  std::mutex mu_;
  std::optional<int64_t> availability_start_ms_;
  // By discontinuity sequence (the count of discontinuities before the run).
  std::map<uint64_t, PeriodAnchor> anchors_;
};

}  // namespace steadycast::package
