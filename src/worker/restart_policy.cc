#include "worker/restart_policy.h"

#include <algorithm>

namespace steadycast::worker {

RestartPolicy::State RestartPolicy::OnFailure(Time now) {
  if (state_ == State::kGaveUp) return state_;
  while (!failures_.empty() && now - failures_.front() >= options_.window) failures_.pop_front();
  // A quiet window: the next failure is a fresh one, restarted soon.
  if (failures_.empty()) backoff_ = std::chrono::milliseconds(0);
  failures_.push_back(now);
  if (static_cast<int>(failures_.size()) >= options_.max_failures) {
    state_ = State::kGaveUp;
    restart_at_.reset();
    return state_;
  }
  backoff_ = backoff_.count() == 0 ? options_.initial_backoff
                                   : std::min(backoff_ * 2, options_.max_backoff);
  restart_at_ = now + backoff_;
  state_ = State::kBackingOff;
  return state_;
}

bool RestartPolicy::RestartDue(Time now) const {
  return state_ == State::kBackingOff && restart_at_ && now >= *restart_at_;
}

void RestartPolicy::OnStarted() {
  if (state_ != State::kBackingOff) return;
  state_ = State::kRunning;
  restart_at_.reset();
  ++restarts_;
}

int RestartPolicy::failures_in_window(Time now) const {
  return static_cast<int>(std::count_if(failures_.begin(), failures_.end(),
                                        [&](Time t) { return now - t < options_.window; }));
}

void HangDetector::OnVideoSent(Time now) {
  if (!first_unanswered_input_) first_unanswered_input_ = now;
}

void HangDetector::OnOutput(Time /*now*/) { first_unanswered_input_.reset(); }

bool HangDetector::Hung(Time now) const {
  return first_unanswered_input_ && now - *first_unanswered_input_ >= timeout_;
}

void HangDetector::Reset() { first_unanswered_input_.reset(); }

}  // namespace steadycast::worker
