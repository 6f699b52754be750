#pragma once
// StreamPackager: turns one live stream's access units into CMAF segments and HLS playlists,
// kept in an in-memory sliding window (docs/architecture.md "package"). One instance per stream;
// it outlives publishers (the reconnect window keeps it) and is shared with deliver/.
//
// Renditions (the ABR ladder): a packager has one or more renditions, each a media
// stream of its own (video config + H.264 access units + the shared AAC audio) with its own
// segmenter, init segments and segment window. Rendition 0 is what the On* writer methods
// feed (the passthrough path: a packager built with the single-rendition constructor has one
// rendition "src"); `Rendition(i)` is the writer side of rendition i. Every rendition numbers
// its segments from `first_sequence`; with keyframes aligned across renditions, segment N of
// every rendition covers the same time span and has the same discontinuity sequence
// (LadderTimeline also aligns a rendition that starts late). The master playlist
// (RFC 8216bis §4.4.6.2) lists one EXT-X-STREAM-INF per rendition that has published a
// segment, in increasing BANDWIDTH order (see MasterPlaylist).
//
// Threading: each rendition's writer side is called from one thread at a time; different
// renditions may be written from different threads concurrently. OnDiscontinuity and
// OnEndOfStream apply to every rendition and may be called from any thread (each rendition's
// writer state is behind its own mutex). Reader methods may be called from any thread
// concurrently (internally locked; returned buffers are immutable and shared).
//
// URL layout (relative to /hls/): master "{pb}.m3u8" references "{pb}/{rendition}/index.m3u8";
// a media playlist references "init.mp4" (EXT-X-MAP) and "seg{N}.m4s" beside it.
//
// Audio: with video, the audio is packaged once as the rendition "audio" (audio_track.h): its
// own init and segments under "{pb}/audio/", an EXT-X-MEDIA:TYPE=AUDIO entry in the master that
// every variant names with AUDIO=, and video segments that carry video only. Audio segment N
// covers exactly the span of video segment N. An audio-only stream keeps its audio in "src".

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/buffer.h"
#include "base/clock.h"
#include "base/status.h"
#include "media/access_unit.h"
#include "media/media_sink.h"
#include "media/track.h"

