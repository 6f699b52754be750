#include "package/playlist.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>

#include "base/clock.h"

namespace steadycast::package {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
// RFC 8216bis §8: EXT-X-SKIP needs version 9 (see the header on why every LL rendering says 9).
constexpr int kLowLatencyMinVersion = 9;
// RFC 8216bis §6.2.2: EXT-X-PART tags further than this many target durations from the end of
// the playlist SHOULD be removed.
constexpr int64_t kPartWindowTargetDurations = 3;

// Seconds with up to 6 decimals, trailing zeros trimmed: "12", "0.5", "0.33333". Exact to 1 µs.
std::string FormatSeconds(int64_t us) {
  assert(us >= 0);
  us = std::max<int64_t>(us, 0);
  std::string out = fmt::format("{}", us / kMicrosPerSecond);
  if (const int64_t fraction = us % kMicrosPerSecond; fraction != 0) {
    std::string digits = fmt::format("{:06}", fraction);
    digits.erase(digits.find_last_not_of('0') + 1);
    out += '.';
    out += digits;
  }
  return out;
}

// The tags that apply to a segment and so also to its first part (RFC 8216bis §4.4.4.9):
// EXT-X-DISCONTINUITY, EXT-X-MAP where the init changes, EXT-X-PROGRAM-DATE-TIME.
void AppendSegmentHead(std::string& out, const PlaylistSegment& s, int64_t& current_init) {
  if (s.discontinuity) out += "#EXT-X-DISCONTINUITY\n";
  if (s.init_index >= 0 && s.init_index != current_init) {
    out += fmt::format("#EXT-X-MAP:URI=\"{}\"\n", InitUri(s.init_index));
    current_init = s.init_index;
  }
  out += fmt::format("#EXT-X-PROGRAM-DATE-TIME:{}\n", base::FormatRfc3339(s.program_date_ms));
}

// EXT-X-GAP, EXTINF and the URI line of a complete segment.
void AppendSegmentTail(std::string& out, const PlaylistSegment& s) {
  // The URI stays (a playlist line needs one; it answers 404): clients that know EXT-X-GAP
  // never request it.
  if (s.gap) out += "#EXT-X-GAP\n";
  out += fmt::format("#EXTINF:{}.{:03},\n{}\n", s.duration_ms / 1000, s.duration_ms % 1000,
                     SegmentUri(s.sequence));
}

void AppendPart(std::string& out, uint64_t sequence, const PlaylistPart& p) {
  out += fmt::format("#EXT-X-PART:DURATION={},URI=\"{}\"", FormatSeconds(p.duration_us),
                     PartUri(sequence, p.index));
  if (p.independent) out += ",INDEPENDENT=YES";
  if (p.gap) out += ",GAP=YES";
  out += '\n';
}

// Playlist time an entry covers: a complete segment its EXTINF duration, the segment in
// progress the parts it has so far.
int64_t EntryDurationUs(const PlaylistSegment& s) {
  if (s.complete) return s.duration_ms * 1000;
  int64_t sum = 0;
  for (const PlaylistPart& p : s.parts) sum += p.duration_us;
  return sum;
}

// RFC 8216bis §6.2.5.1: how many of the oldest complete segments lie wholly more than the Skip
// Boundary before the end of the playlist.
size_t CountSkippable(const std::vector<PlaylistSegment>& segments, int64_t total_us,
                      int64_t boundary_us) {
  size_t skipped = 0;
  int64_t end_us = 0;
  for (const PlaylistSegment& s : segments) {
    if (!s.complete) break;
    end_us += EntryDurationUs(s);
    if (total_us - end_us <= boundary_us) break;
    ++skipped;
  }
  return skipped;
}

void AppendHeader(std::string& out, const MediaPlaylistModel& model, int version) {
  out += fmt::format("#EXTM3U\n#EXT-X-VERSION:{}\n", version);
  out += fmt::format("#EXT-X-TARGETDURATION:{}\n", model.target_duration_s);
  if (model.low_latency) {
    const LowLatency& ll = *model.low_latency;
    out += "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES";
    if (ll.can_skip_until_us > 0) {
      out += ",CAN-SKIP-UNTIL=" + FormatSeconds(ll.can_skip_until_us);
    }
    out += ",PART-HOLD-BACK=" + FormatSeconds(ll.part_hold_back_us) + "\n";
    out += "#EXT-X-PART-INF:PART-TARGET=" + FormatSeconds(ll.part_target_us) + "\n";
  }
  const uint64_t media_sequence = model.segments.empty() ? 0 : model.segments.front().sequence;
  out += fmt::format("#EXT-X-MEDIA-SEQUENCE:{}\n", media_sequence);
  out += fmt::format("#EXT-X-DISCONTINUITY-SEQUENCE:{}\n", model.discontinuity_sequence);
}

std::string RenderStandard(const MediaPlaylistModel& model) {
  std::string out;
  out.reserve(128 + model.segments.size() * 96);
  AppendHeader(out, model, model.version);
  int64_t current_init = -1;
  for (const PlaylistSegment& s : model.segments) {
    if (!s.complete) continue;  // a standard playlist lists finished segments only
    AppendSegmentHead(out, s, current_init);
    AppendSegmentTail(out, s);
  }
  if (model.ended) out += "#EXT-X-ENDLIST\n";
  return out;
}

// After the segments: the preload hints (never once ended), the rendition reports, ENDLIST.
void AppendLowLatencyTail(std::string& out, const MediaPlaylistModel& model, int64_t current_init) {
  const LowLatency& ll = *model.low_latency;
  if (!model.ended && ll.preload_hint) {
    // RFC 8216bis Appendix B.1: a hinted part that needs another init than the last listed
    // one comes with a TYPE=MAP hint. Only knowable for the in-progress entry (no part yet).
    const PlaylistSegment* last = model.segments.empty() ? nullptr : &model.segments.back();
    if (last && !last->complete && last->parts.empty() && last->sequence == ll.hint_sequence &&
        last->init_index >= 0 && last->init_index != current_init) {
      out += fmt::format("#EXT-X-PRELOAD-HINT:TYPE=MAP,URI=\"{}\"\n", InitUri(last->init_index));
    }
    out += fmt::format("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"{}\"\n",
                       PartUri(ll.hint_sequence, ll.preload_hint->index));
  }
  for (const RenditionReport& r : ll.rendition_reports) {
    out += fmt::format("#EXT-X-RENDITION-REPORT:URI=\"{}\",LAST-MSN={}", r.uri, r.last_msn);
    if (r.last_part) out += fmt::format(",LAST-PART={}", *r.last_part);
    out += '\n';
  }
  if (model.ended) out += "#EXT-X-ENDLIST\n";
}

std::string RenderLowLatency(const MediaPlaylistModel& model) {
  const LowLatency& ll = *model.low_latency;
  const std::vector<PlaylistSegment>& segments = model.segments;
  // The caller's job: only the last entry may be in progress, the hold back is ≥ 3 parts.
  assert(ll.part_hold_back_us >= 3 * ll.part_target_us);
  assert(segments.empty() || std::all_of(segments.begin(), segments.end() - 1,
                                         [](const PlaylistSegment& s) { return s.complete; }));
  std::string out;
  out.reserve(256 + segments.size() * 160);
  AppendHeader(out, model, std::max(model.version, kLowLatencyMinVersion));

  int64_t total_us = 0;
  for (const PlaylistSegment& s : segments) total_us += EntryDurationUs(s);
  // §6.2.5.1: _HLS_skip is ignored without CAN-SKIP-UNTIL or once the playlist has ENDLIST.
  const bool delta = ll.skip && !model.ended && ll.can_skip_until_us > 0;
  const size_t skipped = delta ? CountSkippable(segments, total_us, ll.can_skip_until_us) : 0;
  int64_t start_us = 0;
  if (skipped > 0) {
    out += fmt::format("#EXT-X-SKIP:SKIPPED-SEGMENTS={}\n", skipped);
    for (size_t i = 0; i < skipped; ++i) start_us += EntryDurationUs(segments[i]);
  }

  const int64_t part_window_us =
      kPartWindowTargetDurations * model.target_duration_s * kMicrosPerSecond;
  int64_t current_init = -1;  // so the first listed segment restates its EXT-X-MAP
  for (size_t i = skipped; i < segments.size(); ++i) {
    const PlaylistSegment& s = segments[i];
    if (!s.complete && s.parts.empty()) break;  // its tags come with its first part
    AppendSegmentHead(out, s, current_init);
    if (!s.complete || total_us - start_us <= part_window_us) {
      for (const PlaylistPart& p : s.parts) AppendPart(out, s.sequence, p);
    }
    if (s.complete) AppendSegmentTail(out, s);
    start_us += EntryDurationUs(s);
  }
  AppendLowLatencyTail(out, model, current_init);
  return out;
}

}  // namespace

