#pragma once
// StreamPackager: turns one live stream's access units into CMAF segments and HLS playlists,
// kept in an in-memory sliding window (ARCHITECTURE.md "package"). One instance per stream;
// it outlives publishers (the reconnect window keeps it) and is shared with deliver/.
//
// Threading: the On* writer methods are called from one thread at a time (the publisher's
// strand); the reader methods may be called from any thread concurrently (internally locked;
// returned buffers are immutable and shared).
//
// URL layout (relative to /hls/): master "{pb}.m3u8" references "{pb}/{rendition}/index.m3u8";
// a media playlist references "init.mp4" (EXT-X-MAP) and "seg{N}.m4s" beside it.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/buffer.h"
#include "base/clock.h"
#include "media/access_unit.h"
#include "media/track.h"

namespace steadycast::package {

struct PackagerOptions {
  double target_segment_seconds = 2.0;  // a segment closes at the first keyframe ≥ target
  int playlist_segments = 6;            // segments listed in the media playlist
  // Segments that left the playlist stay downloadable for this long (≥ 1 target duration).
  int extra_retained_segments = 2;
  // Hard caps that keep memory bounded when a publisher misbehaves (no keyframes).
  size_t max_segment_bytes = 64 * 1024 * 1024;
  double max_segment_seconds = 12.0;
  // Media sequence number of the first segment; also the first discontinuity sequence and
  // the first init segment's index. Segments and init segments are cached as immutable for a
  // day, so a new broadcast at the same playback URL (or a broadcast resumed after a restart)
  // must never reuse a name: the session starts each packager above every number used before
  // (session/ uses the wall clock in seconds, which no earlier broadcast can have reached).
  uint64_t first_sequence = 0;
};

// What deliver/ serves for a path below /hls/{pb}/.
struct Resource {
  base::Buffer body;
  std::string content_type;
  bool immutable = false;  // segments and init: cacheable for a day; playlists: ≤ 1 s
};

struct PackagerStats {
  uint64_t segments = 0;          // media segments published
  uint64_t init_segments = 0;     // init segments published (1 + configuration changes)
  uint64_t forced_cuts = 0;       // segments closed by max_segment_seconds/bytes
  uint64_t timeline_breaks = 0;   // dts jumps that forced a discontinuity
  uint64_t dropped_units = 0;     // before the first keyframe, without config, too late
  uint64_t rejected_configs = 0;  // configurations that cannot be packaged
  uint64_t next_sequence = 0;     // media sequence number the next segment will get
};

class StreamPackager {
 public:
  StreamPackager(PackagerOptions options, base::Clock& clock);
  ~StreamPackager();

  // Writer side (one publisher strand at a time).
  void OnVideoConfig(const media::VideoTrackConfig& config);
  void OnAudioConfig(const media::AudioTrackConfig& config);
  void OnAccessUnit(const media::AccessUnit& unit);
  // Publisher gone for good or broadcast completed: flush the open segment, add ENDLIST.
  void OnEndOfStream();
  // Publisher lost but the stream lives on (reconnect window): close the open segment now so
  // viewers get everything received; the next segment starts at a keyframe after
  // EXT-X-DISCONTINUITY. (Extension: a timeline break in the input does the same by itself.)
  // Output timestamps stay continuous across a discontinuity: the next segment's decode time
  // starts where the previous one ended, whatever the new publisher's clock says, so players
  // that ignore EXT-X-DISCONTINUITY still see a monotonic timeline.
  void OnDiscontinuity();

  // Reader side (any thread).
  bool HasSegments() const;
  // Master playlist text referencing "{playback_id}/..." (nullopt before the first segment).
  std::optional<std::string> MasterPlaylist(std::string_view playback_id) const;
  // `subpath` is what follows "/hls/{pb}/": "src/index.m3u8", "src/init.mp4", "src/seg7.m4s".
  std::optional<Resource> Lookup(std::string_view subpath) const;
  // Counters for health/metrics (extension).
  PackagerStats Stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace steadycast::package