namespace steadycast::package {

struct PackagerOptions {
  double target_segment_seconds = 2.0;  // a segment closes at the first keyframe ≥ target
  int playlist_segments = 6;            // segments listed in the media playlist
  // Segments that left the playlist stay downloadable for this long (≥ 1 target duration).
  int extra_retained_segments = 2;
  // Hard caps that keep memory bounded when a publisher misbehaves (no keyframes).
  size_t max_segment_bytes = size_t{64} * 1024 * 1024;
  double max_segment_seconds = 12.0;
  // Media sequence number of the first segment and the first init segment's index. Segments
  // and init segments are cached as immutable for a day, so a new broadcast at the same
  // playback URL (or a broadcast resumed after a restart) must never reuse a name: the session
  // starts each packager above every number used before (session/ uses the wall clock in
  // seconds, which no earlier broadcast can have reached). The discontinuity sequence names
  // nothing and starts at 0 in every broadcast: hls.js ≥ 1.7 keeps per-discontinuity state in
  // a sparse array that it walks from index 0 at every playlist load, so an epoch-sized
  // EXT-X-DISCONTINUITY-SEQUENCE stalls its main thread.
  uint64_t first_sequence = 0;
  // The master playlist waits for every rendition's first segment, but no longer than until
  // some rendition has published this many segments beyond its first (players load the master
  // once, so a rendition missing from it is never offered to them; a rendition that cannot
  // start must not hold the stream back either).
  int master_wait_segments = 2;
  // LL-HLS (latency_mode "low"): parts of this many seconds inside each segment (RFC 8216bis
  // partial segments, "part{N}.{M}.m4s"); 0 for standard HLS. 0.2–1.0 when set.
  double part_target_seconds = 0;
};

// One rendition of the ladder. `name` is its directory below /hls/{pb}/: 1–32 characters of
// [a-z0-9_], unique within the packager ("src" for the passthrough rendition, "720p", ...).
struct RenditionSpec {
  std::string name;
};

inline constexpr size_t kMaxRenditions = 16;
inline constexpr size_t kMaxRenditionNameLength = 32;

// What deliver/ serves for a path below /hls/{pb}/.
struct Resource {
  base::Buffer body;
  std::string content_type;
  bool immutable = false;  // segments and init: cacheable for a day; playlists: ≤ 1 s
};

// One rendition's counters (health/metrics).
struct RenditionStats {
  std::string name;
  uint64_t segments = 0;           // media segments published
  uint64_t bytes = 0;              // bytes of all media segments published
  uint64_t peak_bandwidth = 0;     // bits/s, the master playlist's BANDWIDTH (0 before a segment)
  uint64_t average_bandwidth = 0;  // bits/s, the master playlist's AVERAGE-BANDWIDTH
  uint64_t init_segments = 0;
  uint64_t forced_cuts = 0;
  uint64_t timeline_breaks = 0;
  uint64_t dropped_units = 0;
  uint64_t rejected_configs = 0;
  uint64_t next_sequence = 0;
  // Segments whose number covers a different time span in another rendition (keyframes not
  // aligned upstream): players may glitch when switching there.
  uint64_t misaligned_segments = 0;
  // First segments dropped because they matched no segment the other renditions published.
  uint64_t skipped_at_join = 0;
  bool paused = false;        // SetRenditionPaused: listing EXT-X-GAP segments instead of media
  uint64_t gap_segments = 0;  // EXT-X-GAP entries listed (paused spans)
  // Segments dropped on resuming because the others had published their number meanwhile
  // (it was already listed as a gap).
  uint64_t late_resume_segments = 0;
};

// Totals over all renditions (with one rendition: that rendition's counters).
struct PackagerStats {
  uint64_t segments = 0;                   // media segments published
  uint64_t init_segments = 0;              // init segments published (1 + configuration changes)
  uint64_t forced_cuts = 0;                // segments closed by max_segment_seconds/bytes
  uint64_t timeline_breaks = 0;            // dts jumps that forced a discontinuity
  uint64_t dropped_units = 0;              // before the first keyframe, without config, too late
  uint64_t rejected_configs = 0;           // configurations that cannot be packaged
  uint64_t next_sequence = 0;              // media sequence number the next segment will get (max)
  std::vector<RenditionStats> renditions;  // in construction order
  // The separate audio rendition ("audio"), once it has a segment.
  std::optional<RenditionStats> audio;
};

class SegmentWindow;
struct DashRequest;

class StreamPackager {
 public:
  // One rendition named "src".
  StreamPackager(PackagerOptions options, base::Clock& clock);
  // A ladder. Precondition: ValidateRenditions(renditions) is OK (aborts otherwise: the names
  // come from code, not from users); Create() checks it and returns the error instead.
  StreamPackager(PackagerOptions options, std::vector<RenditionSpec> renditions,
                 base::Clock& clock);
  ~StreamPackager();

  StreamPackager(const StreamPackager&) = delete;
  StreamPackager& operator=(const StreamPackager&) = delete;

  // 1..kMaxRenditions renditions, names valid and unique.
  static base::Status ValidateRenditions(const std::vector<RenditionSpec>& renditions);
  static base::Result<std::unique_ptr<StreamPackager>> Create(PackagerOptions options,
                                                              std::vector<RenditionSpec> renditions,
                                                              base::Clock& clock);

  size_t rendition_count() const;
  const std::string& rendition_name(size_t index) const;  // index < rendition_count()
  // Writer side of rendition `index` (< rendition_count()); valid as long as the packager.
  // Configs and access units as for the methods below; one thread at a time per rendition.
  media::MediaSink& Rendition(size_t index);

