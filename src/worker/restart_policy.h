#pragma once
// RestartPolicy: when a transcoder worker process that failed (exited, crashed, hung or
// reported a failure) is started again, and when the stream gives up on transcoding. Pure: the
// caller passes the time of every input; no clock, no threads, no I/O. Not thread-safe (the
// RemoteTranscoder's supervisor thread owns it).
//
//   running ──failure──▶ backing off ──RestartDue──▶ (caller starts a worker) ──▶ running
//      │                     (0.1 s, doubling to 8 s)
//      └──failure, the 5th within 60 s──▶ gave up (for the rest of the broadcast)
//
// The back-off starts again from its initial value once no failure happened for a whole window
// (a worker that crashes once an hour is restarted after 0.1 s each time).
//
// HangDetector: a worker is hung when it wrote no access unit for `hang_timeout` although
// video was sent to it in that time (silence without input is an idle worker, not a hang).

#include <chrono>
#include <deque>
#include <optional>

#include "base/clock.h"

namespace steadycast::worker {

struct RestartPolicyOptions {
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{8000};
  int max_failures = 5;  // within `window`: give up
  std::chrono::milliseconds window{60000};
};

class RestartPolicy {
 public:
  using Time = base::Clock::MonotonicTime;
  enum class State { kRunning, kBackingOff, kGaveUp };

  explicit RestartPolicy(RestartPolicyOptions options = {}) : options_(options) {}

  // The running worker failed at `now`. Returns the new state (kBackingOff or kGaveUp).
  State OnFailure(Time now);
  // Backing off and the delay is over: the caller should start a worker now, then OnStarted.
  bool RestartDue(Time now) const;
  void OnStarted();

  State state() const { return state_; }
  // When the next start is due (backing off only).
  std::optional<Time> restart_at() const { return restart_at_; }
  int failures_in_window(Time now) const;
  int restarts() const { return restarts_; }
  std::chrono::milliseconds current_backoff() const { return backoff_; }

 private:
  RestartPolicyOptions options_;
  State state_ = State::kRunning;
  std::deque<Time> failures_;
  std::chrono::milliseconds backoff_{0};  // the last delay used (0: none yet)
  std::optional<Time> restart_at_;
  int restarts_ = 0;
};

class HangDetector {
 public:
  using Time = base::Clock::MonotonicTime;
  explicit HangDetector(std::chrono::milliseconds timeout = std::chrono::milliseconds(3000))
      : timeout_(timeout) {}

  void OnVideoSent(Time now);
  void OnOutput(Time now);
  // Video went in more than `timeout` ago and nothing came out since.
  bool Hung(Time now) const;
  void Reset();

 private:
  std::chrono::milliseconds timeout_;
  std::optional<Time> first_unanswered_input_;  // the oldest video sent after the last output
};

}  // namespace steadycast::worker
