#pragma once
// RenditionWorker: one transcoded rendition's thread. Takes decoded source pictures (shared by
// reference with the other renditions) and the source audio from its bounded queue, scales
// and encodes the pictures (Scaler + VideoEncoder), and writes the rendition's media stream
// into its MediaSink: the video config (from the encoder's SPS/PPS), the audio config, and the
// access units, audio held back by an AudioInterleaver so both tracks arrive interleaved by dts.
//
// Threading: Push* are called by the transcoder's decode thread; everything else (including
// every MediaSink call) happens on the worker's own thread, so the sink sees one thread at a
// time. Stats() may be called from any thread. The sink must outlive the worker.
//
// Queue policy (real time): a picture that finds the queue full is dropped (counted), except a
// forced IDR, which may use the queue's reserve (2×) so that keyframe alignment survives a
// short stall; audio is weighed in bytes only and kept. With `block_when_full` (offline runs,
// tests) the decode thread waits instead, so nothing is dropped.
//
// Real-time watchdog (first degradation step): a RealtimeWatchdog follows this
// rendition's media seconds per wall second (the injected clock), its full queue and its
// drops. When it reports the rendition behind, the worker switches to the next faster x264
// preset (veryfast → superfast → ultrafast, one step per cool-down) at the next forced IDR:
// the old encoder is drained and a new one opens on that IDR picture, so the switch lands
// exactly on a segment boundary and the IDR dts anchoring continues (alignment kept). The
// rendition's video config may change there (new SPS/PPS); the sink gets it before the IDR.
//
// Pausing (second step, decided stream-wide by the Transcoder's LadderDegrader through
// `at_idr`): at the forced IDR where the rendition pauses, the worker drains its encoder,
// sends the audio up to that IDR, calls `on_paused(true)` and from then on drops its pictures
// without scaling or encoding (the CPU saving; counted as `frames_skipped`). It resumes at a
// later forced IDR: `on_paused(false)` first, then an encoder with the same settings (same
// preset, frame rate and IDR anchoring: the same SPS, so no new init segment and no
// discontinuity), then that IDR goes to the sink.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "media/media_sink.h"
#include "transcode/audio_interleaver.h"
#include "transcode/av_util.h"
#include "transcode/ladder.h"
#include "transcode/ladder_degrader.h"
#include "transcode/realtime_watchdog.h"
#include "transcode/scaler.h"
#include "transcode/video_encoder.h"
#include "transcode/work_queue.h"

namespace steadycast::transcode {

// Counters of one rendition (a snapshot).
struct RenditionStats {
  std::string name;
  bool passthrough = false;
  uint64_t frames_in = 0;       // pictures (or passthrough units) accepted for this rendition
  uint64_t frames_out = 0;      // video access units written to the sink
  uint64_t frames_dropped = 0;  // queue full, out of order, or encoder unavailable
  uint64_t idr_dropped = 0;     // forced IDRs lost to a full queue (alignment broken once)
  uint64_t keyframes_out = 0;
  uint64_t audio_out = 0;
  uint64_t errors = 0;  // scale/encode failures, control items lost to a flooded queue
  size_t queue_frames = 0;
  double media_seconds = 0;  // presentation time encoded
  double busy_seconds = 0;   // wall time spent scaling and encoding
  // Media seconds per busy wall second: > 1 means this rendition alone keeps up.
  double encode_speed = 0;
  // Media seconds per wall second over the watchdog's window (0 before it has two samples).
  double realtime_speed = 0;
  std::string preset;           // x264 preset of new encoders (changes only at a forced IDR)
  uint32_t degradations = 0;    // watchdog steps to a faster preset so far
  bool paused = false;          // not encoding (degradation step 2), since a forced IDR
  uint64_t frames_skipped = 0;  // pictures not encoded while paused
  uint32_t pauses = 0;          // times paused so far
  std::string last_error;
};

struct WorkerOptions {
  std::string preset = "veryfast";
  bool low_latency = false;
  int max_lookahead = -1;
  int threads = 1;
  size_t queue_frames = 8;
  size_t queue_bytes = 4 * 1024 * 1024;  // audio waiting behind pictures
  int64_t audio_hold_ticks = 5 * media::kTimescale;
  bool block_when_full = false;
  int sws_flags = 0;
  base::Clock* clock = nullptr;
  WatchdogOptions watchdog;
  // Called on the worker thread at a flush that marks a source video configuration change.
  std::function<void()> on_source_changed;
  // Called on the worker thread after it finished a flush.
  std::function<void()> on_flushed;
  // The sink may receive another writer's configuration between flushes (the passthrough
  // rendition's slate worker): send the video and audio configs again after every flush.
  bool resend_config_after_flush = false;
  // Encode under this profile / constraint flags / level (EncoderSettings::match): the
  // passthrough rendition's slate worker takes the source's, so the variant's CODECS holds.
  std::optional<H264Signature> match_video;
  // Stream-wide degradation (LadderDegrader, via the Transcoder), all on the worker thread:
  // asked at every forced IDR with this rendition's verdict; true = be paused from this IDR.
  std::function<bool(const RungReport&)> at_idr;
  // The watchdog stepped this rendition to a faster preset (preset, speed).
  std::function<void(const std::string&, double)> on_preset_step;
  // Paused (after the encoder drained, before dropping pictures) or resumed (before the
  // resuming IDR reaches the sink).
  std::function<void(bool paused)> on_paused;
};

class RenditionWorker {
 public:
  RenditionWorker(RenditionPlan plan, WorkerOptions options, media::MediaSink& sink);
  ~RenditionWorker();  // stops and joins (no drain)
  RenditionWorker(const RenditionWorker&) = delete;
  RenditionWorker& operator=(const RenditionWorker&) = delete;

