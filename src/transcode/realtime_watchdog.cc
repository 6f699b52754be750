#include "transcode/realtime_watchdog.h"

#include <chrono>

namespace steadycast::transcode {
namespace {

double Seconds(base::Clock::Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

std::optional<std::string> FasterPreset(std::string_view preset) {
  // x264's presets from slowest to fastest (x264 --help).
  static constexpr std::string_view kOrder[] = {"placebo",   "veryslow", "slower", "slow",
                                                "medium",    "fast",     "faster", "veryfast",
                                                "superfast", "ultrafast"};
  constexpr size_t kCount = sizeof(kOrder) / sizeof(kOrder[0]);
  for (size_t i = 0; i + 1 < kCount; ++i) {
    if (kOrder[i] == preset) return std::string(kOrder[i + 1]);
  }
  return std::nullopt;
}

void RealtimeWatchdog::OnDrop(Time now) { last_drop_ = now; }

void RealtimeWatchdog::OnEncoded(Time now, double media_seconds, bool queue_full,
                                 double busy_seconds) {
  media_total_ += media_seconds;
  busy_total_ += busy_seconds;
  if (queue_full) last_full_ = now;
  samples_.push_back({now, media_total_, busy_total_});
  if (samples_.size() > kMaxSamples) samples_.pop_front();
  Prune(now);
}

// Keeps the newest sample at or before the window start, so the window spans it fully.
void RealtimeWatchdog::Prune(Time now) {
  const auto window = std::chrono::duration_cast<base::Clock::Duration>(
      std::chrono::duration<double>(options_.window_seconds));
  while (samples_.size() >= 2 && samples_[1].time <= now - window) samples_.pop_front();
}

bool RealtimeWatchdog::Within(std::optional<Time> t, Time now, double seconds) const {
  return t && Seconds(now - *t) <= seconds;
}

std::optional<double> RealtimeWatchdog::Speed() const {
  if (samples_.size() < 2) return std::nullopt;
  const double wall = Seconds(samples_.back().time - samples_.front().time);
  if (wall <= 0) return std::nullopt;
  return (samples_.back().media_total - samples_.front().media_total) / wall;
}

std::optional<double> RealtimeWatchdog::EncodeSpeed() const {
  if (samples_.size() < 2) return std::nullopt;
  const double busy = samples_.back().busy_total - samples_.front().busy_total;
  if (busy <= 0) return std::nullopt;
  return (samples_.back().media_total - samples_.front().media_total) / busy;
}

bool RealtimeWatchdog::Behind(Time now) {
  if (!options_.enabled) return false;
  if (Within(last_step_, now, options_.cooldown_seconds)) return false;
  return Lagging(now);
}

bool RealtimeWatchdog::Lagging(Time now) {
  if (!options_.enabled) return false;
  if (Within(last_drop_, now, options_.window_seconds)) return true;
  Prune(now);
  if (samples_.size() < 2 || !Within(last_full_, now, options_.window_seconds)) return false;
  // "Persistently": the measurement covers (nearly) the whole window.
  const double span = Seconds(samples_.back().time - samples_.front().time);
  if (span < 0.9 * options_.window_seconds) return false;
  const std::optional<double> speed = Speed();
  return speed && *speed < options_.min_speed;
}

void RealtimeWatchdog::OnStep(Time now) {
  last_step_ = now;
  Restart();
}

void RealtimeWatchdog::Restart() {
  samples_.clear();
  last_drop_.reset();
  last_full_.reset();
}

}  // namespace steadycast::transcode
