#include "worker/outgoing_queue.h"

namespace steadycast::worker {

bool OutgoingQueue::Fits(size_t size, size_t factor) const {
  return frames_.size() + 1 <= options_.max_frames * factor &&
         bytes_ + size <= options_.max_bytes * factor;
}

bool OutgoingQueue::Push(std::vector<uint8_t> frame, FrameClass kind) {
  bool fits = false;
  switch (kind) {
    case FrameClass::kControl:
      fits = bytes_ + frame.size() <= 2 * options_.max_bytes;
      if (!fits) ++control_dropped_;
      break;
    case FrameClass::kVideoKeyframe:
      fits = Fits(frame.size(), 2);
      if (!fits) ++video_dropped_;
      break;
    case FrameClass::kVideo:
      fits = Fits(frame.size(), 1);
      if (!fits) ++video_dropped_;
      break;
    case FrameClass::kAudio:
      fits = Fits(frame.size(), 1);
      if (!fits) ++audio_dropped_;
      break;
  }
  if (!fits) return false;
  bytes_ += frame.size();
  frames_.push_back(std::move(frame));
  return true;
}

void OutgoingQueue::TakeAll(std::deque<std::vector<uint8_t>>& out) {
  for (auto& f : frames_) out.push_back(std::move(f));
  frames_.clear();
  bytes_ = 0;
}

void OutgoingQueue::Clear() {
  frames_.clear();
  bytes_ = 0;
}

}  // namespace steadycast::worker