  // Writer side of rendition 0 (one publisher strand at a time).
  void OnVideoConfig(const media::VideoTrackConfig& config);
  void OnAudioConfig(const media::AudioTrackConfig& config);
  void OnAccessUnit(const media::AccessUnit& unit);
  // Publisher gone for good or broadcast completed: flush the open segment, add ENDLIST
  // (every rendition).
  void OnEndOfStream();
  // Publisher lost but the stream lives on (reconnect window): close the open segment now so
  // viewers get everything received; the next segment starts at a keyframe after
  // EXT-X-DISCONTINUITY. (Extension: a timeline break in the input does the same by itself.)
  // Output timestamps stay continuous across a discontinuity: the next segment's decode time
  // starts where the previous one ended, whatever the new publisher's clock says, so players
  // that ignore EXT-X-DISCONTINUITY still see a monotonic timeline.
  // Applies to every rendition; with a ladder, call it once the renditions' writers have
  // delivered everything of the old publisher, so that every rendition cuts at the same time.
  void OnDiscontinuity();
  // The same for rendition `index` alone (the transcoder's on_source_changed: the source's
  // configuration changed mid-broadcast, and a transcoded rendition must cut where the
  // passthrough rendition cuts by itself). Any thread.
  void OnRenditionDiscontinuity(size_t index);
  // The degradation step "drop the highest transcoded rung from new segments": while
  // rendition `index` is paused it takes no media (units are dropped), and every segment
  // another rendition publishes is listed in its media playlist as an EXT-X-GAP segment
  // (RFC 8216bis §4.4.4.7) with the same number, duration and discontinuity sequence, so the
  // variant stays in the master (BANDWIDTH unchanged) and players on it move to a variant that
  // has the span instead of stalling. Pausing flushes the rendition's open segment (pause at a
  // segment boundary). Resuming: the next segment (an IDR at a segment boundary, the same
  // configuration) takes the number, discontinuity sequence and output offset the others gave
  // that span, without EXT-X-DISCONTINUITY when the ladder had none. A paused rendition with
  // no segment yet does not hold the master back. Any thread; no effect for a bad index.
  void SetRenditionPaused(size_t index, bool paused);

  // Reader side (any thread).
  // Some rendition has a segment (its media playlist and segments can be served).
  bool HasSegments() const;
  // Master playlist text referencing "{playback_id}/..." (nullopt before the first segment,
  // and while waiting for the other renditions' first segments: see master_wait_segments).
  // Variants are ordered by BANDWIDTH ascending (ties: smaller resolution, then construction
  // order): hls.js and AVPlayer start with the first variant listed, so a viewer starts on the
  // cheapest rendition and moves up after the first measurement instead of stalling on a slow
  // link; hls.js sorts its levels by bitrate anyway.
  std::optional<std::string> MasterPlaylist(std::string_view playback_id) const;
  // `subpath` is what follows "/hls/{pb}/": "{rendition}/index.m3u8", "{rendition}/init.mp4",
  // "{rendition}/init{K}.mp4", "{rendition}/seg{N}.m4s"; nullopt for an unknown rendition.
  std::optional<Resource> Lookup(std::string_view subpath) const;
  // Counters for health/metrics (extension).
  PackagerStats Stats() const;
  // The published window of a rendition ("src", "720p", ..., or "audio"), for renderers that
  // work from snapshots (LL-HLS, DASH) and for blocking requests; null for an unknown name.
  // Valid as long as the packager.
  const SegmentWindow* Window(std::string_view rendition) const;
  // The DASH MPD over the same segments (dash_source.h): the master's variants as one video
  // AdaptationSet, the audio rendition as another. Nullopt while the master lists nothing.
  std::optional<std::string> DashManifest(const DashRequest& request) const;
  // LL-HLS (part_target_seconds > 0).
  bool low_latency() const;
  double part_target_seconds() const;
  // The LL-HLS media playlist of `rendition` now (low_latency_playlist.h), with a report of
  // every other rendition (the audio one included); `skip`: a delta update. Nullopt for an
  // unknown rendition or before its first segment.
  std::optional<std::string> LowLatencyPlaylist(std::string_view rendition, bool skip) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace steadycast::package
