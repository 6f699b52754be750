#include "analytics/experience_monitor.h"

namespace steadycast::analytics {

std::optional<ExperienceChange> ExperienceMonitor::Step(
    Time now, const std::string& stream_id, State& state,
    const health::ViewerFigures& figures) const {
  const bool leaving =
      state.degraded ? figures.rebuffer_ratio < options_.recovered_below
                     : figures.current >= 1 && figures.rebuffer_ratio > options_.degraded_above;
  if (!leaving) {
    state.since.reset();
    return std::nullopt;
  }
  if (!state.since) state.since = now;
  if (now - *state.since < options_.hold) return std::nullopt;
  state.degraded = !state.degraded;
  state.since.reset();
  return ExperienceChange{stream_id, state.degraded, figures};
}

std::vector<ExperienceChange> ExperienceMonitor::Evaluate(
    Time now, const std::map<std::string, health::ViewerFigures>& all) {
  std::vector<ExperienceChange> changes;
  // Streams with figures (a state is made for them only when something is pending) ...
  for (const auto& [id, figures] : all) {
    auto it = states_.find(id);
    State fresh;
    State& state = it != states_.end() ? it->second : fresh;
    if (auto change = Step(now, id, state, figures)) changes.push_back(std::move(*change));
    const bool keep = state.degraded || state.since.has_value();
    if (keep && it == states_.end()) states_.emplace(id, state);
    if (!keep && it != states_.end()) states_.erase(it);
  }
  // ... and the streams followed so far that have no recent view left (ratio 0).
  for (auto it = states_.begin(); it != states_.end();) {
    if (all.count(it->first) != 0) {
      ++it;
      continue;
    }
    if (auto change = Step(now, it->first, it->second, health::ViewerFigures{})) {
      changes.push_back(std::move(*change));
    }
    const bool keep = it->second.degraded || it->second.since.has_value();
    it = keep ? std::next(it) : states_.erase(it);
  }
  return changes;
}

bool ExperienceMonitor::IsDegraded(const std::string& stream_id) const {
  auto it = states_.find(stream_id);
  return it != states_.end() && it->second.degraded;
}

}  // namespace steadycast::analytics
