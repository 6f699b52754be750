#pragma once
// RemoteTranscoder: the ladder transcoded in a supervised child process
// (`steadycast worker transcode`, transcode_worker.h), with the role the in-process Transcoder
// has for a Broadcast (transcode/ladder_transcoder.h): a MediaSink taking the publisher's media
// and writing every rendition into its sink.
//
//   publisher strand ──▶ passthrough sink (direct: src flows while the worker is down)
//        └─▶ encode ─▶ OutgoingQueue (bounded) ─▶ writer thread ─▶ socketpair ─▶ worker
//   worker ─▶ socketpair ─▶ reader thread ─▶ transcoded rendition sinks (one thread at a time)
//   supervisor thread: start, watch (exit, hang, link error, reported failure), kill, restart
//
// Failure handling (restart_policy.h): a worker that exits, crashes, hangs (no output for
// `hang_timeout` while video goes in) or sends garbage is killed (SIGKILL) and started again
// after a back-off (0.1 s doubling to 8 s); meanwhile every transcoded rendition is paused
// (on_rendition_paused: the packager lists EXT-X-GAP segments, numbering stays in step). The
// new worker gets video from the next source keyframe the passthrough's segmenter cuts at (a
// SegmentCutMirror here), so its IDRs stay aligned, and each rendition resumes at its first
// IDR. After 5 failures within 60 s the stream stays passthrough only for this broadcast; the
// Degradation() reason tells the health module ("transcoder_restarted: ...",
// "transcoder_failed: ...").
//
// Slate: Hold() forwards the worker's passthrough output (the slate) to the source rendition
// until the returning publisher's first keyframe; from there the server feeds it again (the
// packager marks the discontinuity where the configuration changes back).
//
// Threading: the MediaSink calls, Flush, Hold and Tick from one thread at a time (the
// stream's); Flush waits at most `flush_timeout` for the worker. Stats/Degradation any thread.
// The passthrough sink is written under a mutex (the publisher strand, and the reader thread
// during a slate). Destruction stops the worker without draining.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "formats/worker_link/worker_link.h"
#include "transcode/keyframe_policy.h"
#include "transcode/ladder_transcoder.h"
#include "transcode/transcoder.h"
#include "worker/outgoing_queue.h"
#include "worker/restart_policy.h"

namespace steadycast::net {
class ChildProcess;
}

namespace steadycast::worker {

struct RemoteTranscoderOptions {
  std::string executable = "/proc/self/exe";
  std::vector<std::string> args = {"worker", "transcode"};
  int nice = 5;
  uint64_t memory_mb = 2048;  // RLIMIT_AS of the worker; 0: unlimited
  RestartPolicyOptions restart;
  std::chrono::milliseconds hang_timeout{3000};
  // Flush waits this long at most for the worker to drain (the in-process one waits as long as
  // its encoders take).
  std::chrono::milliseconds flush_timeout{5000};
  OutgoingQueueOptions queue;
  base::Clock* clock = nullptr;  // the real clock when null
};

class RemoteTranscoder final : public transcode::LadderTranscoder {
 public:
  // Starts the first worker (its start-up overlaps the first media, which queues meanwhile; a
  // worker that cannot start is a failure like any other). Fails only for a plan without transcoded
  // renditions or a bad sink list.
  static base::Result<std::unique_ptr<RemoteTranscoder>> Create(
      transcode::LadderPlan plan, transcode::TranscoderOptions options,
      std::vector<media::MediaSink*> sinks, RemoteTranscoderOptions remote);
  ~RemoteTranscoder() override;

  void OnVideoConfig(const media::VideoTrackConfig& config) override;
  void OnAudioConfig(const media::AudioTrackConfig& config) override;
  void OnAccessUnit(const media::AccessUnit& unit) override;
  void Flush() override;
  void Hold() override;
  void Tick() override {}
  transcode::TranscoderStats Stats() const override;
  transcode::DegradationState Degradation() const override;

  // The current worker's process id (0 while none runs). For tests and logs.
  int worker_pid() const;

 private:
  struct Instance;

  RemoteTranscoder(transcode::LadderPlan plan, transcode::TranscoderOptions options,
                   std::vector<media::MediaSink*> sinks, RemoteTranscoderOptions remote);
  void Supervise();
  void StartWorker(base::Clock::MonotonicTime now);
  void StopWorker();  // kill, join, reap
  void OnFailure(base::Clock::MonotonicTime now, const std::string& why);
  void ReadLoop(Instance* instance);
  void WriteLoop(Instance* instance);
  void Dispatch(Instance* instance, formats::worker_link::Message& message);
  // Queues a frame for the worker (drops per the queue policy). Returns false when dropped.
  bool Send(const formats::worker_link::Message& message, FrameClass kind);
  void PauseForOutage(size_t index);
  transcode::DegradationState DegradationLocked() const;
  void PassthroughWrite(const std::function<void(media::MediaSink&)>& write, bool from_worker);

  const transcode::LadderPlan plan_;
  const transcode::TranscoderOptions options_;
  const RemoteTranscoderOptions remote_;
  base::Clock& clock_;
  std::vector<media::MediaSink*> sinks_;
  size_t passthrough_index_ = SIZE_MAX;
  std::string configure_json_;

  // Publisher thread.
  transcode::SegmentCutMirror cut_mirror_;
  bool holding_ = false;
  std::optional<media::VideoTrackConfig> pending_pt_video_;  // arrived while holding
  std::optional<media::AudioTrackConfig> pending_pt_audio_;
  std::vector<uint8_t> scratch_;

  // The passthrough sink's writers: the publisher thread, or the reader thread during a slate.
  std::mutex passthrough_mu_;
  bool passthrough_from_worker_ = false;
  bool passthrough_got_slate_ = false;

  // Shared state (mu_).
  mutable std::mutex mu_;
  std::condition_variable cv_;  // supervisor and writer wake-ups
  std::condition_variable flushed_cv_;
  bool stopping_ = false;
  std::unique_ptr<Instance> instance_;
  OutgoingQueue queue_;
  bool need_cut_ = true;         // send no video until a keyframe the passthrough cuts at
  bool hold_requested_ = false;  // a hold is in effect: a restarted worker gets it again
  std::optional<media::VideoTrackConfig> source_video_;
  std::optional<media::AudioTrackConfig> source_audio_;
  RestartPolicy policy_;
  HangDetector hang_;
  std::optional<std::string> failure_;  // reported by the reader thread
  uint64_t flushes_answered_ = 0;
  transcode::TranscoderStats worker_stats_;  // the last Stats from a worker
  std::vector<bool> outage_paused_;          // paused here while no worker serves them
  std::vector<bool> degrader_paused_;        // paused by the worker's degrader
  std::vector<std::optional<media::VideoTrackConfig>> held_configs_;
  std::string last_failure_;
  std::optional<base::Clock::MonotonicTime> last_restart_;
  uint64_t link_video_dropped_ = 0;
  int pid_ = 0;

  std::thread supervisor_;
};

}  // namespace steadycast::worker
