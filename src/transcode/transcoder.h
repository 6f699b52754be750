#pragma once
// Transcoder: one live stream's ABR ladder. A MediaSink that takes the publisher's
// media and writes one media stream per planned rendition into that rendition's MediaSink
// (normally its packager): the passthrough rendition gets the source units unchanged; each
// transcoded rendition gets its own H.264 (x264) stream with IDRs at the same presentation
// times as every other rendition, plus the source audio.
//
// Pipeline (README.md has the diagram):
//   caller (publisher strand) ── passthrough sink (direct, never dropped)
//        └─ decode queue ─▶ decode thread (one libavcodec decode) ─▶ per-rendition queues
//             ─▶ rendition workers (scale + x264 + audio interleave) ─▶ rendition sinks
//
// Keyframe alignment (keyframe_policy.h): with a passthrough rendition, the IDR frames are
// chosen on the caller thread from the complete source stream by mirroring the packager's
// segmenter (source keyframe whose dts is ≥ target after the last cut), so drops further
// down never move a cut. Without one, IDRs follow a fixed cadence of `target` by pts.
//
// Audio: the source audio (AAC-LC normally; anything else is passed on the same way) is
// shared by all renditions unchanged, muxed into every variant; no re-encode.
//
// Threading: OnVideoConfig / OnAudioConfig / OnAccessUnit / Flush are called from one thread
// at a time (the publisher's strand). Each sink is called from one thread at a time: the
// passthrough sink from the caller's thread, each transcoded sink from its worker's thread.
// Stats() is thread-safe. Sinks must outlive the Transcoder; destruction stops the threads
// without draining (call Flush() first to get the tail out).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/buffer.h"
#include "base/clock.h"
#include "base/status.h"
#include "media/media_sink.h"
#include "transcode/keyframe_policy.h"
#include "transcode/ladder.h"
#include "transcode/ladder_degrader.h"
#include "transcode/ladder_transcoder.h"
#include "transcode/rendition_worker.h"
#include "transcode/work_queue.h"

