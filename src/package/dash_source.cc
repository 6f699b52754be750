#include "package/dash_source.h"

#include <algorithm>

#include "formats/fmp4/media_segment.h"

namespace steadycast::package {
namespace {

// Milliseconds of `ticks` in `timescale` (rounded down: a period never starts late).
int64_t TicksToMs(int64_t ticks, uint32_t timescale) {
  return timescale == 0 ? 0 : formats::fmp4::RescaleTime(ticks, timescale, 1000);
}

// The discontinuity sequence of every retained segment of a snapshot (the count of
// discontinuities up to and including it).
std::vector<uint64_t> DiscontinuitySequences(const WindowSnapshot& snapshot) {
  std::vector<uint64_t> out;
  out.reserve(snapshot.segments.size());
  uint64_t sequence = snapshot.discontinuity_sequence;
  for (const PublishedSegment& s : snapshot.segments) {
    if (s.entry.discontinuity) ++sequence;
    out.push_back(sequence);
  }
  return out;
}

bool HasGap(const WindowSnapshot& snapshot, uint64_t first, uint64_t last) {
  for (uint64_t n = first; n <= last; ++n) {
    const PublishedSegment* s = snapshot.Find(n);
    if (s != nullptr && s->entry.gap) return true;
  }
  return false;
}

DashRepresentation Representation(const DashTrack& track, uint64_t first, uint64_t last) {
  DashRepresentation r;
  r.id = track.variant.name;
  r.codecs = track.variant.codecs;
  r.bandwidth = std::max<uint64_t>(track.variant.bandwidth, 1);
  r.width = track.variant.width;
  r.height = track.variant.height;
  r.frame_rate = track.variant.frame_rate;
  r.media_template = track.variant.name + "/seg$Number$.m4s";
  for (uint64_t n = first; n <= last; ++n) {
    const PublishedSegment* s = track.snapshot->Find(n);
    if (s == nullptr) {
      if (r.segments.empty()) continue;  // joined later than the reference
      break;                             // behind the reference: lists what it has
    }
    if (r.segments.empty()) {
      r.timescale = s->timescale;
      r.init_uri = track.variant.name + "/" + InitUri(s->entry.init_index);
    }
    r.segments.push_back({n, s->media_time, std::max<int64_t>(s->media_duration, 1)});
  }
  return r;
}

}  // namespace

std::optional<DashManifestModel> DashSource::Build(const std::vector<DashTrack>& video,
                                                   const std::optional<DashTrack>& audio,
                                                   const DashRequest& request) {
  const DashTrack* reference = !video.empty() ? &video.front() : (audio ? &*audio : nullptr);
  if (reference == nullptr || !reference->snapshot) return std::nullopt;
  const WindowSnapshot& ref = *reference->snapshot;
  if (ref.first_listed >= ref.segments.size()) return std::nullopt;
  const std::vector<uint64_t> discontinuity = DiscontinuitySequences(ref);

  std::lock_guard lock(mu_);
  DashManifestModel model;
  // An ended broadcast keeps type="dynamic" with a final snapshot (the last period gets its
  // duration, minimumUpdatePeriod goes): dash.js stops refreshing and plays to the end, while
  // an MPD that turns static under a playing dash.js is ignored.
  model.dynamic = true;
  model.publish_ms = request.now_ms;
  model.minimum_update_period_ms = request.target_ms;
  model.min_buffer_time_ms = request.target_ms;
  model.suggested_presentation_delay_ms = 3 * request.target_ms;
  model.utc_timing_uri = request.utc_timing_uri;
  model.base_url = request.base_url;
  model.query_suffix = request.query_suffix;

  int64_t listed_ms = 0;
  int64_t longest_ms = 0;
  for (size_t i = ref.first_listed; i < ref.segments.size(); ++i) {
    listed_ms += ref.segments[i].entry.duration_ms;
    longest_ms = std::max(longest_ms, ref.segments[i].entry.duration_ms);
  }
  model.time_shift_buffer_depth_ms = std::max(listed_ms, request.target_ms);
  model.max_segment_duration_ms = std::max(longest_ms, request.target_ms);

  // Runs of listed segments between discontinuities: one period each.
  size_t begin = ref.first_listed;
  while (begin < ref.segments.size()) {
    size_t end = begin + 1;
    while (end < ref.segments.size() && discontinuity[end] == discontinuity[begin]) ++end;
    const PublishedSegment& first = ref.segments[begin];
    const uint64_t key = discontinuity[begin];
    auto anchor = anchors_.find(key);
    if (anchor == anchors_.end()) {
      if (!availability_start_ms_) availability_start_ms_ = first.entry.program_date_ms;
      PeriodAnchor a;
      a.start_ms = std::max<int64_t>(first.entry.program_date_ms - *availability_start_ms_, 0);
      // Never overlapping the previous period's media (its last retained segment).
      if (begin > 0) {
        auto previous = anchors_.find(discontinuity[begin - 1]);
        if (previous != anchors_.end()) {
          const PublishedSegment& last = ref.segments[begin - 1];
          const int64_t media_end = last.media_time + last.media_duration;
          a.start_ms = std::max(
              a.start_ms, previous->second.start_ms +
                              TicksToMs(media_end - previous->second.pto_video, last.timescale));
        }
      }
      a.pto_video = first.media_time;
      a.pto_audio = first.media_time;
      if (audio && audio->snapshot) {
        if (const PublishedSegment* s = audio->snapshot->Find(first.entry.sequence)) {
          a.pto_audio = s->media_time;
        } else if (!audio->snapshot->segments.empty()) {
          a.pto_audio = formats::fmp4::RescaleTime(first.media_time, first.timescale,
                                                   audio->snapshot->segments.front().timescale);
        }
      }
      anchor = anchors_.emplace(key, a).first;
    }
    const uint64_t first_number = first.entry.sequence;
    const uint64_t last_number = ref.segments[end - 1].entry.sequence;
    DashPeriod period;
    period.id = "p" + std::to_string(key);
    period.start_ms = anchor->second.start_ms;
    period.presentation_time_offset_video = anchor->second.pto_video;
    period.presentation_time_offset_audio = anchor->second.pto_audio;
    for (const DashTrack& track : video) {
      // A paused rung lists EXT-X-GAP entries in HLS (no bytes): DASH has no gap marker, and
      // listing them sends players to 404s, so such a rung stays out of the MPD while its
      // window has a gap (it returns once the gaps left the window).
      if (HasGap(*track.snapshot, first_number, last_number)) continue;
      DashRepresentation r = Representation(track, first_number, last_number);
      if (!r.segments.empty()) period.video.push_back(std::move(r));
    }
    if (audio && audio->snapshot) {
      DashRepresentation r = Representation(*audio, first_number, last_number);
      if (!r.segments.empty()) {
        r.sampling_rate = static_cast<int>(r.timescale);
        r.channels = audio->channels > 0 ? audio->channels : 2;
        r.lang = std::string(kUndeterminedLanguage);  // as the HLS master's LANGUAGE
        r.width = r.height = 0;
        r.frame_rate.reset();
        if (video.empty()) period.presentation_time_offset_audio = anchor->second.pto_video;
        period.audio = std::move(r);
      }
    }
    if (!period.video.empty() || period.audio) model.periods.push_back(std::move(period));
    begin = end;
  }
  if (model.periods.empty()) return std::nullopt;
  // maxSegmentDuration covers every representation (audio segments end on whole AAC frames, so
  // they may run up to a frame longer than the video's).
  for (const DashPeriod& period : model.periods) {
    auto cover = [&model](const DashRepresentation& r) {
      for (const DashSegment& s : r.segments) {
        const int64_t ms =
            (s.duration * 1000 + r.timescale - 1) / std::max<uint32_t>(r.timescale, 1);
        model.max_segment_duration_ms = std::max(model.max_segment_duration_ms, ms);
      }
    };
    for (const DashRepresentation& r : period.video) cover(r);
    if (period.audio) cover(*period.audio);
  }
  // Periods that left the window are forgotten (their anchors are never needed again).
  anchors_.erase(anchors_.begin(), anchors_.lower_bound(discontinuity[ref.first_listed]));
  model.availability_start_ms = *availability_start_ms_;

  if (ref.ended) {
    const PublishedSegment& last = ref.segments.back();
    DashPeriod& period = model.periods.back();
    const int64_t pto = video.empty() ? period.presentation_time_offset_audio
                                      : period.presentation_time_offset_video;
    const int64_t duration = TicksToMs(last.media_time + last.media_duration - pto, last.timescale);
    period.duration_ms = std::max<int64_t>(duration, 1);
  }
  return model;
}

}  // namespace steadycast::package
