#include "transcode/ladder_degrader.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace steadycast::transcode {
namespace {

double Seconds(base::Clock::Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

LadderDegrader::LadderDegrader(DegraderOptions options, std::vector<Rung> rungs,
                               std::string base_preset)
    : options_(options), base_preset_(std::move(base_preset)) {
  for (Rung& rung : rungs) {
    Slot slot;
    slot.rung = std::move(rung);
    slot.preset = base_preset_;
    slots_.push_back(std::move(slot));
  }
}

bool LadderDegrader::Report(Time now, size_t id, const RungReport& report) {
  auto it =
      std::find_if(slots_.begin(), slots_.end(), [id](const Slot& s) { return s.rung.id == id; });
  if (it == slots_.end()) return false;
  it->reported = now;
  it->last = report;
  Evaluate(now);
  return it->paused;
}

void LadderDegrader::OnPresetStep(size_t id, const std::string& preset, double speed) {
  auto it =
      std::find_if(slots_.begin(), slots_.end(), [id](const Slot& s) { return s.rung.id == id; });
  if (it == slots_.end()) return;
  it->preset = preset;
  state_.reason = fmt::format("transcoder behind real time (speed {:.2f}): x264 preset {} on {}",
                              speed, preset, it->rung.name);
  UpdateState();
}

bool LadderDegrader::Fresh(const Slot& s, Time now) const {
  return s.reported && Seconds(now - *s.reported) <= options_.stale_seconds;
}

bool LadderDegrader::CoolingDown(Time now) const {
  return last_change_ && Seconds(now - *last_change_) < options_.step_cooldown_seconds;
}

LadderDegrader::Slot* LadderDegrader::TopRunning() {
  Slot* top = nullptr;
  for (Slot& s : slots_) {
    if (!s.paused && (top == nullptr || s.rung.pixels > top->rung.pixels)) top = &s;
  }
  return top;
}

void LadderDegrader::Evaluate(Time now) {
  if (!options_.enabled) return;
  size_t running = 0;
  bool lagging = false;
  bool exhausted_lagging = false;
  bool margin = true;  // every running rung keeps up with margin
  double slowest = std::numeric_limits<double>::infinity();
  double slowest_margin = std::numeric_limits<double>::infinity();
  for (const Slot& s : slots_) {
    if (s.paused) continue;
    ++running;
    // A rung that just resumed reports "paused" until its next IDR: no margin known yet.
    if (!Fresh(s, now) || s.last.paused) {
      margin = false;
      continue;
    }
    if (s.last.lagging) {
      lagging = true;
      exhausted_lagging = exhausted_lagging || s.last.exhausted;
      slowest = std::min(slowest, s.last.realtime_speed);
    }
    if (s.last.lagging || s.last.encode_speed < options_.recover_speed) margin = false;
    slowest_margin = std::min(slowest_margin, s.last.encode_speed);
  }
  if (lagging) {
    keepup_since_.reset();
    if (!behind_since_) behind_since_ = now;
    const double behind = Seconds(now - *behind_since_);
    const bool due = (exhausted_lagging && behind >= options_.min_lag_seconds) ||
                     behind >= options_.pause_after_seconds;
    if (due && running >= 2 && !CoolingDown(now)) {
      Pause(now, *TopRunning(), std::isfinite(slowest) ? slowest : 0);
    }
    return;
  }
  behind_since_.reset();
  if (pause_order_.empty() || !margin) {
    keepup_since_.reset();
    return;
  }
  if (!keepup_since_) keepup_since_ = now;
  if (Seconds(now - *keepup_since_) >= options_.recover_seconds * recover_backoff_ &&
      !CoolingDown(now)) {
    Resume(now, slots_[pause_order_.back()], slowest_margin);
  }
}

void LadderDegrader::Pause(Time now, Slot& slot, double speed) {
  slot.paused = true;
  pause_order_.push_back(static_cast<size_t>(&slot - slots_.data()));
  if (last_resume_ &&
      Seconds(now - *last_resume_) < 2 * options_.recover_seconds * recover_backoff_) {
    recover_backoff_ = std::min(recover_backoff_ * 2, std::max(1.0, options_.max_recover_backoff));
  }
  last_change_ = now;
  behind_since_.reset();  // the next pause needs its own evidence
  keepup_since_.reset();
  state_.reason =
      fmt::format("paused rendition {} to keep up (speed {:.2f})", slot.rung.name, speed);
  UpdateState();
}

void LadderDegrader::Resume(Time now, Slot& slot, double speed) {
  slot.paused = false;
  pause_order_.pop_back();
  last_change_ = now;
  last_resume_ = now;
  keepup_since_.reset();  // one rung per recovery period
  state_.reason = pause_order_.empty() ? "recovered: all renditions encoding"
                                       : fmt::format("resumed rendition {} (encode speed {:.2f})",
                                                     slot.rung.name, speed);
  UpdateState();
}

void LadderDegrader::UpdateState() {
  state_.paused.clear();
  state_.presets.clear();
  std::vector<const Slot*> order;
  for (const Slot& s : slots_) order.push_back(&s);
  std::stable_sort(order.begin(), order.end(),
                   [](const Slot* a, const Slot* b) { return a->rung.pixels > b->rung.pixels; });
  for (const Slot* s : order) {
    if (s->paused) state_.paused.push_back(s->rung.name);
    if (s->preset != base_preset_) state_.presets.push_back(s->rung.name + "=" + s->preset);
  }
  if (!state_.paused.empty()) {
    state_.level = 1 + static_cast<int>(state_.paused.size());
  } else {
    state_.level = state_.presets.empty() ? 0 : 1;
  }
}

}  // namespace steadycast::transcode
