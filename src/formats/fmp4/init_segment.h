#pragma once
// CMAF/fMP4 initialization segment writer (ISO/IEC 14496-12 §8 "moov" with "mvex", ISO/IEC
// 23000-19 §7.3.1 CMAF header): `ftyp` + `moov` describing up to one H.264 video track and one
// AAC audio track, with empty sample tables (all samples live in movie fragments).
//
// Brands: major "iso6" (ISO/IEC 14496-12 6th edition: `tfdt` and default-base-is-moof), compatible
// "iso6", "mp41", plus "cmfc" only when the header carries a single track: CMAF §7.3 requires one
// track per CMAF header, and our muxed audio+video header (what hls.js, Safari and ffmpeg all play
// from one HLS rendition) is therefore plain ISO BMFF fragmented MP4, not CMAF. Safari, hls.js,
// ffmpeg and Chrome's MSE accept both variants; none of them requires "cmfc".
//
// Pure function: bytes out, no I/O. Thread-safe (no shared state).

#include <cstdint>
#include <optional>

#include "base/buffer.h"
#include "base/status.h"
#include "media/track.h"

namespace steadycast::formats::fmp4 {

// Fixed track ids, so every media segment of a stream agrees with every init segment.
inline constexpr uint32_t kVideoTrackId = 1;
inline constexpr uint32_t kAudioTrackId = 2;
// Video media timescale (`mdhd`): the 90 kHz of the media model, so dts/pts go on the wire as is.
inline constexpr uint32_t kVideoTimescale = 90'000;
// Movie timescale (`mvhd`): only used for the (zero) movie duration.
inline constexpr uint32_t kMovieTimescale = 1'000;

struct InitSegmentSpec {
  std::optional<media::VideoTrackConfig> video;
  std::optional<media::AudioTrackConfig> audio;
  // esds DecoderConfigDescriptor bit rates (ISO/IEC 14496-1 §7.2.6.6); 0 = unknown/variable,
  // which is what a live packager knows before the first segment.
  uint32_t audio_max_bitrate = 0;
  uint32_t audio_avg_bitrate = 0;
};

// Audio media timescale: the sample rate, so each AAC frame lasts exactly samples_per_frame ticks.
inline uint32_t AudioTimescale(const media::AudioTrackConfig& config) {
  return static_cast<uint32_t>(config.sample_rate);
}

// Builds `ftyp` + `moov`. Fails with kInvalidArgument on a config that cannot be described
// (no track, empty avcC/ASC, sizes out of range) and kUnimplemented for codecs other than
// H.264 and AAC.
base::Result<base::Buffer> BuildInitSegment(const InitSegmentSpec& spec);

}  // namespace steadycast::formats::fmp4
