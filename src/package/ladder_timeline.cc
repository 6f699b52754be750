#include "package/ladder_timeline.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "media/access_unit.h"

namespace steadycast::package {

LadderTimeline::LadderTimeline(uint64_t first_sequence, int64_t tolerance_ticks)
    : first_sequence_(first_sequence), tolerance_(std::max<int64_t>(tolerance_ticks, 0)) {}

bool LadderTimeline::Near(int64_t a, int64_t b) const {
  // Input times are bounded (90 kHz ticks of 64-bit dts), but a hostile stream may send
  // anything: compare without overflowing.
  const int64_t low = std::min(a, b);
  const int64_t high = std::max(a, b);
  return low >= 0 || high < 0 ? high - low <= tolerance_ : high <= tolerance_ + low;
}

void LadderTimeline::RecordLocked(const SegmentSpan& span, const SegmentPlacement& placement) {
  Entry entry;
  entry.start = span.start;
  const int64_t duration = std::max<int64_t>(span.duration, 0);
  entry.end = span.start > INT64_MAX - duration ? INT64_MAX : span.start + duration;
  entry.discontinuity_sequence = placement.discontinuity_sequence;
  entry.dts_offset = placement.dts_offset;
  entry.wall_ms = span.wall_ms;
  entries_.emplace(placement.sequence, entry);
  while (entries_.size() > kMaxEntries) entries_.erase(entries_.begin());
}

std::optional<SegmentPlacement> LadderTimeline::Join(const SegmentSpan& span, int64_t own_offset,
                                                     bool may_skip, bool* misaligned) {
  std::lock_guard lock(mu_);
  *misaligned = false;
  SegmentPlacement placement;
  if (entries_.empty()) {
    placement = {first_sequence_, 0, own_offset};
    RecordLocked(span, placement);
    return placement;
  }
  // The published segment starting nearest to this one (the newest on a tie: after a publisher
  // restart the input times of an older run may repeat).
  const Entry* best = nullptr;
  uint64_t best_sequence = 0;
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (!Near(it->second.start, span.start)) continue;
    if (!best || std::llabs(it->second.start - span.start) < std::llabs(best->start - span.start)) {
      best = &it->second;
      best_sequence = it->first;
    }
  }
  if (best) {
    return SegmentPlacement{best_sequence, best->discontinuity_sequence, best->dts_offset,
                            best->audio.sample_rate, best->audio.start};
  }
  const auto& [newest_sequence, newest] = *entries_.rbegin();
  placement = {newest_sequence + 1, newest.discontinuity_sequence, newest.dts_offset,
               newest.audio.sample_rate, newest.audio.end};
  if (!Near(newest.end, span.start)) {
    if (may_skip) return std::nullopt;
    *misaligned = true;
  }
  RecordLocked(span, placement);
  return placement;
}

void LadderTimeline::SetAudio(uint64_t sequence, const AudioRun& audio) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(sequence);
  if (it != entries_.end() && it->second.audio.sample_rate == 0) it->second.audio = audio;
}

int64_t LadderTimeline::ProgramDate(uint64_t sequence, uint64_t discontinuity_sequence,
                                    int64_t media_time, int64_t wall_ms) {
  std::lock_guard lock(mu_);
  auto entry = entries_.find(sequence);
  if (entry != entries_.end() && entry->second.dated &&
      entry->second.discontinuity_sequence == discontinuity_sequence) {
    return entry->second.wall_ms;
  }
  auto anchor = anchors_.find(discontinuity_sequence);
  if (anchor == anchors_.end()) {
    // A run never starts before the previous one's dated end (no ambiguous dates, §6.2.1).
    for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
      const Entry& e = it->second;
      if (!e.dated || e.discontinuity_sequence >= discontinuity_sequence) continue;
      const int64_t duration = e.start >= 0 || e.end < e.start + INT64_MAX ? e.end - e.start : 0;
      const int64_t ms = std::max<int64_t>(duration, 0) / 90;
      if (e.wall_ms <= INT64_MAX - ms) wall_ms = std::max(wall_ms, e.wall_ms + ms);
      break;
    }
    anchor = anchors_.emplace(discontinuity_sequence, Anchor{media_time, wall_ms}).first;
    while (anchors_.size() > 8) anchors_.erase(anchors_.begin());
  }
  // Rounded to the nearest millisecond; times of a hostile stream may be anywhere.
  const __int128 elapsed = static_cast<__int128>(media_time) - anchor->second.media_time;
  const __int128 ms = (elapsed * 1000 + (elapsed >= 0 ? 45000 : -45000)) / media::kTimescale;
  const __int128 date = anchor->second.wall_ms + ms;
  const int64_t program_date = date > INT64_MAX   ? INT64_MAX
                               : date < INT64_MIN ? INT64_MIN
                                                  : static_cast<int64_t>(date);
  if (entry != entries_.end() && entry->second.discontinuity_sequence == discontinuity_sequence) {
    entry->second.wall_ms = program_date;
    entry->second.dated = true;
  }
  return program_date;
}

uint64_t LadderTimeline::NextSequence() {
  std::lock_guard lock(mu_);
  return entries_.empty() ? first_sequence_ : entries_.rbegin()->first + 1;
}

std::vector<RecordedSegment> LadderTimeline::Since(uint64_t from) {
  std::lock_guard lock(mu_);
  std::vector<RecordedSegment> out;
  for (auto it = entries_.lower_bound(from); it != entries_.end(); ++it) {
    const Entry& e = it->second;
    // end ≥ start by construction (RecordLocked clamps); the difference fits unless a hostile
    // stream sent times at both ends of the range.
    const int64_t duration = e.start >= 0 || e.end < e.start + INT64_MAX ? e.end - e.start : 0;
    out.push_back({it->first, duration, e.discontinuity_sequence, e.wall_ms});
  }
  return out;
}

int64_t LadderTimeline::Place(const SegmentSpan& span, const SegmentPlacement& proposed,
                              bool new_run, bool* misaligned) {
  std::lock_guard lock(mu_);
  *misaligned = false;
  auto it = entries_.find(proposed.sequence);
  if (it == entries_.end()) {
    RecordLocked(span, proposed);
    return proposed.dts_offset;
  }
  const Entry& entry = it->second;
  if (!Near(entry.start, span.start) ||
      entry.discontinuity_sequence != proposed.discontinuity_sequence) {
    *misaligned = true;
    return proposed.dts_offset;
  }
  return new_run ? std::max(entry.dts_offset, proposed.dts_offset) : proposed.dts_offset;
}

}  // namespace steadycast::package