  void Start();
  // Returns false when the picture was dropped. `segment_start`: the IDR encoded from this
  // (forced) picture is marked media::AccessUnit::segment_start, so the packager cuts there.
  bool PushFrame(av::FramePtr frame, bool force_idr, int64_t anchor_dts,
                 bool segment_start = false);
  void PushAudioConfig(const media::AudioTrackConfig& config);
  void PushAudio(const media::AccessUnit& unit);
  // `must_deliver` (an explicit Flush() someone waits for): wait for room instead of dropping.
  void PushFlush(uint64_t flush_id, bool source_changed, bool must_deliver);
  void Stop();

  uint64_t flushed_id() const { return flushed_id_.load(); }
  const RenditionPlan& plan() const { return plan_; }
  const std::optional<H264Signature>& match_video() const { return options_.match_video; }
  RenditionStats Stats() const;

 private:
  enum class Kind { kFrame, kAudioConfig, kAudio, kFlush };
  struct Item {
    Kind kind = Kind::kFrame;
    av::FramePtr frame;
    bool force_idr = false;
    bool segment_start = false;
    int64_t anchor_dts = 0;
    media::AudioTrackConfig audio_config;
    media::AccessUnit audio;
    uint64_t flush_id = 0;
    bool source_changed = false;
  };

  void Run();
  void HandleFrame(Item item);
  void HandleAudioConfig(const media::AudioTrackConfig& config);
  void HandleFlush(const Item& item);
  base::Status OpenEncoder(double frame_rate, std::optional<int64_t> anchor_offset);
  void MaybeDegrade();
  // At a switch point (slate start, the publisher's return): a fresh encoder, same settings.
  void RestartRateControl();
  // At a forced IDR: asks `at_idr`; pauses or resumes. Returns whether paused now.
  bool ApplyPauseDecision(int64_t anchor_dts);
  RungReport Report();
  void Pause(int64_t anchor_dts);
  void Resume();
  void Skip(const Item& item);
  void Encode(const Item& item);
  void EmitVideo(std::vector<media::AccessUnit>& units);
  void SendAudio(std::vector<media::AccessUnit>& units);
  void SendAudioConfig();
  void RecordError(const base::Status& status);
  void PushControl(Item item, bool must_deliver);

  const RenditionPlan plan_;
  const WorkerOptions options_;
  media::MediaSink& sink_;
  base::Clock& clock_;
  WorkQueue<Item> queue_;
  std::thread thread_;
  std::atomic<uint64_t> flushed_id_{0};

  // Worker thread state.
  Scaler scaler_;
  std::unique_ptr<VideoEncoder> encoder_;
  bool encoder_failed_ = false;
  std::string preset_;  // of the next encoder to open
  bool paused_ = false;
  std::optional<int64_t> paused_anchor_offset_;  // of the encoder drained at the pause
  double frame_rate_ = 0;                        // of the open encoder
  std::optional<int64_t> last_video_dts_;        // across encoders of one run (between flushes)
  std::optional<Item> first_frame_;  // held to measure the frame rate when the plan has none
  std::optional<int64_t> last_pts_;
  std::optional<int64_t> segment_start_pts_;  // the IDR to mark when it leaves the encoder
  std::optional<media::VideoTrackConfig> sent_video_config_;
  std::optional<media::AudioTrackConfig> audio_config_;
  bool audio_config_sent_ = false;
  AudioInterleaver interleaver_;

  mutable std::mutex stats_mu_;
  RenditionStats stats_;
  RealtimeWatchdog watchdog_;  // guarded by stats_mu_
};

// A frame rate from the distance between two frames, snapped to a standard rate within 5 %.
double FrameRateFromInterval(int64_t ticks);

}  // namespace steadycast::transcode
