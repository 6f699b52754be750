#pragma once
// HLS playlist text (RFC 8216; version 7 for fMP4 segments and EXT-X-MAP in media playlists,
// §4.3.2.5 / §7). Pure rendering from a model, so golden tests pin the exact text.
//
// Media playlist (§4.3.3): EXT-X-TARGETDURATION, EXT-X-MEDIA-SEQUENCE (sequence of the first
// listed segment), EXT-X-DISCONTINUITY-SEQUENCE (§4.3.3.3: discontinuity tags that slid out),
// EXT-X-MAP before the first segment and again, after EXT-X-DISCONTINUITY, where the init
// segment changes; EXT-X-PROGRAM-DATE-TIME (§4.3.2.6) and EXTINF with 3 decimals on every
// segment; EXT-X-ENDLIST once the stream ended. EXT-X-GAP (RFC 8216bis §4.4.4.7) before the
// EXTINF of a segment that has no media (a paused rendition of a ladder): clients do not load
// it and may take that span from another variant. The media playlist's EXT-X-VERSION is the
// model's: 7, or 8 for playlists that may list gaps (see MediaPlaylistModel::version).
// Master playlist (§4.3.4.2): one EXT-X-STREAM-INF per rendition.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace steadycast::package {

struct PlaylistSegment {
  uint64_t sequence = 0;        // N of "seg{N}.m4s"
  int64_t duration_ms = 0;      // real duration, rounded to milliseconds
  int64_t program_date_ms = 0;  // unix ms of the segment start
  bool discontinuity = false;   // EXT-X-DISCONTINUITY before this segment
  int64_t init_index = 0;       // K of the init segment it needs (< 0: none, no EXT-X-MAP)
  bool gap = false;             // EXT-X-GAP: listed for numbering and timing, has no media
};

struct MediaPlaylistModel {
  // RFC 8216bis §7 ties no version to EXT-X-GAP, but Apple's "About the EXT-X-VERSION tag"
  // lists EXT-X-GAP under version 8 and AVPlayer checks the version; a
  // playlist must not change its version on reload (§6.2.1 allows only appending, removing
  // old segments and the sequence tags), so a playlist that may ever list a gap says 8 from
  // its first rendering.
  int version = 7;
  int target_duration_s = 1;
  uint64_t discontinuity_sequence = 0;
  std::vector<PlaylistSegment> segments;  // the listed window, oldest first (not empty)
  bool ended = false;
};

// "init.mp4" for K = 0, "init{K}.mp4" after each configuration change.
std::string InitUri(int64_t init_index);
// "seg{N}.m4s".
std::string SegmentUri(uint64_t sequence);

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

// Each variant's URI is "{playback_id}/{name}/index.m3u8" (relative to the master's URL).
std::string RenderMasterPlaylist(const std::vector<VariantStream>& variants,
                                 std::string_view playback_id);

// The audio rendition every variant names (EXT-X-MEDIA:TYPE=AUDIO). The caller includes its
// peak in each variant's BANDWIDTH and its codec in each variant's CODECS.
struct AudioRendition {
  std::string group_id = "audio";
  std::string name = "audio";
  std::string uri;
  int channels = 2;
  std::string codecs;
};
std::string RenderMasterPlaylist(const std::vector<VariantStream>& variants,
                                 std::string_view playback_id,
                                 const std::optional<AudioRendition>& audio);

}  // namespace steadycast::package
