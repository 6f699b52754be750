#include "net/srt_throttle.h"

#include <algorithm>
#include <functional>

#include "net/srt_server.h"

namespace steadycast::net {

SrtHandshakeThrottle::SrtHandshakeThrottle(SrtThrottleOptions options, const base::Clock& clock)
    : options_(options), clock_(clock) {}

SrtHandshakeThrottle::Verdict SrtHandshakeThrottle::Check(std::string_view address,
                                                          std::string_view stream_id) {
  const Time now = clock_.Now();
  std::lock_guard lock(mu_);
  Entry& entry = Find(address, now);
  entry.last_seen = now;
  if (options_.max_refusals_per_stream_id > 0) {
    const uint64_t hash = std::hash<std::string_view>{}(stream_id);
    for (const Refusal& refusal : entry.refusals) {
      if (refusal.stream_id_hash != hash || now - refusal.first >= options_.window) continue;
      if (refusal.count >= options_.max_refusals_per_stream_id) {
        return {.ask = false, .reject_code = refusal.reject_code};
      }
    }
  }
  if (options_.decisions_per_second > 0) {
    Refill(entry, now);
    if (entry.tokens < 1) return {.ask = false, .reject_code = kSrtRejectOverload};
    entry.tokens -= 1;
  }
  return {};
}

void SrtHandshakeThrottle::RecordRefusal(std::string_view address, std::string_view stream_id,
                                         int reject_code) {
  if (options_.max_refusals_per_stream_id <= 0) return;
  const Time now = clock_.Now();
  const uint64_t hash = std::hash<std::string_view>{}(stream_id);
  std::lock_guard lock(mu_);
  Entry& entry = Find(address, now);
  entry.last_seen = now;
  auto& refusals = entry.refusals;
  auto it = std::find_if(refusals.begin(), refusals.end(),
                         [hash](const Refusal& r) { return r.stream_id_hash == hash; });
  if (it != refusals.end() && now - it->first >= options_.window) {
    *it = Refusal{.stream_id_hash = hash, .count = 0, .reject_code = reject_code, .first = now};
  }
  if (it == refusals.end()) {
    if (refusals.size() >= std::max<size_t>(1, options_.max_stream_ids_per_address)) {
      // Forget the pair whose window started first (it expires first anyway).
      refusals.erase(
          std::min_element(refusals.begin(), refusals.end(),
                           [](const Refusal& a, const Refusal& b) { return a.first < b.first; }));
    }
    refusals.push_back(
        {.stream_id_hash = hash, .count = 0, .reject_code = reject_code, .first = now});
    it = refusals.end() - 1;
  }
  it->count += 1;
  it->reject_code = reject_code;
}

size_t SrtHandshakeThrottle::tracked_addresses() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

SrtHandshakeThrottle::Entry& SrtHandshakeThrottle::Find(std::string_view address, Time now) {
  auto it = entries_.find(std::string(address));
  if (it != entries_.end()) return it->second;
  if (entries_.size() >= std::max<size_t>(1, options_.max_addresses)) MakeRoom(now);
  Entry fresh;
  fresh.tokens = options_.decision_burst;
  fresh.refilled = now;
  fresh.last_seen = now;
  return entries_.emplace(std::string(address), std::move(fresh)).first->second;
}

// Called only when the table is full: drops every address idle for a whole window (its
// refusals have expired; its bucket would be nearly full again), else the least recently seen.
void SrtHandshakeThrottle::MakeRoom(Time now) {
  std::erase_if(entries_,
                [&](const auto& item) { return now - item.second.last_seen >= options_.window; });
  if (entries_.size() < std::max<size_t>(1, options_.max_addresses)) return;
  auto oldest = std::min_element(
      entries_.begin(), entries_.end(),
      [](const auto& a, const auto& b) { return a.second.last_seen < b.second.last_seen; });
  entries_.erase(oldest);
}

void SrtHandshakeThrottle::Refill(Entry& entry, Time now) const {
  const double seconds = std::chrono::duration<double>(now - entry.refilled).count();
  if (seconds <= 0) return;
  entry.tokens =
      std::min(options_.decision_burst, entry.tokens + seconds * options_.decisions_per_second);
  entry.refilled = now;
}

}  // namespace steadycast::net
