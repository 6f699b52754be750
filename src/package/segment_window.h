#pragma once
// SegmentWindow: one rendition's published output — init segments, the sliding window of
// media segments and the cached media playlist text (RFC 8216 §6.2.2 live playlists).
//
// The playlist lists the newest `playlist_segments`; segments that slid out stay downloadable
// for `extra_retained_segments` more (a player that just loaded the previous playlist may still
// ask for them), then are freed. Init segments are freed once no retained segment needs them.
// Memory is therefore bounded by (playlist + extra) × the segmenter's byte cap.
//
// Gap segments (EXT-X-GAP, a paused rendition of a ladder) take a place in the window like
// real ones (numbering, sliding, EXT-X-TARGETDURATION) but have no bytes: Lookup answers
// nullopt (404) for them and the bandwidth measurement ignores them.
//
// Snapshots: every change publishes a new immutable WindowSnapshot (inits, retained segments with
// their media timing, the rendered playlist, the variant). HLS playlists, LL-HLS and the DASH
// MPD all render from a snapshot, so one request sees one consistent window however the writer
// moves on meanwhile. Requests that wait for a segment (blocking reload) register with
// `waiters()`; the window wakes them after each change (window_waiters.h).
//
// Threading: one writer (the packager's writer thread) and any number of concurrent readers;
// all methods lock an internal mutex. Returned Buffers are immutable and shared, so readers
// never copy segment bytes and the playlist text is rendered once per change, not per request.

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/buffer.h"
#include "package/playlist.h"
#include "package/stream_packager.h"
#include "package/window_waiters.h"

namespace steadycast::package {

inline constexpr std::string_view kPlaylistContentType = "application/vnd.apple.mpegurl";
inline constexpr std::string_view kInitContentType = "video/mp4";
inline constexpr std::string_view kSegmentContentType = "video/iso.segment";

// One LL-HLS part: "part{N}.{M}.m4s" (a CMAF chunk: moof + mdat).
struct PublishedPart {
  PlaylistPart entry;
  base::Buffer bytes;
};

struct PublishedSegment {
  PlaylistSegment entry;  // entry.parts lists its parts (when it was published in parts)
  base::Buffer bytes;
  std::vector<PublishedPart> parts;  // bytes of its parts while it is recent (kPartSegments)
  // Media timing of the segment in its track's timescale (DASH SegmentTimeline): the earliest
  // presentation time of its first sample on the output timeline, and its duration.
  uint32_t timescale = 90'000;
  int64_t media_time = 0;
  int64_t media_duration = 0;
};

// The segment in progress of a low-latency window: its parts so far.
struct OpenSegment {
  uint64_t sequence = 0;
  bool discontinuity = false;
  int64_t init_index = -1;
  int64_t program_date_ms = 0;
  std::vector<PublishedPart> parts;
};

// One consistent view of a window, immutable once published.
struct WindowSnapshot {
  std::map<int64_t, base::Buffer> inits;
  std::vector<PublishedSegment> segments;  // retained, oldest first (gaps included)
  size_t first_listed = 0;                 // index of the first segment the playlist lists
  // EXT-X-DISCONTINUITY-SEQUENCE of segments[0] (count the discontinuity flags from there).
  uint64_t discontinuity_sequence = 0;
  int target_duration_s = 1;
  bool ended = false;
  uint64_t version = 0;
  base::Buffer playlist;                 // the standard media playlist (empty while no segment)
  std::optional<VariantStream> variant;  // with measured bandwidth, once a segment exists
  WindowPosition position;               // what a blocking request can be answered with
  std::optional<OpenSegment> open;       // low-latency windows: the segment in progress

  // The segment numbered `sequence`, if retained.
  const PublishedSegment* Find(uint64_t sequence) const;
  // Part `index` of segment `sequence` (open or recent), if its bytes are retained.
  const PublishedPart* FindPart(uint64_t sequence, uint32_t index) const;
  // EXT-X-DISCONTINUITY-SEQUENCE of the first listed segment.
  uint64_t ListedDiscontinuitySequence() const;
};

class SegmentWindow {
 public:
  // `first_discontinuity_sequence`: EXT-X-DISCONTINUITY-SEQUENCE of the first segment.
  // `playlist_version`: EXT-X-VERSION of the media playlist (8 where gaps may be listed).
  SegmentWindow(int playlist_segments, int extra_retained_segments, int64_t target_ms,
                uint64_t first_discontinuity_sequence = 0, int playlist_version = 7);

