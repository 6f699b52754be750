#pragma once
// VideoEncoder: one rendition's libx264 encoder (through libavcodec, AV_CODEC_ID_H264 "libx264")
// with keyframes only where the caller forces them, constrained VBR, and access units in the
// media model: 4-byte length-prefixed NAL units (ISO/IEC 14496-15 §5.3.2 sample form), pts/dts
// in 90 kHz, keyframe = IDR. The SPS/PPS go out of band (global header) as the rendition's
// VideoTrackConfig, built from the encoder's extradata with media/avc.h.
//
// Keyframes: x264 runs with keyint=infinite and scenecut=0, so the only IDRs are the first
// frame and the frames passed with force_idr (AV_PICTURE_TYPE_I + forced-idr).
//
// Timestamps: the encoder works in a 1/90000 time base, so an output frame's pts is its source
// frame's pts exactly. dts comes from x264 (which derives it from the reordered pts when
// B-frames are on), except on forced IDRs: those get `anchor_dts` minus a per-encoder constant,
// so the dts distance between two IDRs equals the distance between their anchors (the source
// keyframes' dts). The packager's segmenter cuts on keyframe dts, so every rendition then cuts
// on exactly the frames the passthrough rendition cuts on, even when the source timestamps
// jitter by a millisecond. dts stays strictly increasing and ≤ pts.
//
// Owned by one rendition worker thread; not thread-safe.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "media/access_unit.h"
#include "media/track.h"
#include "transcode/av_util.h"

namespace steadycast::transcode {

struct EncoderSettings {
  int width = 0;  // even, > 0
  int height = 0;
  int video_kbps = 0;      // target (ABR)
  int maxrate_kbps = 0;    // VBV max rate (0 = unconstrained)
  int bufsize_kbits = 0;   // VBV buffer
  double frame_rate = 30;  // output frames per second (VUI timing, rate control)
  std::string preset = "veryfast";
  bool low_latency = false;  // tune=zerolatency: no B-frames, no lookahead
  // A degradation step to ultrafast keeps CABAC and 8x8 transforms, so the H.264 profile (and
  // the master playlist's CODECS, which players read once) stays High.
  bool keep_profile = false;
  // Lookahead cap in frames for slow presets (latency within the segment budget); -1 = keep.
  int max_lookahead = -1;
  int threads = 1;
  // Continue the forced-IDR dts anchoring of a previous encoder of the same rendition (a preset
  // change at a segment boundary), so IDR dts distances stay equal to the source's across it.
  std::optional<int64_t> anchor_offset;
};

class VideoEncoder {
 public:
  static base::Result<std::unique_ptr<VideoEncoder>> Open(const EncoderSettings& settings);

  // The rendition's track config (avcC from the encoder's SPS/PPS, size, profile, level).
  const media::VideoTrackConfig& config() const { return config_; }
  // anchor dts − output dts of the forced IDRs, once the first one came out.
  std::optional<int64_t> anchor_offset() const { return anchor_offset_; }

  // Encodes one picture (8-bit 4:2:0 at the configured size, pts in 90 kHz strictly
  // increasing). Appends the access units that come out (the encoder delays them by its
  // lookahead and B-frames). The frame's pict_type is overwritten.
  base::Status Encode(AVFrame& frame, bool force_idr, int64_t anchor_dts,
                      std::vector<media::AccessUnit>& out);
  // Outputs every delayed frame. The encoder is finished afterwards.
  base::Status Drain(std::vector<media::AccessUnit>& out);

 private:
  VideoEncoder(av::CodecContextPtr context, media::VideoTrackConfig config,
               std::optional<int64_t> anchor_offset)
      : context_(std::move(context)), config_(std::move(config)), anchor_offset_(anchor_offset) {}
  base::Status Receive(std::vector<media::AccessUnit>& out);
  int64_t OutputDts(const AVPacket& packet);

  av::CodecContextPtr context_;
  media::VideoTrackConfig config_;
  av::PacketPtr packet_{av_packet_alloc()};
  std::map<int64_t, int64_t> anchors_;  // pts of a forced IDR → its anchor dts
  std::optional<int64_t> anchor_offset_;
  std::optional<int64_t> last_dts_;
};

// Builds a VideoTrackConfig from H.264 encoder extradata: an avcC record, or Annex B SPS/PPS
// (what libx264 writes with the global header flag).
base::Result<media::VideoTrackConfig> ConfigFromExtradata(std::span<const uint8_t> extradata);

}  // namespace steadycast::transcode
