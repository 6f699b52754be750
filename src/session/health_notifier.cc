#include "session/health_notifier.h"

#include "events/event_types.h"

namespace steadycast::session {

namespace {

std::string Kinds(const std::vector<LinkCondition>& link) {
  std::string out;
  for (const LinkCondition& c : link) out += c.kind + ",";
  return out;
}

}  // namespace

nlohmann::json HealthNotifier::HealthJson(const transcode::DegradationState& state,
                                          const std::vector<LinkCondition>& link) {
  nlohmann::json reasons = nlohmann::json::array();
  if (!state.reason.empty()) reasons.push_back(state.reason);
  nlohmann::json kinds = nlohmann::json::array();
  for (const LinkCondition& c : link) {
    reasons.push_back(c.reason);
    kinds.push_back(c.kind);
  }
  const bool degraded = state.level > 0 || !link.empty();
  return nlohmann::json{
      {"status", degraded ? "degraded" : "healthy"}, {"reasons", std::move(reasons)},
      {"link_conditions", std::move(kinds)},         {"degradation_level", state.level},
      {"paused_renditions", state.paused},           {"faster_presets", state.presets}};
}

std::optional<LifecycleEvent> HealthNotifier::Update(Time now,
                                                     const transcode::DegradationState& state,
                                                     const std::vector<LinkCondition>& link) {
  const std::string kinds = Kinds(link);
  if (state.level == emitted_level_ && state.reason == emitted_reason_ && kinds == emitted_link_) {
    return std::nullopt;
  }
  if (emitted_at_ && now - *emitted_at_ < min_interval_) return std::nullopt;  // coalesce
  emitted_level_ = state.level;
  emitted_reason_ = state.reason;
  emitted_link_ = kinds;
  emitted_at_ = now;
  return LifecycleEvent{.type = events::kStreamHealthChanged,
                        .extra = nlohmann::json{{"health", HealthJson(state, link)}}};
}

}  // namespace steadycast::session
