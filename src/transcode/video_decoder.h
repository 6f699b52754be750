#pragma once
// VideoDecoder: libavcodec H.264 / H.265 decoding of access units (4-byte length-prefixed NAL
// units, 90 kHz timestamps) into frames whose pts is the source pts. H.264 is opened with the
// avcC record as extradata (ISO/IEC 14496-15 §5.3.3.1) and fed length-prefixed samples;
// H.265 from MPEG-TS carries its parameter sets in band, so its samples are rewritten to
// Annex B (ITU-T H.265 Annex B) for the decoder.
//
// Owned by the transcoder's decode thread; not thread-safe. Frames handed to the callback are
// valid only during the call (clone them to keep them).

#include <functional>
#include <memory>
#include <vector>

#include "base/status.h"
#include "media/access_unit.h"
#include "media/track.h"
#include "transcode/av_util.h"

namespace steadycast::transcode {

class VideoDecoder {
 public:
  using FrameCallback = std::function<void(const AVFrame& frame)>;

  // `threads`: libavcodec decoding threads (1 keeps latency and CPU use predictable).
  static base::Result<std::unique_ptr<VideoDecoder>> Open(const media::VideoTrackConfig& config,
                                                          int threads);

  // Decodes one access unit; calls `on_frame` for each frame that comes out (in pts order).
  // An undecodable unit returns an error; the decoder stays usable.
  base::Status Decode(const media::AccessUnit& unit, const FrameCallback& on_frame);
  // Outputs every frame still held for reordering, then resets the decoder so that it can
  // take a new stream (starting with a keyframe).
  base::Status Drain(const FrameCallback& on_frame);

 private:
  VideoDecoder(av::CodecContextPtr context, bool annex_b)
      : context_(std::move(context)), annex_b_(annex_b) {}
  base::Status Receive(const FrameCallback& on_frame);

  av::CodecContextPtr context_;
  av::FramePtr frame_{av_frame_alloc()};
  av::PacketPtr packet_{av_packet_alloc()};
  bool annex_b_ = false;          // rewrite samples to Annex B (no extradata)
  std::vector<uint8_t> scratch_;  // the padded copy of the sample being decoded
};

}  // namespace steadycast::transcode
