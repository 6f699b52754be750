#pragma once
// WorkQueue: the bounded hand-off between transcoder threads (caller → decode thread →
// rendition workers). Each item has a weight in frames and bytes; the queue holds at most
// `max_frames` / `max_bytes` of weight for ordinary pushes, and up to twice that for pushes
// that must not be lost (forced IDRs, keyframes that end a drop run). Control items
// (configuration changes, flush markers) weigh kControlWeight, so a publisher flooding config
// changes cannot grow a queue without bound either; items of no weight at all are always
// accepted. The drop policy itself (what to drop, what to count) belongs to the caller: Push
// reports whether the item was taken.
//
// Thread-safe: any number of producers and consumers. Close() wakes everyone; after it, Push
// refuses and Pop returns nullopt.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

namespace steadycast::transcode {

enum class PushMode {
  kDropIfFull,   // refuse when over the soft limit
  kBlockIfFull,  // wait for room below the soft limit (offline use, tests)
  kMustKeep,     // accept up to the hard limit (2 × soft), refuse beyond
};

struct Weight {
  size_t frames = 0;
  size_t bytes = 0;
};

// What a configuration change or flush marker counts against a queue's byte limit.
inline constexpr Weight kControlWeight{.frames = 0, .bytes = 16 * 1024};

template <typename T>
class WorkQueue {
 public:
  WorkQueue(size_t max_frames, size_t max_bytes) : max_frames_(max_frames), max_bytes_(max_bytes) {}

  bool Push(T item, Weight weight, PushMode mode) {
    std::unique_lock lock(mu_);
    const bool control = weight.frames == 0 && weight.bytes == 0;
    if (!control) {
      if (mode == PushMode::kBlockIfFull) {
        room_.wait(lock, [&] { return closed_ || Fits(weight, 1); });
      }
      const size_t factor = mode == PushMode::kMustKeep ? 2 : 1;
      if (closed_ || !Fits(weight, factor)) return false;
    }
    if (closed_) return false;
    frames_ += weight.frames;
    bytes_ += weight.bytes;
    items_.push_back({std::move(item), weight});
    ready_.notify_one();
    return true;
  }

  // Blocks until an item is available or the queue is closed.
  std::optional<T> Pop() {
    std::unique_lock lock(mu_);
    ready_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (closed_) return std::nullopt;
    Entry entry = std::move(items_.front());
    items_.pop_front();
    frames_ -= entry.weight.frames;
    bytes_ -= entry.weight.bytes;
    room_.notify_all();
    return std::move(entry.item);
  }

  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    items_.clear();
    frames_ = bytes_ = 0;
    ready_.notify_all();
    room_.notify_all();
  }

  size_t frames() const {
    std::lock_guard lock(mu_);
    return frames_;
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return items_.size();
  }

 private:
  struct Entry {
    T item;
    Weight weight;
  };
  // An empty queue takes any single item, so one oversized frame cannot wedge the pipeline.
  bool Fits(Weight w, size_t factor) const {
    if (items_.empty()) return true;
    return frames_ + w.frames <= max_frames_ * factor && bytes_ + w.bytes <= max_bytes_ * factor;
  }

  const size_t max_frames_;
  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::condition_variable ready_;
  std::condition_variable room_;
  std::deque<Entry> items_;
  size_t frames_ = 0;
  size_t bytes_ = 0;
  bool closed_ = false;
};

}  // namespace steadycast::transcode