std::string InitUri(int64_t init_index) {
  return init_index == 0 ? "init.mp4" : fmt::format("init{}.mp4", init_index);
}

std::string SegmentUri(uint64_t sequence) { return fmt::format("seg{}.m4s", sequence); }

std::string PartUri(uint64_t sequence, uint32_t index) {
  return fmt::format("part{}.{}.m4s", sequence, index);
}

std::string RenderMediaPlaylist(const MediaPlaylistModel& model) {
  return model.low_latency ? RenderLowLatency(model) : RenderStandard(model);
}

std::string RenderMasterPlaylist(const std::vector<VariantStream>& variants,
                                 std::string_view playback_id) {
  return RenderMasterPlaylist(variants, playback_id, std::nullopt);
}

std::string RenderMasterPlaylist(const std::vector<VariantStream>& variants,
                                 std::string_view playback_id,
                                 const std::optional<AudioRendition>& audio) {
  std::string out = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n";
  if (audio) {
    out += fmt::format(
        "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"{}\",LANGUAGE=\"{}\",NAME=\"{}\",DEFAULT=YES,"
        "AUTOSELECT=YES,CHANNELS=\"{}\",URI=\"{}\"\n",
        audio->group_id, audio->language, audio->name, audio->channels, audio->uri);
  }
  for (const VariantStream& v : variants) {
    out += fmt::format("#EXT-X-STREAM-INF:BANDWIDTH={},AVERAGE-BANDWIDTH={},CODECS=\"{}\"",
                       v.bandwidth, v.average_bandwidth, v.codecs);
    if (v.width > 0 && v.height > 0) out += fmt::format(",RESOLUTION={}x{}", v.width, v.height);
    if (v.frame_rate) out += fmt::format(",FRAME-RATE={:.3f}", *v.frame_rate);
    if (audio) out += fmt::format(",AUDIO=\"{}\"", audio->group_id);
    out += fmt::format("\n{}/{}/index.m3u8\n", playback_id, v.name);
  }
  return out;
}

}  // namespace steadycast::package
