#pragma once
// OutgoingQueue: the encoded worker-link frames waiting for the link writer (server → worker),
// bounded in frames and bytes so a slow or stuck worker never grows the server's memory and
// never blocks the publisher's strand. Pure and not thread-safe (the RemoteTranscoder guards
// it with its mutex).
//
// Policy, the in-process decode queue's (transcode/README.md "Threads and queues"):
// - control frames and configurations are always taken (they are small and rare), up to 2×
//   the byte bound (beyond that the worker is beyond help: the supervisor restarts it);
// - a video frame that does not fit is dropped and so is every later video frame until the
//   caller decides to send video again (at a keyframe: the decoder cannot use pictures after a
//   gap); keyframes may use a 2× reserve;
// - audio that does not fit is dropped (counted).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace steadycast::worker {

struct OutgoingQueueOptions {
  size_t max_frames = 90;
  size_t max_bytes = 32 * 1024 * 1024;
};

enum class FrameClass { kControl, kVideo, kVideoKeyframe, kAudio };

class OutgoingQueue {
 public:
  explicit OutgoingQueue(OutgoingQueueOptions options = {}) : options_(options) {}

  // True when queued; false when the policy dropped it (counted).
  bool Push(std::vector<uint8_t> frame, FrameClass kind);
  // Moves every queued frame into `out` (in order).
  void TakeAll(std::deque<std::vector<uint8_t>>& out);
  void Clear();

  size_t frames() const { return frames_.size(); }
  size_t bytes() const { return bytes_; }
  uint64_t video_dropped() const { return video_dropped_; }
  uint64_t audio_dropped() const { return audio_dropped_; }
  uint64_t control_dropped() const { return control_dropped_; }

 private:
  bool Fits(size_t size, size_t factor) const;

  OutgoingQueueOptions options_;
  std::deque<std::vector<uint8_t>> frames_;
  size_t bytes_ = 0;
  uint64_t video_dropped_ = 0;
  uint64_t audio_dropped_ = 0;
  uint64_t control_dropped_ = 0;
};

}  // namespace steadycast::worker
