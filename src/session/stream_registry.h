#pragma once
// StreamRegistry: the live streams known to this process, their current publisher and their
// packager (ARCHITECTURE.md "session"). It authorises publishers (media::PublishAuthorizer),
// fans their media out to the stream's packager, tracks the stream status in the store, and
// answers deliver/'s playback lookups.
//
// Threading: thread-safe. PublishSession callbacks arrive on each publisher's strand; API
// commands (Kick) and playback lookups arrive on HTTP threads. The registry lock is held only
// for map operations, never while calling into a packager or the store.
//
// Lifecycle in this version: idle → active (first media) → idle (publisher gone). The
// reconnect window (reconnecting state) builds on this in session/lifecycle (next issue).

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "media/media_sink.h"
#include "package/stream_packager.h"
#include "store/store.h"

namespace steadycast::session {

struct RegistryOptions {
  package::PackagerOptions packager;
  // A publisher that sent no media for this long counts as silent and may be replaced by a
  // new publisher with the same key (takeover "silent-only").
  std::chrono::milliseconds silent_after{1000};
  // Link-stats samples kept per stream (one per second from SRT).
  size_t link_history = 60;
};

struct PlaybackTarget {
  bool exists = false;
  std::shared_ptr<const package::StreamPackager> packager;  // null before the first broadcast
  std::string policy = "public";                            // "public" | "signed"
};

// Link health of a stream's current publisher (SRT only for now): the latest sample and a
// short history (one sample per second, newest last).
struct LinkHealth {
  bool has_publisher = false;
  std::string protocol;                                       // "rtmp", "srt", ...
  std::string remote_address;                                 // of the publisher
  std::vector<std::pair<int64_t, media::LinkStats>> history;  // (unix ms, sample)
};

class StreamRegistry {
 public:
  StreamRegistry(store::Store& store, base::Clock& clock, RegistryOptions options);
  ~StreamRegistry();

  // media::PublishAuthorizer: checks the key against the store and attaches the publisher.
  base::Result<std::unique_ptr<media::PublishSession>> Authorize(
      const media::PublishRequest& request);

  // Disconnects the current publisher of `stream_id`, if any (key reset, delete).
  void Kick(const std::string& stream_id);
  // The stream was deleted: kick its publisher and forget its cached playback ids.
  void Forget(const std::string& stream_id);

  // For deliver/: does the playback id exist, and what is its current packager.
  PlaybackTarget LookupPlayback(std::string_view playback_id);

  // Link health of the stream's publisher (empty history when the protocol has no stats).
  LinkHealth Health(const std::string& stream_id) const;
  // Health of every stream that currently has a publisher, by stream id (for /metrics).
  std::map<std::string, LinkHealth> AllHealth() const;

  // Number of publishers currently attached (for metrics and tests).
  size_t active_publishers() const;

 private:
  class Publisher;
  struct StreamEntry;

  void OnFirstMedia(const std::string& stream_id, uint64_t publisher_serial);
  void OnPublisherGone(const std::string& stream_id, uint64_t publisher_serial);
  void OnLinkStats(StreamEntry& entry, uint64_t publisher_serial, const media::LinkStats& stats);
  LinkHealth HealthLocked(const StreamEntry& entry) const;

  store::Store& store_;
  base::Clock& clock_;
  RegistryOptions options_;

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<StreamEntry>> streams_;  // by stream id
  // Playback id → (stream id, policy), filled on first lookup so that playlist and segment
  // requests do not query the store. Playback ids and their policy never change; a deleted
  // stream is removed by Forget().
  std::map<std::string, std::pair<std::string, std::string>, std::less<>> playback_cache_;
  uint64_t next_serial_ = 1;
};

}  // namespace steadycast::session
