#include "package/low_latency_playlist.h"

#include <utility>

namespace steadycast::package {

std::optional<RenditionReport> ReportOf(const WindowSnapshot& snapshot, std::string uri) {
  if (snapshot.segments.empty()) return std::nullopt;
  RenditionReport report;
  report.uri = std::move(uri);
  if (snapshot.open && !snapshot.open->parts.empty()) {
    report.last_msn = snapshot.open->sequence;
    report.last_part = static_cast<uint32_t>(snapshot.open->parts.size() - 1);
    return report;
  }
  const PublishedSegment& last = snapshot.segments.back();
  report.last_msn = last.entry.sequence;
  if (!last.entry.parts.empty()) {
    report.last_part = static_cast<uint32_t>(last.entry.parts.size() - 1);
  }
  return report;
}

std::optional<std::string> RenderLowLatencyPlaylist(const WindowSnapshot& snapshot,
                                                    const LowLatencySettings& settings) {
  if (snapshot.segments.empty() || snapshot.first_listed >= snapshot.segments.size()) {
    return std::nullopt;
  }
  MediaPlaylistModel model;
  model.version = 9;
  model.target_duration_s = snapshot.target_duration_s;
  model.ended = snapshot.ended;
  model.discontinuity_sequence = snapshot.ListedDiscontinuitySequence();
  for (size_t i = snapshot.first_listed; i < snapshot.segments.size(); ++i) {
    model.segments.push_back(snapshot.segments[i].entry);
  }
  LowLatency ll;
  ll.part_target_us = settings.part_target_us;
  // Apple's guidance: at least three part targets behind the live edge.
  ll.part_hold_back_us = 3 * settings.part_target_us;
  // §4.4.3.8: CAN-SKIP-UNTIL at least six target durations.
  ll.can_skip_until_us = int64_t{6} * snapshot.target_duration_s * 1'000'000;
  ll.skip = settings.skip;
  ll.rendition_reports = settings.reports;
  uint64_t hint_sequence = snapshot.segments.back().entry.sequence + 1;
  uint32_t hint_index = 0;
  if (snapshot.open && !snapshot.ended) {
    const OpenSegment& open = *snapshot.open;
    PlaylistSegment entry;
    entry.sequence = open.sequence;
    entry.complete = false;
    entry.discontinuity = open.discontinuity;
    entry.init_index = open.init_index;
    entry.program_date_ms = open.program_date_ms;
    for (const PublishedPart& part : open.parts) entry.parts.push_back(part.entry);
    model.segments.push_back(std::move(entry));
    hint_sequence = open.sequence;
    hint_index = static_cast<uint32_t>(open.parts.size());
  }
  PlaylistPart hint;
  hint.index = hint_index;
  ll.preload_hint = hint;
  ll.hint_sequence = hint_sequence;
  model.low_latency = std::move(ll);
  return RenderMediaPlaylist(model);
}

}  // namespace steadycast::package
