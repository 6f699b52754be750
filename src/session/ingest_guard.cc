#include "session/ingest_guard.h"

#include <algorithm>

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

// Drops addresses that are neither locked out nor recently refused; if all are, the least
// recently seen one goes (bounded memory beats perfect memory under a distributed attack).
void IngestGuard::Evict(Time now) {
  std::erase_if(sources_, [&](const auto& entry) {
    const Source& s = entry.second;
    return s.locked_until <= now &&
           (s.refusals.empty() || now - s.refusals.back() >= options_.window);
  });
  if (sources_.size() < options_.max_tracked) return;
  // Prefer dropping an address that is not locked out: a flood of fresh addresses must not
  // wash a locked one out.
  auto victim = sources_.end();
  for (auto it = sources_.begin(); it != sources_.end(); ++it) {
    const bool locked = it->second.locked_until > now;
    if (victim == sources_.end()) {
      victim = it;
      continue;
    }
    const bool victim_locked = victim->second.locked_until > now;
    if ((victim_locked && !locked) ||
        (victim_locked == locked && it->second.last_seen < victim->second.last_seen)) {
      victim = it;
    }
  }
  if (victim != sources_.end()) sources_.erase(victim);
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
