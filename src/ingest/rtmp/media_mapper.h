#pragma once
// MediaMapper: turns the bodies of RTMP audio (type 8) and video (type 9) messages, which are
// FLV tag bodies (FLV spec v10.1 §E.4.2, §E.4.3), into the media model: track configurations
// and access units in a 90 kHz timebase (media/access_unit.h).
//
//  - AVC sequence header → media::VideoConfigFromAvcc → OnVideoConfig (again only if changed)
//  - AVC NALU → AccessUnit: dts = ms * 90, pts = dts + composition time * 90, NAL lengths
//    rewritten to 4 bytes, keyframe = frame type 1
//  - AAC sequence header → media::ParseAudioSpecificConfig → OnAudioConfig (if changed)
//  - AAC raw → AccessUnit (pts = dts, keyframe)
//  - other codecs (H.263, VP6, HEVC, enhanced RTMP, MP3, Speex, ...) → kUnimplemented
//
// RTMP timestamps are 32-bit milliseconds that wrap after ~49.7 days and may jump; one
// TimestampExtender shared by both tracks turns them into 64-bit values (A/V stay aligned).
//
// Payloads are slices of the message buffers (no copy) unless NAL lengths need rewriting.
// Owned by the session; calls the sink synchronously; not thread-safe.

#include <cstdint>
#include <optional>

#include "base/buffer.h"
#include "base/status.h"
#include "media/media_sink.h"
#include "media/track.h"

namespace steadycast::ingest::rtmp {

// Extends wrapping 32-bit millisecond timestamps to 64 bits: each new value is placed at the
// signed 32-bit distance from the previous one, so wraps move forward and small reorderings
// move back. A distance of exactly 2^31 is ambiguous and taken as a forward jump.
class TimestampExtender {
 public:
  int64_t Extend(uint32_t timestamp_ms);

 private:
  bool started_ = false;
  uint32_t last_ = 0;
  int64_t extended_ = 0;
};

class MediaMapper {
 public:
  // `sink` must outlive the mapper.
  explicit MediaMapper(media::MediaSink& sink) : sink_(sink) {}

  base::Status OnVideo(uint32_t timestamp_ms, const base::Buffer& body);
  base::Status OnAudio(uint32_t timestamp_ms, const base::Buffer& body);

  // From onMetaData: used as the video frame rate when the SPS carries no timing info.
  void set_metadata_frame_rate(std::optional<double> fps) { metadata_frame_rate_ = fps; }

  // Frames that arrived before their track's sequence header (dropped: undecodable).
  uint64_t dropped_before_config() const { return dropped_before_config_; }
  // Empty AVC/AAC sequence headers skipped (ffmpeg -c copy sends one before the real one).
  uint64_t empty_sequence_headers() const { return empty_sequence_headers_; }

 private:
  media::MediaSink& sink_;
  TimestampExtender timestamps_;
  std::optional<media::VideoTrackConfig> video_config_;
  std::optional<media::AudioTrackConfig> audio_config_;
  int nal_length_size_ = 4;
  std::optional<double> metadata_frame_rate_;
  uint64_t dropped_before_config_ = 0;
  uint64_t empty_sequence_headers_ = 0;
};

}  // namespace steadycast::ingest::rtmp
