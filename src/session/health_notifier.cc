#include "session/health_notifier.h"

#include "events/event_types.h"

namespace steadycast::session {

nlohmann::json HealthNotifier::HealthJson(const transcode::DegradationState& state) {
  nlohmann::json reasons = nlohmann::json::array();
  if (!state.reason.empty()) reasons.push_back(state.reason);
  return nlohmann::json{{"status", state.level > 0 ? "degraded" : "healthy"},
                        {"reasons", std::move(reasons)},
                        {"degradation_level", state.level},
                        {"paused_renditions", state.paused},
                        {"faster_presets", state.presets}};
}

std::optional<LifecycleEvent> HealthNotifier::Update(Time now,
                                                     const transcode::DegradationState& state) {
  if (state.level == emitted_level_ && state.reason == emitted_reason_) return std::nullopt;
  if (emitted_at_ && now - *emitted_at_ < min_interval_) return std::nullopt;  // coalesce
  emitted_level_ = state.level;
  emitted_reason_ = state.reason;
  emitted_at_ = now;
  return LifecycleEvent{.type = events::kStreamHealthChanged,
                        .extra = nlohmann::json{{"health", HealthJson(state)}}};
}

}  // namespace steadycast::session
