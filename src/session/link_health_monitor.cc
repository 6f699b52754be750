#include "session/link_health_monitor.h"

#include <algorithm>

#include <fmt/format.h>

namespace steadycast::session {
namespace {

int64_t SecondOf(LinkHealthMonitor::Time t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

void LinkHealthMonitor::Reset() {
  samples_.clear();
  bytes_per_second_.clear();
  first_media_.reset();
  last_keyframe_dts_.reset();
  good_keyframe_intervals_ = 0;
  drift_.reset();
  for (Condition* c : {&loss_, &drops_, &keyframes_, &bitrate_, &drift_condition_}) {
    *c = Condition{c->kind};
  }
}

void LinkHealthMonitor::OnDrift(double drift_ms, double drift_rate_ms_per_s) {
  drift_ = {drift_ms, drift_rate_ms_per_s};
}

void LinkHealthMonitor::OnLinkStats(Time now, const media::LinkStats& totals) {
  // Totals that went down belong to a new connection: start over.
  if (!samples_.empty() && (totals.packets_received < samples_.back().second.packets_received ||
                            totals.packets_lost < samples_.back().second.packets_lost)) {
    samples_.clear();
  }
  samples_.emplace_back(now, totals);
  // Keep one sample at or before the window's start (the baseline of the deltas).
  while (samples_.size() > 2 && now - samples_[1].first >= options_.window) samples_.pop_front();
}

void LinkHealthMonitor::OnMedia(Time now, const media::AccessUnit& unit) {
  if (!first_media_) first_media_ = now;
  const int64_t second = SecondOf(now);
  if (bytes_per_second_.empty() || bytes_per_second_.back().first != second) {
    bytes_per_second_.emplace_back(second, 0);
  }
  bytes_per_second_.back().second += static_cast<int64_t>(unit.data.size());
  const int64_t keep = options_.baseline.count() + options_.window.count() / 1000 + 2;
  while (!bytes_per_second_.empty() && second - bytes_per_second_.front().first > keep) {
    bytes_per_second_.pop_front();
  }
  if (unit.kind != media::TrackKind::kVideo || !unit.keyframe) return;
  if (last_keyframe_dts_ && unit.dts > *last_keyframe_dts_) {
    const double interval = static_cast<double>(unit.dts - *last_keyframe_dts_) / media::kTimescale;
    if (interval > options_.keyframe_max_seconds) {
      good_keyframe_intervals_ = 0;
      Judge(keyframes_, now, true, false,
            fmt::format("keyframe interval {:.1f} s (more than {:.0f} s: long segments, slow "
                        "player start and switching)",
                        interval, options_.keyframe_max_seconds),
            /*at_once=*/true);
    } else if (++good_keyframe_intervals_ >= 3) {
      Judge(keyframes_, now, false, true, "", /*at_once=*/true);
    }
  }
  last_keyframe_dts_ = unit.dts;
}

void LinkHealthMonitor::Judge(Condition& c, Time now, bool bad, bool good, std::string reason,
                              bool at_once) {
  if (bad) {
    c.good_since.reset();
    if (!c.bad_since) c.bad_since = now;
    if (!c.active && (at_once || now - *c.bad_since >= options_.on_after)) c.active = true;
    if (c.active) c.reason = std::move(reason);
  } else {
    c.bad_since.reset();
  }
  if (good) {
    if (!c.good_since) c.good_since = now;
    if (c.active && (at_once || now - *c.good_since >= options_.off_after)) c.active = false;
  } else {
    c.good_since.reset();
  }
}

void LinkHealthMonitor::Evaluate(Time now) {
  // SRT loss and unrecovered drops over the window.
  if (samples_.size() >= 2 && now - samples_.back().first < 2 * options_.window) {
    const media::LinkStats& a = samples_.front().second;
    const media::LinkStats& b = samples_.back().second;
    const double received =
        static_cast<double>(std::max<int64_t>(1, b.packets_received - a.packets_received));
    const double loss = static_cast<double>(b.packets_lost - a.packets_lost) / received;
    const int64_t dropped = b.packets_dropped - a.packets_dropped;
    Judge(loss_, now, loss > options_.loss_on, loss < options_.loss_off,
          fmt::format("SRT packet loss {:.1f} % over {} s (retransmissions recover it while "
                      "the latency allows)",
                      loss * 100, options_.window.count() / 1000));
    const bool drops_bad = dropped >= options_.drops_min_packets &&
                           static_cast<double>(dropped) / received > options_.drops_on;
    Judge(drops_, now, drops_bad, dropped == 0,
          fmt::format("SRT dropped {} packets over {} s that retransmission could not recover "
                      "in time (raise the latency)",
                      dropped, options_.window.count() / 1000));
  }
  if (drift_) {
    const auto [drift, rate] = *drift_;
    Judge(drift_condition_, now,
          drift > options_.drift_on_ms && rate > options_.drift_growing_ms_per_s,
          drift < options_.drift_off_ms || rate < options_.drift_steady_ms_per_s,
          fmt::format("ingest drift: media lags real time by {:.1f} s and falls {:.2f} s further "
                      "behind every second (the link carries less than the encoder sends)",
                      drift / 1000, rate / 1000));
  }
  // Bitrate: the last `window` seconds against the minute before them.
  const int64_t second = SecondOf(now);
  const int64_t window_s = std::max<int64_t>(1, options_.window.count() / 1000);
  int64_t recent = 0, before = 0, before_seconds = 0;
  for (const auto& [s, bytes] : bytes_per_second_) {
    if (s >= second - window_s && s < second) {
      recent += bytes;
    } else if (s < second - window_s && s >= second - window_s - options_.baseline.count()) {
      before += bytes;
      ++before_seconds;
    }
  }
  const bool enough_history =
      first_media_ && now - *first_media_ >= options_.min_history + options_.window;
  if (enough_history && before_seconds > 0) {
    const double baseline_kbps = before * 8.0 / 1000 / static_cast<double>(before_seconds);
    const double recent_kbps = recent * 8.0 / 1000 / static_cast<double>(window_s);
    if (baseline_kbps >= options_.min_baseline_kbps) {
      Judge(bitrate_, now, recent_kbps < options_.collapse_ratio * baseline_kbps,
            recent_kbps >= options_.recover_ratio * baseline_kbps,
            fmt::format("media bitrate collapsed to {:.0f} kbps (was {:.0f} kbps)", recent_kbps,
                        baseline_kbps));
    }
  }
}

std::vector<LinkCondition> LinkHealthMonitor::Active() const {
  std::vector<LinkCondition> out;
  for (const Condition* c : {&loss_, &drops_, &keyframes_, &bitrate_, &drift_condition_}) {
    if (c->active) out.push_back({c->kind, c->reason});
  }
  return out;
}

}  // namespace steadycast::session
