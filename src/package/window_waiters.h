#pragma once
// WindowWaiters: requests waiting for a position of one rendition's segment window ("segment N
// is complete", "part M of segment N exists") — the primitive behind blocking playlist reload
// (RFC 8216bis §6.2.5.2) and blocking preload-hint requests. No thread and no polling per
// waiter: the window calls Publish() after every change, which hands every waiter whose
// position now exists to its callback; a deadline is someone else's job (deliver/ keeps one
// timer for all waiters and calls Remove() when a deadline passes).
//
// Exactly one of {the ready callback, a successful Remove()} happens per waiter: Publish takes
// satisfied waiters out under the lock and calls them after releasing it, Remove reports
// whether it found the waiter still waiting. So a request is answered once, by whichever side
// won. Callbacks run on the publishing (writer) thread and must be quick: post the answer,
// never render or block there.
//
// Bounded: Add refuses (nullopt) once `max_waiters` wait, so a crowd of clients asking for a
// future part cannot grow memory without limit (they get 503 from deliver/).

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>

namespace steadycast::package {

// What a window holds: segments up to `complete_through` (inclusive) are complete; the segment
// after it has `open_parts` parts so far. `ended`: nothing more will come.
struct WindowPosition {
  std::optional<uint64_t> complete_through;  // nullopt before the first segment
  uint64_t next_sequence = 0;                // number of the segment after complete_through
  uint32_t open_parts = 0;                   // parts of segment `next_sequence` published
  bool ended = false;
};

// What a request waits for: segment `msn` complete, or (with `part`) part `part` of segment
// `msn` — or anything later (a segment that completed with fewer parts counts as later).
struct WaitTarget {
  uint64_t msn = 0;
  std::optional<uint32_t> part;
};

// Whether `have` satisfies `want` (an ended window satisfies everything: the answer is final).
bool Satisfies(const WindowPosition& have, const WaitTarget& want);

class WindowWaiters {
 public:
  using Ready = std::function<void()>;

  explicit WindowWaiters(size_t max_waiters = 4096) : max_waiters_(max_waiters) {}

  // Registers a waiter; nullopt when the limit is reached. The caller checks the current
  // position first (and answers at once when satisfied) — but a publish between that check
  // and Add is not lost: Add compares with the newest published position itself and, when
  // already satisfied, returns 0 without registering (the caller answers now).
  std::optional<uint64_t> Add(const WaitTarget& want, Ready ready);
  // True when the waiter was still waiting (it is removed: the caller answers, e.g. the
  // timeout); false when it was already handed to its callback or never existed.
  bool Remove(uint64_t id);
  // The window changed: every waiter satisfied by `have` is called (outside the lock).
  void Publish(const WindowPosition& have);

  size_t size() const;

 private:
  struct Waiter {
    WaitTarget want;
    Ready ready;
  };
  const size_t max_waiters_;
  mutable std::mutex mu_;
  WindowPosition last_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, Waiter> waiters_;
};

}  // namespace steadycast::package
