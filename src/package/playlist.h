#pragma once
// HLS playlist text (RFC 8216; version 7 for fMP4 segments and EXT-X-MAP in media playlists,
// §4.3.2.5 / §7). Pure rendering from a model, so golden tests pin the exact text. Section
// numbers "RFC 8216bis §x" below are those of draft-pantos-hls-rfc8216bis-22.
//
// Media playlist (§4.3.3): EXT-X-TARGETDURATION, EXT-X-MEDIA-SEQUENCE (sequence of the first
// listed segment), EXT-X-DISCONTINUITY-SEQUENCE (§4.3.3.3: discontinuity tags that slid out),
// EXT-X-MAP before the first segment and again, after EXT-X-DISCONTINUITY, where the init
// segment changes; EXT-X-PROGRAM-DATE-TIME (§4.3.2.6) and EXTINF with 3 decimals on every
// segment; EXT-X-ENDLIST once the stream ended. EXT-X-GAP (RFC 8216bis §4.4.4.7) before the
// EXTINF of a segment that has no media (a paused rendition of a ladder): clients do not load
// it and may take that span from another variant. The media playlist's EXT-X-VERSION is the
// model's: 7, or 8 for playlists that may list gaps (see MediaPlaylistModel::version).
//
// Low-Latency HLS (only when MediaPlaylistModel::low_latency is set; without it the text is
// exactly the standard playlist above):
// - Header: EXT-X-SERVER-CONTROL (RFC 8216bis §4.4.3.8) with CAN-BLOCK-RELOAD=YES,
//   CAN-SKIP-UNTIL (omitted when can_skip_until_us is 0, which also disables delta updates)
//   and PART-HOLD-BACK; EXT-X-PART-INF:PART-TARGET (§4.4.3.7).
// - EXT-X-VERSION: max(model.version, 9). A delta update carries EXT-X-SKIP, which needs
//   version 9 (§8; RECENTLY-REMOVED-DATERANGES / _HLS_skip=v2 would need 10 and is not
//   offered). The full and the delta answer are the same playlist URL and a playlist may not
//   change its version between reloads (§6.2.1 lists the changes allowed), so every LL
//   rendering says 9 from the first. EXT-X-PART, EXT-X-PRELOAD-HINT, EXT-X-RENDITION-REPORT
//   and EXT-X-SERVER-CONTROL need no version of their own (§8 lists none for them).
// - Partial segments (§4.4.4.9), "part{N}.{M}.m4s": listed before their parent's EXTINF, after
//   its EXT-X-DISCONTINUITY / EXT-X-MAP / EXT-X-PROGRAM-DATE-TIME (which also apply to the first
//   part, §4.4.4.9). A complete segment lists its parts only while it lies wholly within the
//   last three target durations of the playlist (its start at most 3 × target before the end),
//   so no EXT-X-PART tag is ever further than that from the end (§6.2.2 SHOULD). Part durations
//   are exact (µs); EXTINF keeps 3 decimals.
// - The segment in progress (the last entry, complete == false): its tags and parts, no EXTINF
//   and no URI. While it has no part yet it renders nothing: the preload hint names its part 0
//   and, when it needs another init than the last one listed, an EXT-X-PRELOAD-HINT:TYPE=MAP
//   names that init (RFC 8216bis Appendix B.1); its tags appear with its first part
//   (§4.4.5.3 allows a hinted part to arrive after new EXT-X-DISCONTINUITY / EXT-X-MAP tags).
// - EXT-X-PRELOAD-HINT:TYPE=PART (§4.4.5.3) after the last part, never once ended;
//   EXT-X-RENDITION-REPORT lines (§4.4.5.4) last, before EXT-X-ENDLIST.
// - Playlist Delta Update (§6.2.5.1, LowLatency::skip, ignored once ended or without
//   CAN-SKIP-UNTIL): the oldest complete segments whose end lies more than CAN-SKIP-UNTIL
//   before the end of the playlist are replaced by EXT-X-SKIP:SKIPPED-SEGMENTS=n (§4.4.5.2),
//   with their EXT-X-DISCONTINUITY tags. EXT-X-MEDIA-SEQUENCE keeps numbering the first
//   (skipped) segment and EXT-X-DISCONTINUITY-SEQUENCE keeps its value (§4.4.5.2). Tags that are
//   not only the skipped segments' must remain (§6.2.5.1): the EXT-X-MAP in force is repeated
//   before the first listed segment, as after the window slides.
//
// Master playlist (§4.3.4.2): one EXT-X-STREAM-INF per rendition; optionally one audio
// rendition (EXT-X-MEDIA:TYPE=AUDIO, RFC 8216bis §4.4.6.1) that every variant names with
// AUDIO="group" (§4.4.6.2), so the video playlists carry video only.
//
// Thread-safe: the functions hold no state.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace steadycast::package {

// One partial segment (RFC 8216bis §3.2): its own resource "part{N}.{M}.m4s", not a byte range.
struct PlaylistPart {
  uint32_t index = 0;        // M: part M of its parent segment, from 0
  int64_t duration_us = 0;   // real duration in microseconds
  bool independent = false;  // starts with an IDR (or is audio-only): INDEPENDENT=YES
  bool gap = false;          // GAP=YES (a part with no media)
};

