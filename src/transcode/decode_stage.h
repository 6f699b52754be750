#pragma once
// DecodeStage: the transcoder's decode thread. Takes the source stream from its bounded queue,
// decodes every picture once (VideoDecoder), decides per picture which renditions get it
// (FrameDecimator) and whether it must become an IDR (the caller's SegmentCutMirror decision
// carried with the source unit, or CadenceCutter by pts when there is no passthrough), and
// hands each rendition worker its own reference to the shared picture. Audio and flush markers
// go to every worker in stream order. Slate pictures (already decoded, at the source's size)
// take the same way as decoded ones, plus the passthrough rendition's slate worker.
//
// Threading: Push/Stats from the caller's thread (any), everything else on the decode thread.
// The workers must outlive the stage (the Transcoder stops the stage first).

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "media/access_unit.h"
#include "media/track.h"
#include "transcode/keyframe_policy.h"
#include "transcode/rendition_worker.h"
#include "transcode/scaler.h"
#include "transcode/video_decoder.h"
#include "transcode/work_queue.h"

namespace steadycast::transcode {

struct SourceItem {
  enum class Kind {
    kVideoConfig,
    kAudioConfig,
    kVideo,
    kAudio,
    kFlush,
    // The publisher is gone (reconnect window): decode what the decoder still holds; the
    // encoders keep running (the slate or the returning publisher continues their timeline).
    kDrainDecoder,
    // Slate (transcoder.h): begin (attaches the passthrough rendition's slate worker, if any),
    // one still picture, end (drains that worker; `flush_id` is its flush marker).
    kSlateBegin,
    kSlatePicture,
    kSlateEnd,
  };
  Kind kind = Kind::kVideo;
  media::VideoTrackConfig video_config;
  media::AudioTrackConfig audio_config;
  bool has_audio_config = false;  // kSlateBegin: send `audio_config` to the slate worker
  media::AccessUnit unit;
  bool force_idr = false;  // the caller's cut decision for this source picture
  // This picture begins a segment in every rendition (a slate switch point).
  bool segment_start = false;
  bool slate = false;  // kAudio: slate silence (also for the passthrough's slate worker)
  std::shared_ptr<const AVFrame> picture;   // kSlatePicture (pts set)
  RenditionWorker* slate_worker = nullptr;  // kSlateBegin
  uint64_t flush_id = 0;
  bool source_changed = false;
  bool must_deliver = false;  // an explicit Flush() waits for this marker
};

struct DecodeStageOptions {
  int decoder_threads = 1;
  size_t queue_frames = 90;
  size_t queue_bytes = 32 * 1024 * 1024;
  // true: IDRs where the caller marked them (mirroring the passthrough segmenter);
  // false: CadenceCutter every target_ticks by pts.
  bool cut_on_source_keyframes = true;
  int64_t target_ticks = 2 * media::kTimescale;
  // Shared scaling intermediate: a decoded picture larger than this is scaled once, here, to
  // this size (the largest transcoded rung), and every rung scales from that instead of from
  // the source. 0 = off. (1080p source: one 1080p→720p scale instead of four from 1080p;
  // cascaded bicubic differs from direct by SSIM ≥ 0.9997, bench/abr_ladder.)
  int intermediate_width = 0;
  int intermediate_height = 0;
  int sws_flags = 0;
};

class DecodeStage {
 public:
  // `workers[i]` keeps every `divisors[i]`-th picture.
  DecodeStage(DecodeStageOptions options, std::vector<RenditionWorker*> workers,
              std::vector<int> divisors);
  ~DecodeStage();
  DecodeStage(const DecodeStage&) = delete;
  DecodeStage& operator=(const DecodeStage&) = delete;

  void Start();
  void Stop();  // no drain
  bool Push(SourceItem item, Weight weight, PushMode mode);

  size_t queue_frames() const { return queue_.frames(); }
  uint64_t decoded_frames() const { return decoded_frames_.load(); }
  uint64_t decode_errors() const { return decode_errors_.load(); }
  uint64_t slate_pictures() const { return slate_pictures_.load(); }

 private:
  struct Side {
    int64_t dts = 0;
    bool force_idr = false;
    bool segment_start = false;
  };

  void Run();
  void HandleVideo(const SourceItem& item);
  void HandleFlush(const SourceItem& item);
  void DrainDecoder();
  void Distribute(const AVFrame& frame);
  // Hands `frame` to every rendition that keeps it (and to `also`, without decimation).
  void Fan(const AVFrame& frame, Side side, RenditionWorker* also);
  void CountError(const base::Status& status);

  const DecodeStageOptions options_;
  std::vector<RenditionWorker*> workers_;
  std::vector<FrameDecimator> decimators_;
  WorkQueue<SourceItem> queue_;
  std::thread thread_;

  // Decode thread state.
  std::unique_ptr<VideoDecoder> decoder_;
  bool need_keyframe_ = true;
  std::map<int64_t, Side> side_;  // by source pts, until the picture leaves the decoder
  CadenceCutter cadence_;
  std::optional<Scaler> intermediate_;
  RenditionWorker* slate_worker_ = nullptr;  // between kSlateBegin and kSlateEnd

  std::atomic<uint64_t> decoded_frames_{0};
  std::atomic<uint64_t> decode_errors_{0};
  std::atomic<uint64_t> slate_pictures_{0};
};

}  // namespace steadycast::transcode