  // EXT-X-DISCONTINUITY-SEQUENCE of the first segment, when it is known only once that segment
  // is placed (a rendition joining a ladder late). No effect once a segment was added.
  void SetFirstDiscontinuitySequence(uint64_t sequence);
  void AddInit(int64_t init_index, base::Buffer bytes);
  // Appends a segment (sequence numbers increase by one), slides the window, re-renders. The
  // parts published for its number (AddPart) become its parts.
  void AddSegment(PublishedSegment segment);
  // A part of the segment in progress (`open.sequence`; its other fields describe that
  // segment). Parts come in index order; a new number drops an unfinished open segment.
  void AddPart(const OpenSegment& open, PublishedPart part);
  // Appends a gap segment (`entry.gap` is set here; its init index is the newest init's, or
  // none before the first): listed with EXT-X-GAP, never served.
  void AddGap(PlaylistSegment entry);
  // Codecs, resolution and frame rate for the master playlist (bandwidth is measured here).
  void SetVariant(VariantStream variant);
  // Adds EXT-X-ENDLIST.
  void End();

  bool HasSegments() const;
  // The number the next segment must have and the discontinuity sequence of the newest one
  // (nullopt while empty).
  struct Tail {
    uint64_t next_sequence = 0;
    uint64_t discontinuity_sequence = 0;
  };
  std::optional<Tail> tail() const;
  // Increases on every change that can alter a playlist (for caches built on top).
  uint64_t version() const;
  // The variant with measured bandwidth, once a segment exists.
  std::optional<VariantStream> Variant() const;
  // `name` is rendition-relative: "index.m3u8", "init.mp4", "init2.mp4", "seg7.m4s".
  std::optional<Resource> Lookup(std::string_view name) const;
  // The newest snapshot (never null; empty before the first segment).
  std::shared_ptr<const WindowSnapshot> Snapshot() const;
  // Requests waiting for a segment of this window (thread-safe; see window_waiters.h).
  WindowWaiters& waiters() const { return waiters_; }

 private:
  // Re-renders the playlist and builds the next snapshot; returns the position to publish to
  // the waiters once the lock is released.
  WindowPosition RenderLocked();
  WindowPosition AppendLocked(PublishedSegment segment);
  VariantStream VariantLocked() const;

  const size_t playlist_segments_;
  const size_t retained_segments_;
  const int64_t target_ms_;
  const int playlist_version_;

  mutable std::mutex mu_;
  std::shared_ptr<const WindowSnapshot> snapshot_;
  std::optional<OpenSegment> open_;
  mutable WindowWaiters waiters_;
  std::map<int64_t, base::Buffer> inits_;
  std::deque<PublishedSegment> segments_;  // retained, oldest first
  uint64_t freed_discontinuities_ = 0;     // discontinuity tags of freed segments
  int target_duration_s_ = 0;              // never decreases
  bool ended_ = false;
  base::Buffer playlist_;
  uint64_t version_ = 0;
  VariantStream variant_;
  // Bandwidth measurement over every segment ever published (RFC 8216 §4.3.4.2).
  uint64_t total_bytes_ = 0;
  int64_t total_ms_ = 0;
  uint64_t peak_bps_ = 0;        // over segments of at least half the target duration
  uint64_t peak_short_bps_ = 0;  // over all segments: used until a full-length one exists
};

// Segments whose parts keep their bytes (≥ 3 target durations after the parts leave the
// playlist, RFC 8216bis §6.2.2, with 2 s segments and parts listed for the last 3).
inline constexpr size_t kPartSegments = 6;

// "part{N}.{M}.m4s", strictly (canonical decimals).
std::optional<std::pair<uint64_t, uint32_t>> ParsePartName(std::string_view name);

// Parses "seg{N}.m4s" / "init.mp4" / "init{K}.mp4" strictly (canonical decimal, no signs or
// leading zeros), so every resource has exactly one name.
std::optional<uint64_t> ParseSegmentName(std::string_view name);
std::optional<int64_t> ParseInitName(std::string_view name);

}  // namespace steadycast::package
