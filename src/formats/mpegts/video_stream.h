#pragma once
// VideoStream: turns the PES packets of one H.264 (stream_type 0x1B, ISO/IEC 13818-1 §2.14)
// or H.265 (stream_type 0x24, §2.17) elementary stream into access units. Both carry an
// Annex B byte stream (ITU-T H.264 Annex B, H.265 Annex B).
//
// Each PES packet is taken as one access unit: encoders and muxers (x264/FFmpeg, GStreamer,
// OBS, hardware encoders) write one picture per PES, and the PES carries its PTS/DTS. A PES
// without PTS cannot be timed and is dropped (dropped_units).
//
// H.264: access unit delimiters (type 9) are dropped. SPS (7) and PPS (8) are stripped from
// the access units and reported out of band: when the set seen in-band first appears or
// changes, it becomes a VideoTrackConfig (media::BuildAvcDecoderConfig +
// media::VideoConfigFromAvcc, so avcC, size, profile and frame rate come from the SPS) and
// OnVideoConfig runs before the access unit that carried it. The media model's consumers
// (CMAF 'avc1' sample entries, decoders opened from avcC) take parameter sets from the
// config, as with RTMP. keyframe = the unit contains an IDR slice (type 5).
//
// H.265: no hvcC is built yet, so the config is minimal (codec only, reported once when the
// first VPS/SPS/PPS is seen) and parameter sets (32..34) stay in-band; only access unit
// delimiters (35) are dropped. keyframe = the unit contains an IRAP picture (types 16..23).
//
// Units before the first config are dropped (undecodable). Output NAL units carry 4-byte
// big-endian lengths. Not thread-safe; owned by the demuxer; the listener and stats must
// outlive it.

#include <optional>
#include <vector>

#include "base/buffer.h"
#include "formats/mpegts/pes.h"
#include "formats/mpegts/ts_listener.h"
#include "media/access_unit.h"
#include "media/track.h"

namespace steadycast::formats::mpegts {

class VideoStream {
 public:
  // `codec` is kH264 or kH265.
  VideoStream(media::Codec codec, TsDemuxerListener& listener, TsDemuxerStats& stats);

  void Push(const PesPayload& pes);

  media::Codec codec() const { return codec_; }

 private:
  struct Converted {
    std::vector<uint8_t> bytes;  // 4-byte length-prefixed NAL units kept for the unit
    bool keyframe = false;
    size_t nal_units = 0;  // found in the PES, kept or not
  };
  // Rewrites the NAL units to length-prefixed form, dropping what the output never carries,
  // and takes the parameter sets into the config.
  Converted ConvertH264(std::span<const uint8_t> stream);
  Converted ConvertH265(std::span<const uint8_t> stream);
  void UpdateH264Config(std::vector<base::Buffer> sps, std::vector<base::Buffer> pps);

  const media::Codec codec_;
  TsDemuxerListener& listener_;
  TsDemuxerStats& stats_;
  std::optional<media::VideoTrackConfig> config_;  // as last reported
  std::vector<base::Buffer> sps_;                  // the parameter sets last seen in-band
  std::vector<base::Buffer> pps_;
};

}  // namespace steadycast::formats::mpegts