namespace steadycast::transcode {

enum class LatencyMode {
  kStandard,  // x264 preset as configured; B-frames and lookahead (capped to ~1/2 segment)
  kLow,       // tune=zerolatency: no B-frames, no lookahead, frames leave the encoder at once
};

// The slate: what viewers see while the stream waits for its publisher.
struct SlateOptions {
  bool enabled = false;
  // PNG or JPEG shown instead of the generated card ("THE STREAM WILL RESUME SHORTLY").
  std::string image_path;
  // Hold() without media for this long: the slate starts.
  double start_after_seconds = 1.0;
  // The passthrough rendition cannot show the slate by passing anything through: a small
  // encoder at the source's size feeds it the slate at this rate.
  int passthrough_kbps = 800;
};

struct TranscoderOptions {
  LatencyMode latency_mode = LatencyMode::kStandard;
  std::string preset = "veryfast";  // x264 preset
  // x264 threads for the whole stream, shared by its encoders (each gets max(1, budget / n)),
  // so that two ladders on two cores degrade evenly instead of starving each other.
  int threads_per_stream = 2;
  int decoder_threads = 1;
  double target_segment_seconds = 2.0;  // must equal the packager's target
  // The packager's timeline-break rule (max_segment_seconds), mirrored for the cut decisions.
  double timeline_break_seconds = 12.0;
  // Decode queue: source access units waiting for the decoder. When full, video is dropped
  // until the next source keyframe (a gap the decoder can recover from).
  size_t decode_queue_frames = 90;
  size_t decode_queue_bytes = 32 * 1024 * 1024;
  // Per rendition: decoded pictures waiting for the encoder (each up to a raw source picture).
  size_t rendition_queue_frames = 8;
  double audio_hold_seconds = 5.0;
  // Offline/tests: wait for room instead of dropping (the caller is slowed down instead).
  bool block_when_full = false;
  // 0: the shared intermediate bicubic, the rungs bilinear from it (one rung: bicubic).
  int sws_flags = 0;
  base::Clock* clock = nullptr;  // for speed measurement; the real clock when null
  // Per-rendition real-time watchdog: a rendition persistently behind switches to the next
  // faster x264 preset at its next forced IDR (rendition_worker.h).
  WatchdogOptions watchdog;
  // Called on a transcoded rendition's worker thread, after all output for the old source
  // configuration, when the source video configuration changed mid-stream. The passthrough
  // packager closes its open segment on its own config change; the owner should make the
  // transcoded rendition's packager do the same (StreamPackager::OnDiscontinuity), because
  // the transcoded output config does not change and would otherwise not close it.
  std::function<void(size_t rendition_index)> on_source_changed;
  SlateOptions slate;
  // Stream-wide degradation (ladder_degrader.h): when faster presets are not enough, the
  // highest transcoded rung stops encoding at a forced IDR until the ladder keeps up with
  // margin again. Off when the watchdog is off.
  DegraderOptions degrader;
  // Called on rendition `rendition_index`'s worker thread when it pauses (after its encoder
  // drained: the open segment is complete) and when it resumes (before the resuming IDR
  // reaches its sink). The owner tells the packager (StreamPackager::SetRenditionPaused).
  std::function<void(size_t rendition_index, bool paused)> on_rendition_paused;
};

struct TranscoderStats {
  uint64_t video_in = 0;
  uint64_t audio_in = 0;
  uint64_t source_dropped = 0;  // video dropped at the decode queue (decoder overloaded)
  uint64_t decoded_frames = 0;
  uint64_t decode_errors = 0;
  uint64_t forced_idrs = 0;       // IDRs requested of the transcoded renditions
  uint64_t long_source_gops = 0;  // source keyframe intervals > 4 s seen (passthrough mode)
  size_t decode_queue_frames = 0;
  bool holding = false;         // waiting for the publisher (Hold() until its return)
  bool slate_active = false;    // the slate is on the air
  uint64_t slate_pictures = 0;  // slate pictures sent to the encoders (all holds)
  uint64_t holds = 0;
  // Process isolation (worker/remote_transcoder.h); zero for the in-process transcoder.
  uint64_t worker_restarts = 0;     // worker processes started again after a failure
  bool worker_gave_up = false;      // too many failures: passthrough only for this broadcast
  uint64_t link_video_dropped = 0;  // source video not sent to a slow worker (bounded queue)
  std::string slate_error;          // why the last hold could not show a slate (empty: it could)
  std::vector<RenditionStats> renditions;  // plan order
  // Degradation level (0 normal, 1 faster presets, 2+ paused rungs), the reason of its last
  // change and the rungs paused (LadderDegrader).
  DegradationState degradation;
};

class DecodeStage;
struct SourceItem;

class Transcoder : public LadderTranscoder {
 public:
  // `sinks[i]` receives rendition `plan.renditions[i]`. Fails if the counts differ, a sink is
  // null, or libx264 is unavailable. Threads start here.
  static base::Result<std::unique_ptr<Transcoder>> Create(LadderPlan plan,
                                                          TranscoderOptions options,
                                                          std::vector<media::MediaSink*> sinks);
  ~Transcoder() override;
  Transcoder(const Transcoder&) = delete;
  Transcoder& operator=(const Transcoder&) = delete;

  void OnVideoConfig(const media::VideoTrackConfig& config) override;
  void OnAudioConfig(const media::AudioTrackConfig& config) override;
  void OnAccessUnit(const media::AccessUnit& unit) override;

  // Drains the decoder and every encoder and writes everything out (end of stream, or before
  // a discontinuity); returns when every rendition's sink has received it. The next source
  // keyframe starts fresh encoders (each begins with an IDR).
  void Flush() override;

  // The reconnect window (needs options.slate.enabled; without it the owner flushes and cuts
  // a discontinuity instead). The publisher is gone but the broadcast goes on, on one
  // timeline: nothing is flushed or cut now. From Tick(), once no media arrived for
  // slate.start_after_seconds, every rendition gets the slate (a still picture and silent
  // AAC) with timestamps that continue the broadcast; the passthrough rendition gets it from a
  // small encoder of its own (so it changes configuration: the packager marks a discontinuity
  // there, and again at the return). When media comes back, everything before the next
  // source keyframe is dropped, the slate ends there, and the new publisher's timestamps are
  // shifted to continue the timeline; every rendition cuts a segment at that keyframe
  // (AccessUnit::segment_start), so transcoded renditions need no discontinuity at either end.
  void Hold() override;
  // Drives the slate while holding (call every ≤ 100 ms, on the caller's thread): emits
  // slate pictures and silence up to the wall-clock position of the timeline (it runs from
  // the last media at real time), catching up at most ~3× real time per call.
  void Tick() override;

  TranscoderStats Stats() const override;
  // Just the degradation state (cheap: for a 100 ms health poll).
  DegradationState Degradation() const override;
  const LadderPlan& plan() const { return plan_; }

