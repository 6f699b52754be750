#pragma once
// An FLV file as a publisher's media stream, for the ABR ladder benchmark: the bytes go through
// formats/flv's FlvDemuxer (FLV spec v10.1 §E.2–§E.4) and the RTMP MediaMapper (the code that
// maps a live publisher's FLV tag bodies to access units) into a media::MediaSink. Nothing is
// decoded here. Single-threaded; the sink is called synchronously from the caller's thread.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "media/media_sink.h"
#include "media/track.h"

namespace steadycast::bench {

// Input files larger than this are refused before reading (a 20 s 1080p test file is ~10 MB).
inline constexpr uintmax_t kMaxInputBytes = uintmax_t{1} << 30;

base::Result<std::vector<uint8_t>> ReadInputFile(const std::string& path);

struct FlvProbe {
  media::VideoTrackConfig video;  // the first AVC sequence header
};

// Demuxes until the first video configuration (the ladder is planned from it).
base::Result<FlvProbe> ProbeFlv(std::span<const uint8_t> file);

struct FeedResult {
  uint64_t video_units = 0;
  uint64_t audio_units = 0;
  uint64_t map_errors = 0;  // tags the mapper refused (counted, skipped)
  int64_t first_video_pts = 0;
  int64_t last_video_pts = 0;
  // Presentation time covered by the video: pts span plus one frame interval.
  double MediaSeconds() const;
};

// Feeds the whole file (in 64 KiB pieces, as a socket would) into `sink`. Fails when the FLV
// itself is malformed; mapper errors on single tags are counted instead.
base::Result<FeedResult> FeedFlv(std::span<const uint8_t> file, media::MediaSink& sink);

}  // namespace steadycast::bench