struct PlaylistSegment {
  uint64_t sequence = 0;        // N of "seg{N}.m4s"
  int64_t duration_ms = 0;      // real duration, rounded to milliseconds
  int64_t program_date_ms = 0;  // unix ms of the segment start
  bool discontinuity = false;   // EXT-X-DISCONTINUITY before this segment
  int64_t init_index = 0;       // K of the init segment it needs (< 0: none, no EXT-X-MAP)
  bool gap = false;             // EXT-X-GAP: listed for numbering and timing, has no media
  // Low latency only: the parts of this segment, in order (all of them: the renderer picks
  // which segments still show theirs). Their durations add up to the segment's.
  std::vector<PlaylistPart> parts;
  // False only for the last entry of a low-latency model: the segment in progress (its
  // duration_ms is not used; its parts so far are). A standard playlist never lists it.
  bool complete = true;
};

// EXT-X-RENDITION-REPORT (RFC 8216bis §4.4.5.4) for another rendition of the same stream.
struct RenditionReport {
  std::string uri;  // relative to this playlist, e.g. "../720p/index.m3u8"
  uint64_t last_msn = 0;
  std::optional<uint32_t> last_part;  // required when that rendition has parts
};

// What a low-latency media playlist adds; the durations are rendered in seconds with up to 6
// decimals, trailing zeros trimmed ("0.5", "0.33333", "12").
struct LowLatency {
  int64_t part_target_us = 500'000;        // EXT-X-PART-INF:PART-TARGET
  int64_t part_hold_back_us = 1'500'000;   // ≥ 3 × part target (the caller's job)
  int64_t can_skip_until_us = 12'000'000;  // ≥ 6 × target duration; 0: no delta updates
  // The next part, EXT-X-PRELOAD-HINT:TYPE=PART,URI="part{hint_sequence}.{index}.m4s"; only
  // its index is used. hint_sequence is the in-progress segment's number, or the next number
  // when the last entry is complete.
  std::optional<PlaylistPart> preload_hint;
  uint64_t hint_sequence = 0;
  std::vector<RenditionReport> rendition_reports;
  bool skip = false;  // a delta update was asked (_HLS_skip=YES), see the file comment
};

struct MediaPlaylistModel {
  // RFC 8216bis §8 ties no version to EXT-X-GAP, but Apple's "About the EXT-X-VERSION tag"
  // lists EXT-X-GAP under version 8 and AVPlayer checks the version; a
  // playlist must not change its version on reload (§6.2.1 allows only appending, removing
  // old segments and the sequence tags), so a playlist that may ever list a gap says 8 from
  // its first rendering. Low-latency playlists say at least 9 (file comment).
  int version = 7;
  int target_duration_s = 1;
  uint64_t discontinuity_sequence = 0;
  std::vector<PlaylistSegment> segments;  // the listed window, oldest first (not empty)
  bool ended = false;
  std::optional<LowLatency> low_latency;
};

// "init.mp4" for K = 0, "init{K}.mp4" after each configuration change.
std::string InitUri(int64_t init_index);
// "seg{N}.m4s".
std::string SegmentUri(uint64_t sequence);
// "part{N}.{M}.m4s": part M of segment N.
std::string PartUri(uint64_t sequence, uint32_t index);

std::string RenderMediaPlaylist(const MediaPlaylistModel& model);

struct VariantStream {
  std::string name;                // rendition directory, "src"
  uint64_t bandwidth = 0;          // peak segment bit rate, bits/s
  uint64_t average_bandwidth = 0;  // bits/s over all segments
  std::string codecs;              // RFC 6381 list: "avc1.64001f,mp4a.40.2"
  int width = 0;                   // 0 for audio-only
  int height = 0;
  std::optional<double> frame_rate;
};

// BCP 47 / RFC 5646 §4.1 "und": the language is not known (ingest carries none).
inline constexpr std::string_view kUndeterminedLanguage = "und";

// The one audio rendition of a master playlist (EXT-X-MEDIA:TYPE=AUDIO). Attribute values are
// quoted strings: no '"', CR or LF (the caller's job).
struct AudioRendition {
  std::string group_id = "audio";
  // LANGUAGE (RFC 5646 tag; Apple's authoring spec §8.10 requires one on every EXT-X-MEDIA):
  // "und" (undetermined) while the stream does not say which language it carries.
  std::string language = std::string(kUndeterminedLanguage);
  std::string name = "audio";  // NAME shown to users
  std::string uri;             // relative to the master, e.g. "{playback_id}/audio/index.m3u8"
  int channels = 2;            // CHANNELS="2"
  // "mp4a.40.2". Not rendered: EXT-X-MEDIA has no CODECS; the caller appends it to every
  // variant's CODECS (RFC 8216bis §6.2.4: CODECS lists every format of the variant's renditions).
  std::string codecs;
};

// Each variant's URI is "{playback_id}/{name}/index.m3u8" (relative to the master's URL).
std::string RenderMasterPlaylist(const std::vector<VariantStream>& variants,
                                 std::string_view playback_id);

// With `audio`: its EXT-X-MEDIA line before the variants and AUDIO="{group_id}" on every
// EXT-X-STREAM-INF; without it, exactly the overload above. BANDWIDTH and AVERAGE-BANDWIDTH
// stay the caller's: each must include the audio rendition's (peak / average) bit rate, since
// they describe every rendition the variant plays together (RFC 8216bis §4.4.6.2).
std::string RenderMasterPlaylist(const std::vector<VariantStream>& variants,
                                 std::string_view playback_id,
                                 const std::optional<AudioRendition>& audio);

}  // namespace steadycast::package
