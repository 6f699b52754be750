#include "package/window_waiters.h"

#include <utility>
#include <vector>

namespace steadycast::package {

bool Satisfies(const WindowPosition& have, const WaitTarget& want) {
  if (have.ended) return true;
  if (have.complete_through && want.msn <= *have.complete_through) return true;
  if (!want.part) return false;
  // Part M of the open segment (the segment after the complete ones).
  return want.msn == have.next_sequence && *want.part < have.open_parts;
}

std::optional<uint64_t> WindowWaiters::Add(const WaitTarget& want, Ready ready) {
  std::lock_guard lock(mu_);
  if (Satisfies(last_, want)) return 0;
  if (waiters_.size() >= max_waiters_) return std::nullopt;
  const uint64_t id = next_id_++;
  waiters_.emplace(id, Waiter{want, std::move(ready)});
  return id;
}

bool WindowWaiters::Remove(uint64_t id) {
  std::lock_guard lock(mu_);
  return waiters_.erase(id) > 0;
}

void WindowWaiters::Publish(const WindowPosition& have) {
  std::vector<Ready> ready;
  {
    std::lock_guard lock(mu_);
    last_ = have;
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (Satisfies(have, it->second.want)) {
        ready.push_back(std::move(it->second.ready));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (Ready& r : ready) r();
}

size_t WindowWaiters::size() const {
  std::lock_guard lock(mu_);
  return waiters_.size();
}

}  // namespace steadycast::package
