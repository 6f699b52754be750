#pragma once
// ViewerAggregator: the views of every stream, kept from their beacons (ViewRecord), and the
// viewers' experience of each stream computed from them (health::ViewerFigures; exact
// definitions in analytics/README.md):
//
//   current                 views with a beacon in the last `current_window` (30 s) and no
//                           view_end
//   recent views            views with a beacon in the last `recent_window` (10 min), ended
//                           or not: what the other figures are computed over
//   startup_ms_p50 / _p95   nearest-rank percentiles of the startup_ms of the recent views
//                           that reached a first frame (rank ⌈p·N⌉ of N sorted values)
//   rebuffer_ratio          Σ rebuffer_ms / Σ (playing_ms + rebuffer_ms) over recent views
//   playback_failure_ratio  recent views that failed (ViewRecord::Failed) / recent views
//   average_kbps            Σ bitrate × playing time / Σ playing time (ViewRecord weighting)
//
// Bounded memory: views not heard from for `recent_window` are forgotten (lazily on Record for
// their stream, and for every stream in Expire(), which the server calls once a second); at
// most `max_views_per_stream` views per stream, `max_views` in all and `max_streams` streams —
// when a new view or stream would pass a bound, the least recently heard view (or stream) is
// forgotten first, and counted.
//
// Threading: thread-safe; one mutex. Record() runs on HTTP threads (the beacon route), the
// figures are read by the health route, /metrics and the 1 Hz experience timer. Time comes from
// the injected clock's monotonic Now(); the clock must outlive the aggregator.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "analytics/beacon_parser.h"
#include "analytics/view_record.h"
#include "base/clock.h"
#include "health/viewer_figures.h"

namespace steadycast::analytics {

struct ViewerAggregatorOptions {
  std::chrono::milliseconds current_window{30'000};
  std::chrono::milliseconds recent_window{600'000};
  size_t max_streams = 1000;
  size_t max_views_per_stream = 20'000;
  size_t max_views = 100'000;
};

enum class RecordOutcome { kAccepted, kDuplicate };

struct AggregatorStats {
  size_t streams = 0;
  size_t views = 0;
  uint64_t views_evicted = 0;  // forgotten early because a bound was reached
};

class ViewerAggregator {
 public:
  explicit ViewerAggregator(const base::Clock& clock, ViewerAggregatorOptions options = {});
  ViewerAggregator(const ViewerAggregator&) = delete;
  ViewerAggregator& operator=(const ViewerAggregator&) = delete;

  // Folds a parsed beacon into the view (stream_id, beacon.view_id). A seq seen before for that
  // view is a duplicate and changes nothing.
  RecordOutcome Record(const std::string& stream_id, const Beacon& beacon);

  // The stream's figures now; nullopt when it has no recent view.
  std::optional<health::ViewerFigures> Figures(const std::string& stream_id) const;
  // Every stream with a recent view.
  std::map<std::string, health::ViewerFigures> AllFigures() const;

  // Forgets views older than the recent window (and streams left without views).
  void Expire();

  AggregatorStats Stats() const;
  const ViewerAggregatorOptions& options() const { return options_; }

 private:
  using Time = base::Clock::MonotonicTime;
  struct View {
    std::string id;
    Time last_seen;
    ViewRecord record;
  };
  // Views most recently heard first, and an index by view id.
  struct Stream {
    std::list<View> views;
    std::unordered_map<std::string, std::list<View>::iterator> by_id;
  };

  // The view to fold a new beacon into, created (within the bounds, heard `now`) if needed.
  std::pair<Stream*, std::list<View>::iterator> ViewFor(const std::string& stream_id,
                                                        const std::string& view_id, Time now);
  Stream& StreamFor(const std::string& stream_id);
  void ExpireStream(Stream& stream, Time now);
  // Forgets the least recently heard view of all (max_views reached).
  void EvictOldestView();
  void PopOldest(Stream& stream);
  health::ViewerFigures Compute(const Stream& stream, Time now, size_t* views) const;

  const base::Clock& clock_;
  const ViewerAggregatorOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, Stream> streams_;  // guarded by mu_
  size_t views_ = 0;                       // guarded by mu_
  uint64_t evicted_ = 0;                   // guarded by mu_
};

// Nearest-rank percentile (rank ⌈percent·N/100⌉) of `sorted` (ascending, not empty).
int64_t NearestRank(const std::vector<int64_t>& sorted, int percent);

}  // namespace steadycast::analytics
