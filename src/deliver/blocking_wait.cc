#include "deliver/blocking_wait.h"

#include <utility>

namespace steadycast::deliver {
namespace {

struct WaitState {
  const package::SegmentWindow* window = nullptr;
  WaitDeadlines* deadlines = nullptr;
  std::shared_ptr<const void> keep_alive;
  std::function<void()> ready;
  std::function<void()> expired;
};

// Runs `ready` on the deadline thread (at once); inline only if its table is full.
void Hand(const std::shared_ptr<WaitState>& state) {
  if (!state->deadlines->Add(WaitDeadlines::Clock::now(), [state] { state->ready(); })) {
    state->ready();
  }
}

}  // namespace

bool WaitForWindow(const package::SegmentWindow& window, const package::WaitTarget& want,
                   std::chrono::milliseconds timeout, WaitDeadlines& deadlines,
                   std::shared_ptr<const void> keep_alive, std::function<void()> ready,
                   std::function<void()> expired) {
  auto state = std::make_shared<WaitState>(
      WaitState{&window, &deadlines, std::move(keep_alive), std::move(ready), std::move(expired)});
  const std::optional<uint64_t> id = window.waiters().Add(want, [state] { Hand(state); });
  if (!id) return false;
  if (*id == 0) {  // it exists already
    Hand(state);
    return true;
  }
  const bool armed = deadlines.Add(WaitDeadlines::Clock::now() + timeout, [state, id = *id] {
    if (state->window->waiters().Remove(id)) state->expired();
  });
  if (!armed && window.waiters().Remove(*id)) return false;  // unbounded otherwise: refuse
  return true;
}

}  // namespace steadycast::deliver
