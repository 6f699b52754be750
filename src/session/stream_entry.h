#pragma once
// Internal to session/: the per-stream state StreamRegistry keeps (not part of its interface).

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "health/ingest_meter.h"
#include "media/media_sink.h"
#include "package/stream_packager.h"
#include "session/broadcast.h"
#include "session/health_notifier.h"
#include "session/lifecycle.h"
#include "session/link_health_monitor.h"
#include "session/stream_registry.h"

namespace steadycast::session {

struct StreamRegistry::StreamEntry {
  StreamEntry(std::string id, store::StreamStatus status, LifecycleConfig config)
      : stream_id(std::move(id)), lifecycle(status, config) {}

  const std::string stream_id;

  // Guards everything below except `packager`, and serialises writes into the packager.
  std::mutex mu;
  StreamLifecycle lifecycle;
  bool deleted = false;
  struct AttachedPublisher {
    std::function<void()> disconnect;
    std::string protocol;
    std::string remote_address;
  };
  std::map<uint64_t, AttachedPublisher> publishers;  // attached, by serial (≤ 2 during takeover)
  std::deque<std::pair<int64_t, media::LinkStats>> link_history;  // of the current publisher
  // Settings that shape a new broadcast (refreshed from the store on every admission and
  // settings change; a running broadcast keeps its plan).
  std::string ladder_json = "\"default\"";
  std::string latency_mode = "standard";
  bool slate = true;  // read at each publisher loss
  // The current broadcast's pipeline (packager + transcoder). A new broadcast is created at
  // its first media, once the source configuration is known (`broadcast_pending`).
  std::unique_ptr<Broadcast> broadcast;
  bool broadcast_pending = false;
  uint64_t broadcast_serial = 0;  // increases with every new broadcast
  // live_stream.health_changed: the last transcoding health emitted (across broadcasts).
  HealthNotifier health;
  LinkHealthMonitor link_monitor;    // of the current publisher
  health::IngestMeter ingest_meter;  // of the current publisher (reset at each admission)

  void RefreshSettings(const store::LiveStream& stream, const LifecycleConfig& config) {
    lifecycle.set_config(config);
    ladder_json = stream.ladder_json;
    latency_mode = stream.latency_mode;
    slate = stream.slate;
  }

  // The current broadcast's packager. Written under `mu` and `packager_mu`, read under either
  // (playback lookups take only `packager_mu`, so they never wait for media processing).
  mutable std::mutex packager_mu;
  std::shared_ptr<package::StreamPackager> packager;

  std::shared_ptr<package::StreamPackager> Packager() const {
    std::lock_guard lock(packager_mu);
    return packager;
  }
  void SetPackager(std::shared_ptr<package::StreamPackager> p) {
    std::lock_guard lock(packager_mu);
    packager = std::move(p);
  }
};

}  // namespace steadycast::session
