#include "session/lifecycle.h"

#include "events/event_types.h"

namespace steadycast::session {

using store::StreamStatus;

StreamLifecycle::StreamLifecycle(StreamStatus initial, LifecycleConfig config)
    : config_(config), status_(initial) {}

StreamLifecycle::Admission StreamLifecycle::Admit(uint64_t serial, Time now,
                                                  std::string_view remote_address) {
  Admission admission;
  if (status_ == StreamStatus::kDisabled) {
    admission.refusal = "stream is disabled";
    return admission;
  }
  if (publisher_ != 0) {
    // A publisher that stalled long enough to be declared lost is never "healthy".
    const bool lost = status_ == StreamStatus::kReconnecting;
    if (!lost && !Silent(now) && !config_.takeover_newest) {
      admission.refusal = "stream already has a healthy publisher (takeover: silent-only)";
      admission.effects.events.push_back(
          {events::kStreamPublisherRefused, {{"publisher", {{"remote_address", remote_address}}}}});
      return admission;
    }
    admission.effects.kick = publisher_;
    admission.effects.events.push_back(
        {events::kStreamPublisherReplaced,
         {{"publisher", {{"remote_address", remote_address}}},
          {"reason", lost ? "lost" : (Silent(now) ? "silent" : "newest")}}});
    // The replaced publisher's open segment ends here; the newcomer's timeline is its own.
    if (status_ == StreamStatus::kActive)
      admission.effects.packager = PackagerAction::kDiscontinuity;
  } else if (status_ == StreamStatus::kIdle) {
    admission.effects.events.push_back(
        {events::kStreamConnected, {{"publisher", {{"remote_address", remote_address}}}}});
  }
  publisher_ = serial;
  publisher_flowing_ = false;
  last_media_ = now;
  admission.accepted = true;
  return admission;
}

Effects StreamLifecycle::OnMedia(uint64_t serial, Time now) {
  Effects effects;
  if (serial != publisher_ || serial == 0) return effects;
  last_media_ = now;
  if (publisher_flowing_ && status_ == StreamStatus::kActive) return effects;  // the hot path
  publisher_flowing_ = true;
  if (status_ == StreamStatus::kIdle) {
    effects.status = StreamStatus::kActive;
    effects.events.push_back({events::kStreamActive});
    effects.packager = PackagerAction::kNewBroadcast;
  } else if (status_ == StreamStatus::kReconnecting) {
    effects.status = StreamStatus::kActive;
    effects.events.push_back({events::kStreamReconnected});
    deadline_.reset();
  }
  if (effects.status) status_ = *effects.status;
  return effects;
}

Effects StreamLifecycle::OnPublisherGone(uint64_t serial, Time now) {
  if (serial != publisher_ || serial == 0) return {};
  publisher_ = 0;
  publisher_flowing_ = false;
  if (status_ == StreamStatus::kActive) return Lose(now, "publisher disconnected");
  Effects effects;
  // Connected but never live: report the disconnect so connected/disconnected pair up.
  if (status_ == StreamStatus::kIdle) {
    effects.events.push_back({events::kStreamDisconnected, {{"reason", "publisher disconnected"}}});
  }
  return effects;
}

Effects StreamLifecycle::Tick(Time now) {
  if (status_ == StreamStatus::kActive && publisher_ != 0 &&
      now - last_media_ >= config_.stall_timeout) {
    publisher_flowing_ = false;  // it stays attached; its next media reconnects the stream
    return Lose(now, "no media");
  }
  if (status_ == StreamStatus::kReconnecting && deadline_ && now >= *deadline_) {
    // A publisher that is attached and sending keeps the broadcast; one that came back but
    // stays silent does not.
    if (publisher_ != 0 && now - last_media_ < config_.stall_timeout) return {};
    return End("reconnect window expired", std::nullopt);
  }
  return {};
}

Effects StreamLifecycle::Lose(Time now, std::string_view reason) {
  Effects effects;
  effects.events.push_back({events::kStreamDisconnected, {{"reason", reason}}});
  if (config_.reconnect_window.count() <= 0) {
    return End("reconnect window is 0", std::nullopt, std::move(effects));
  }
  status_ = StreamStatus::kReconnecting;
  deadline_ = now + config_.reconnect_window;
  effects.status = status_;
  effects.packager = PackagerAction::kDiscontinuity;
  return effects;
}

Effects StreamLifecycle::End(std::string_view reason, std::optional<std::string_view> extra_type,
                             Effects effects) {
  if (extra_type) effects.events.push_back({*extra_type});
  effects.events.push_back({events::kStreamIdle, {{"reason", reason}}});
  effects.status = StreamStatus::kIdle;
  effects.packager = PackagerAction::kEnd;
  effects.kick = publisher_;
  status_ = StreamStatus::kIdle;
  deadline_.reset();
  publisher_ = 0;
  publisher_flowing_ = false;
  return effects;
}

std::optional<Effects> StreamLifecycle::Complete(Time /*now*/) {
  if (status_ != StreamStatus::kActive && status_ != StreamStatus::kReconnecting) {
    return std::nullopt;
  }
  return End("completed", events::kStreamCompleted);
}

Effects StreamLifecycle::Disable(Time /*now*/) {
  Effects effects;
  if (status_ == StreamStatus::kDisabled) return effects;
  const bool live = status_ == StreamStatus::kActive || status_ == StreamStatus::kReconnecting;
  effects.events.push_back({events::kStreamDisabled});
  effects.status = StreamStatus::kDisabled;
  effects.packager = live ? PackagerAction::kEnd : PackagerAction::kNone;
  effects.kick = publisher_;
  status_ = StreamStatus::kDisabled;
  deadline_.reset();
  publisher_ = 0;
  publisher_flowing_ = false;
  return effects;
}

Effects StreamLifecycle::Enable(Time /*now*/) {
  Effects effects;
  if (status_ != StreamStatus::kDisabled) return effects;
  status_ = StreamStatus::kIdle;
  effects.status = status_;
  effects.events.push_back({events::kStreamEnabled});
  return effects;
}

Effects StreamLifecycle::KickPublisher() {
  Effects effects;
  effects.kick = publisher_;  // OnPublisherGone follows and moves the stream on
  return effects;
}

Effects StreamLifecycle::Recover(Time now) {
  Effects effects;
  if (status_ == StreamStatus::kActive) {
    effects.events.push_back({events::kStreamDisconnected, {{"reason", "server restarted"}}});
  } else if (status_ != StreamStatus::kReconnecting) {
    return effects;
  }
  if (config_.reconnect_window.count() <= 0) {
    return End("reconnect window is 0", std::nullopt, std::move(effects));
  }
  status_ = StreamStatus::kReconnecting;
  deadline_ = now + config_.reconnect_window;
  effects.status = status_;
  return effects;
}

}  // namespace steadycast::session