 private:
  Transcoder(LadderPlan plan, TranscoderOptions options, std::vector<media::MediaSink*> sinks);
  void Start();
  // Inserts a flush marker into the pipeline (and resets the cut mirror); returns its id.
  uint64_t PushFlush(bool source_changed, bool must_deliver);
  void PushControl(SourceItem item, bool must_deliver);
  void PushVideo(const media::AccessUnit& unit, bool force_idr);
  bool AllFlushed(uint64_t id) const;
  // Slate and timeline (transcoder_slate.cc).
  void Resume(const media::AccessUnit& keyframe);
  bool StartSlate();
  void EndSlate();
  void EmitSlatePicture();
  // One silent frame into every transcoded rendition (and the slate worker while the slate is
  // on); `passthrough_too`: also straight into the passthrough sink (after the slate).
  void EmitSilence(bool passthrough_too = false);
  RenditionWorker* SlateWorker();
  // Records an outgoing (timeline-mapped) unit: last times and frame durations.
  void Track(const media::AccessUnit& unit);
  int64_t NextVideoTime() const;

  const LadderPlan plan_;
  const TranscoderOptions options_;
  media::MediaSink* passthrough_sink_ = nullptr;
  std::vector<std::unique_ptr<RenditionWorker>> workers_;  // transcoded renditions
  std::unique_ptr<DecodeStage> decode_;

  // Caller-thread state.
  const bool cut_on_source_keyframes_;  // a passthrough rendition decides the cuts
  SegmentCutMirror cut_mirror_;
  std::optional<media::VideoTrackConfig> video_config_;
  std::optional<media::AudioTrackConfig> audio_config_;
  bool skip_until_keyframe_ = false;  // a video unit was dropped at the decode queue
  std::optional<int64_t> last_keyframe_dts_;
  uint64_t next_flush_id_ = 1;

  // Timeline (caller thread): source time + offset_ = output time; the offset changes when a
  // publisher returns after Hold(), so the broadcast's timeline never jumps.
  base::Clock& clock_;
  int64_t offset_ = 0;
  base::Clock::MonotonicTime last_media_time_{};
  std::optional<int64_t> max_video_pts_;  // output times
  std::optional<int64_t> last_video_dts_;
  std::optional<int64_t> last_audio_dts_;
  int64_t video_frame_ticks_ = 3000;
  int64_t audio_frame_ticks_ = 1920;
  std::optional<media::VideoTrackConfig> pending_video_config_;  // arrived while holding
  std::optional<media::AudioTrackConfig> pending_audio_config_;

  // Slate (caller thread).
  bool holding_ = false;
  bool slate_active_ = false;
  bool slate_failed_ = false;  // this hold cannot show a slate (logged once)
  std::shared_ptr<const AVFrame> slate_picture_;
  int slate_width_ = 0;
  int slate_height_ = 0;
  std::optional<media::AudioTrackConfig> silence_config_;
  base::Buffer silence_;      // one silent AAC frame for silence_config_ (empty: none possible)
  int64_t slate_origin_ = 0;  // output time of the first slate picture ≈ last media + 1 frame
  int64_t next_slate_pts_ = 0;
  int64_t next_silence_dts_ = 0;
  bool fill_silence_ = false;  // after a slate: silence up to the first source audio
  CadenceCutter slate_cadence_;
  // The passthrough rendition's slate encoders (one per source size seen; the decode thread
  // may hold a pointer to any of them until the Transcoder is destroyed).
  std::vector<std::unique_ptr<RenditionWorker>> slate_workers_;
  RenditionWorker* slate_worker_ = nullptr;  // of the current source size
  std::atomic<bool> holding_flag_{false};
  std::atomic<bool> slate_flag_{false};
  std::atomic<uint64_t> holds_{0};
  mutable std::mutex slate_error_mu_;
  std::string slate_error_;

  std::atomic<uint64_t> video_in_{0};
  std::atomic<uint64_t> audio_in_{0};
  std::atomic<uint64_t> source_dropped_{0};
  std::atomic<uint64_t> forced_idrs_{0};
  std::atomic<uint64_t> long_source_gops_{0};

  // Stream-wide degradation decisions, asked by the workers at their forced IDRs.
  mutable std::mutex degrader_mu_;
  std::unique_ptr<LadderDegrader> degrader_;

  mutable std::mutex flush_mu_;
  std::condition_variable flush_cv_;
};

}  // namespace steadycast::transcode
