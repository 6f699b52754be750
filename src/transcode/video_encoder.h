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

// The three SPS bytes an RFC 6381 "avc1.PPCCLL" codec string is made of.
struct H264Signature {
  uint8_t profile_idc = 0;
  uint8_t constraint_flags = 0;  // constraint_set0..5 flags, most significant bit first
  uint8_t level_idc = 0;
  bool operator==(const H264Signature&) const = default;
};

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
  // Encode under another stream's profile, constraint flags and level (the passthrough
  // rendition's slate, so that variant's CODECS never changes). Profiles x264 produces in 8-bit
  // 4:2:0 (Baseline 66, Main 77, High 100) are matched by forcing x264's profile and the coding
  // tools it implies; the level is x264's level; constraint flags the source sets and x264 does
  // not are set in the SPS only where they provably hold for this encoder's output (see
  // MatchConstraintFlags). nullopt: x264's own choice.
  std::optional<H264Signature> match;
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
// (what libx264 writes with the global header flag). With `match`, the SPS's constraint flags
// become MatchConstraintFlags(its own, match, no_b_frames) when its profile and level are
// already match's.
base::Result<media::VideoTrackConfig> ConfigFromExtradata(
    std::span<const uint8_t> extradata, const std::optional<H264Signature>& match = std::nullopt,
    bool no_b_frames = false);

// The constraint flags byte to write into an x264 SPS of profile `wanted.profile_idc` so that it
// equals `wanted.constraint_flags`, or nullopt when a flag the source sets cannot be claimed
// (H.264 §7.4.2.1.1). Clearing a flag is always true. Setting one must be true of x264's
// output: set0/set1 only as x264 itself sets them (Baseline: both; Main: set1); set2 (Extended
// conformance) for Baseline (x264 always signals direct_8x8_inference); set4 (frame_mbs_only:
// x264 codes progressive frames) for Main and High; set5 (no B slices) for Main and High when
// `no_b_frames`. set3 (level 1b or intra-only) never.
std::optional<uint8_t> MatchConstraintFlags(uint8_t own, const H264Signature& wanted,
                                            bool no_b_frames);

}  // namespace steadycast::transcode
