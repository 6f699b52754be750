#include "analytics/viewer_aggregator.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace steadycast::analytics {

ViewerAggregator::ViewerAggregator(const base::Clock& clock, ViewerAggregatorOptions options)
    : clock_(clock), options_(options) {}

RecordOutcome ViewerAggregator::Record(const std::string& stream_id, const Beacon& beacon) {
  const Time now = clock_.Now();
  std::lock_guard lock(mu_);
  auto [stream, view] = ViewFor(stream_id, beacon.view_id, now);
  if (!view->record.AcceptSeq(beacon.seq)) return RecordOutcome::kDuplicate;
  // Heard now: to the front, which keeps every stream's list ordered by last_seen.
  view->last_seen = now;
  stream->views.splice(stream->views.begin(), stream->views, view);
  for (const BeaconEvent& event : beacon.events) view->record.Apply(event);
  return RecordOutcome::kAccepted;
}

ViewerAggregator::Stream& ViewerAggregator::StreamFor(const std::string& stream_id) {
  if (auto it = streams_.find(stream_id); it != streams_.end()) return it->second;
  if (streams_.size() >= std::max<size_t>(1, options_.max_streams)) {
    // Forget the stream heard from least recently (every stream kept has a view).
    auto oldest = std::min_element(streams_.begin(), streams_.end(), [](auto& a, auto& b) {
      return a.second.views.front().last_seen < b.second.views.front().last_seen;
    });
    views_ -= oldest->second.views.size();
    evicted_ += oldest->second.views.size();
    streams_.erase(oldest);
  }
  return streams_[stream_id];
}

std::pair<ViewerAggregator::Stream*, std::list<ViewerAggregator::View>::iterator>
ViewerAggregator::ViewFor(const std::string& stream_id, const std::string& view_id, Time now) {
  if (auto it = streams_.find(stream_id); it != streams_.end()) {
    ExpireStream(it->second, now);
    if (auto v = it->second.by_id.find(view_id); v != it->second.by_id.end()) {
      return {&it->second, v->second};
    }
    if (it->second.views.empty()) streams_.erase(it);
  }
  if (views_ >= std::max<size_t>(1, options_.max_views)) EvictOldestView();
  Stream& stream = StreamFor(stream_id);
  if (stream.views.size() >= std::max<size_t>(1, options_.max_views_per_stream)) {
    PopOldest(stream);
    ++evicted_;
  }
  stream.views.push_front(View{view_id, now, {}});
  stream.by_id[view_id] = stream.views.begin();
  ++views_;
  return {&stream, stream.views.begin()};
}

void ViewerAggregator::PopOldest(Stream& stream) {
  stream.by_id.erase(stream.views.back().id);
  stream.views.pop_back();
  --views_;
}

void ViewerAggregator::EvictOldestView() {
  auto oldest = streams_.end();
  for (auto it = streams_.begin(); it != streams_.end(); ++it) {
    if (it->second.views.empty()) continue;
    if (oldest == streams_.end() ||
        it->second.views.back().last_seen < oldest->second.views.back().last_seen) {
      oldest = it;
    }
  }
  if (oldest == streams_.end()) return;
  PopOldest(oldest->second);
  ++evicted_;
  if (oldest->second.views.empty()) streams_.erase(oldest);
}

void ViewerAggregator::ExpireStream(Stream& stream, Time now) {
  while (!stream.views.empty() && now - stream.views.back().last_seen > options_.recent_window) {
    PopOldest(stream);
  }
}

void ViewerAggregator::Expire() {
  const Time now = clock_.Now();
  std::lock_guard lock(mu_);
  for (auto it = streams_.begin(); it != streams_.end();) {
    ExpireStream(it->second, now);
    it = it->second.views.empty() ? streams_.erase(it) : std::next(it);
  }
}

int64_t NearestRank(const std::vector<int64_t>& sorted, int percent) {
  const size_t n = sorted.size();
  const size_t rank = (static_cast<size_t>(percent) * n + 99) / 100;  // ⌈percent·n/100⌉, exact
  return sorted[std::clamp<size_t>(rank, 1, n) - 1];
}

health::ViewerFigures ViewerAggregator::Compute(const Stream& stream, Time now,
                                                size_t* views) const {
  health::ViewerFigures figures;
  std::vector<int64_t> startups;
  int64_t playing = 0;
  int64_t rebuffering = 0;
  int64_t failed = 0;
  int64_t weighted_ms = 0;
  double kbps_ms = 0;  // 20 000 views × 6·10^14 would overflow int64; exact below 2^53
  *views = 0;
  for (const View& view : stream.views) {  // most recently heard first
    if (now - view.last_seen > options_.recent_window) break;
    const ViewRecord& r = view.record;
    ++*views;
    if (!r.ended && now - view.last_seen <= options_.current_window) ++figures.current;
    if (r.startup_ms) startups.push_back(*r.startup_ms);
    playing += r.playing_ms;
    rebuffering += r.rebuffer_ms;
    failed += r.Failed() ? 1 : 0;
    weighted_ms += r.weighted_playing_ms;
    kbps_ms += static_cast<double>(r.kbps_ms);
  }
  if (!startups.empty()) {
    std::sort(startups.begin(), startups.end());
    figures.startup_ms_p50 = static_cast<double>(NearestRank(startups, 50));
    figures.startup_ms_p95 = static_cast<double>(NearestRank(startups, 95));
  }
  if (playing + rebuffering > 0) {
    figures.rebuffer_ratio =
        static_cast<double>(rebuffering) / static_cast<double>(playing + rebuffering);
  }
  if (*views > 0) {
    figures.playback_failure_ratio = static_cast<double>(failed) / static_cast<double>(*views);
  }
  if (weighted_ms > 0) {
    figures.average_kbps = kbps_ms / static_cast<double>(weighted_ms);
  }
  return figures;
}

std::optional<health::ViewerFigures> ViewerAggregator::Figures(const std::string& stream_id) const {
  const Time now = clock_.Now();
  std::lock_guard lock(mu_);
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) return std::nullopt;
  size_t views = 0;
  health::ViewerFigures figures = Compute(it->second, now, &views);
  if (views == 0) return std::nullopt;
  return figures;
}

std::map<std::string, health::ViewerFigures> ViewerAggregator::AllFigures() const {
  const Time now = clock_.Now();
  std::lock_guard lock(mu_);
  std::map<std::string, health::ViewerFigures> out;
  for (const auto& [id, stream] : streams_) {
    size_t views = 0;
    health::ViewerFigures figures = Compute(stream, now, &views);
    if (views > 0) out.emplace(id, figures);
  }
  return out;
}

AggregatorStats ViewerAggregator::Stats() const {
  std::lock_guard lock(mu_);
  return {streams_.size(), views_, evicted_};
}

}  // namespace steadycast::analytics
