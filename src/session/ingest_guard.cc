#include "session/ingest_guard.h"

#include <algorithm>
#include <vector>

#include "base/log.h"

namespace steadycast::session {

IngestGuard::IngestGuard(IngestGuardOptions options, base::Clock& clock)
    : options_(options), clock_(clock) {}

std::string IngestGuard::SourceOf(std::string_view remote_address) {
  if (!remote_address.empty() && remote_address.front() == '[') {
    const size_t close = remote_address.find(']');
    if (close != std::string_view::npos) return std::string(remote_address.substr(1, close - 1));
  }
  const size_t colon = remote_address.rfind(':');
  // One colon: "ip:port". More (a bare IPv6 address) or none: the whole text.
  if (colon != std::string_view::npos && remote_address.find(':') == colon) {
    return std::string(remote_address.substr(0, colon));
  }
  return std::string(remote_address);
}

bool IngestGuard::Allow(std::string_view remote_address) {
  const std::string source = SourceOf(remote_address);
  const Time now = clock_.Now();
  std::lock_guard lock(mu_);
  auto it = sources_.find(source);
  if (it == sources_.end() || it->second.locked_until <= now) return true;
  ++counters_.blocked;
  return false;
}

void IngestGuard::RecordRefusal(std::string_view remote_address) {
  const std::string source = SourceOf(remote_address);
  const Time now = clock_.Now();
  std::lock_guard lock(mu_);
  ++counters_.refusals;
  auto it = sources_.find(source);
  if (it == sources_.end()) {
    if (sources_.size() >= options_.max_tracked) Evict(now);
    it = sources_.emplace(source, Source{}).first;
  }
  Source& s = it->second;
  s.last_seen = now;
  while (!s.refusals.empty() && now - s.refusals.front() >= options_.window) s.refusals.pop_front();
  s.refusals.push_back(now);
  if (static_cast<int>(s.refusals.size()) > options_.max_refusals && s.locked_until <= now) {
    s.locked_until = now + options_.cooldown;
    s.refusals.clear();
    ++counters_.lockouts;
    SC_LOG_WARN("ingest: {} locked out for {} s after more than {} refused stream keys", source,
                options_.cooldown.count() / 1000, options_.max_refusals);
  }
}

// Drops addresses that are neither locked out nor recently refused; if that frees too little,
// drops the least recently seen tenth of the unlocked ones in one go, so that a flood from many
// addresses costs amortised O(log n) per attempt rather than a scan each time (bounded memory
// beats perfect memory under a distributed attack). Locked-out addresses go last: a flood of
// fresh addresses must not wash a lockout out.
void IngestGuard::Evict(Time now) {
  std::erase_if(sources_, [&](const auto& entry) {
    const Source& s = entry.second;
    return s.locked_until <= now &&
           (s.refusals.empty() || now - s.refusals.back() >= options_.window);
  });
  if (sources_.size() < options_.max_tracked) return;
  std::vector<decltype(sources_)::iterator> candidates;
  for (auto it = sources_.begin(); it != sources_.end(); ++it) {
    if (it->second.locked_until <= now) candidates.push_back(it);
  }
  if (candidates.empty()) {  // everything is locked out: drop the stalest lockout
    for (auto it = sources_.begin(); it != sources_.end(); ++it) candidates.push_back(it);
  }
  const size_t drop = std::clamp<size_t>(options_.max_tracked / 10, 1, candidates.size());
  std::nth_element(
      candidates.begin(), candidates.begin() + static_cast<ptrdiff_t>(drop - 1), candidates.end(),
      [](const auto& a, const auto& b) { return a->second.last_seen < b->second.last_seen; });
  for (size_t i = 0; i < drop; ++i) sources_.erase(candidates[i]);
}

IngestGuardCounters IngestGuard::Counters() const {
  const Time now = clock_.Now();
  std::lock_guard lock(mu_);
  IngestGuardCounters counters = counters_;
  counters.locked_sources = std::count_if(
      sources_.begin(), sources_.end(), [&](const auto& e) { return e.second.locked_until > now; });
  return counters;
}

}  // namespace steadycast::session
