#pragma once
// CMAF/fMP4 media segment writer (ISO/IEC 14496-12 §8.8 movie fragments, ISO/IEC 23000-19
// §7.3.2 CMAF fragment): `styp` + one `moof` with one `traf` per track + one `mdat`.
//
//   styp | moof [ mfhd | traf(video) [tfhd tfdt trun] | traf(audio) [tfhd tfdt trun] ] | mdat
//                                                                                      [video…|audio…]
//
// Each `traf` has `tfhd` with default-base-is-moof, `tfdt` version 1 (64-bit
// baseMediaDecodeTime) and `trun` version 1 (signed composition offsets) whose data_offset
// points from the start of `moof` to the track's run inside `mdat`. One moof with both tracks
// is what hls.js, Safari and ffmpeg handle best for a muxed HLS rendition.
//
// Pure functions: bytes out, no I/O. Thread-safe (no shared state).

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/buffer.h"
#include "base/status.h"
#include "media/access_unit.h"

namespace steadycast::formats::fmp4 {

// sample_flags (§8.8.3.1): a sync sample does not depend on others (sample_depends_on = 2);
// a non-sync sample depends on others (1) and sets sample_is_non_sync_sample.
inline constexpr uint32_t kSyncSampleFlags = 0x02000000;
inline constexpr uint32_t kNonSyncSampleFlags = 0x01010000;

struct Sample {
  base::Buffer data;               // shared with the access unit, copied once into mdat
  uint32_t duration = 0;           // in the track's media timescale
  int32_t composition_offset = 0;  // pts - dts in the track's media timescale
  bool sync = true;
};

struct TrackRun {
  uint32_t track_id = 0;
  uint64_t base_media_decode_time = 0;  // tfdt: decode time of the first sample
  std::vector<Sample> samples;
};

struct MediaSegmentSpec {
  uint32_t sequence_number = 1;  // mfhd: increases by one per fragment, starting at 1
  std::vector<TrackRun> tracks;  // tracks without samples are left out
};

// Largest mdat payload accepted (32-bit box sizes are used throughout).
inline constexpr uint64_t kMaxMediaSegmentBytes = 0xF0000000;

// Builds `styp` + `moof` + `mdat`. Fails with kInvalidArgument when no track has samples, a
// track id is 0, or the payload exceeds kMaxMediaSegmentBytes.
base::Result<base::Buffer> BuildMediaSegment(const MediaSegmentSpec& spec);

// Video samples from access units in decode order (90 kHz timestamps, which are also the
// video media timescale). Durations are dts deltas; the last sample lasts until `next_dts`
// (the next fragment's first dts) when known, else as long as the previous sample, else
// `fallback_duration`. Negative deltas (broken input) become 0.
std::vector<Sample> VideoSamples(std::span<const media::AccessUnit> units,
                                 std::optional<int64_t> next_dts, uint32_t fallback_duration);

// Audio samples: every AAC frame lasts `samples_per_frame` ticks of the sample-rate timescale.
std::vector<Sample> AudioSamples(std::span<const media::AccessUnit> units,
                                 uint32_t samples_per_frame);

// Converts `ticks` of `from_timescale` into `to_timescale`, rounding to nearest, without
// overflow for any 64-bit input a live stream can reach.
int64_t RescaleTime(int64_t ticks, int64_t from_timescale, int64_t to_timescale);

}  // namespace steadycast::formats::fmp4
