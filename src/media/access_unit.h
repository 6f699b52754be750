#pragma once
// The media model shared by every pipeline stage: one access unit = one video frame or one
// audio frame, with timestamps in a 90 kHz timebase regardless of the ingest protocol.

#include <cstdint>

#include "base/buffer.h"

namespace steadycast::media {

inline constexpr int64_t kTimescale = 90'000;  // ticks per second of pts/dts

enum class TrackKind { kVideo, kAudio };
enum class Codec { kH264, kH265, kAac };

struct AccessUnit {
  TrackKind kind = TrackKind::kVideo;
  Codec codec = Codec::kH264;
  int64_t pts = 0;             // 90 kHz, monotonic-ish, may start anywhere (not rebased)
  int64_t dts = 0;             // 90 kHz; equals pts for audio
  bool keyframe = false;       // IDR for video; always true for audio
  bool maybe_corrupt = false;  // set by ingest when input loss was detected inside this unit
  // A video keyframe that must begin a new segment even before the segment target is reached
  // (the transcoder's switch points into and out of a slate, so that every rendition cuts at
  // the same time). Listed as a discontinuity in every rendition (the passthrough rendition's
  // encoding changes there), but the timeline continues.
  bool segment_start = false;
  // Video: NAL units, each prefixed with a 4-byte big-endian length (AVCC/HVCC sample form).
  // Audio: one raw AAC frame (no ADTS header).
  base::Buffer data;
};

}  // namespace steadycast::media
