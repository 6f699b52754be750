#pragma once
// StreamRegistry: the live streams known to this process, their lifecycle, current publisher
// and packager (docs/architecture.md "session"). It authorises publishers
// (media::PublishAuthorizer) and fans their media out to the stream's packager; it runs each
// stream's StreamLifecycle (lifecycle.h) and carries out its effects: the status change and its
// outbox events in one store transaction, then the packager action, then disconnecting a publisher.
// The packager outlives publishers: it lives through the reconnect window and, after the broadcast
// ended, keeps serving the final playlist (ENDLIST) until the next broadcast starts.
//
// Threading: thread-safe. PublishSession callbacks arrive on each publisher's strand, API
// commands and playback lookups on HTTP threads, Tick() on a timer. Locks: the registry lock
// guards the maps only; each stream has its own lock, held while its lifecycle changes and
// while its packager is written (store writes for transitions happen under it, so a stream's
// events are persisted in the order they happened). The two are never nested; disconnect
// callbacks run after both are released.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "health/ingest_meter.h"
#include "media/media_sink.h"
#include "package/stream_packager.h"
#include "session/broadcast.h"
#include "session/broadcast_finisher.h"
#include "session/ingest_guard.h"
#include "session/lifecycle.h"
#include "store/store.h"

namespace steadycast::session {

struct RegistryOptions {
  // Packaging and the ABR ladder of every broadcast (first_sequence is set per broadcast).
  BroadcastOptions broadcast;
  // A publisher that sent no media for this long counts as silent and may be replaced by a
  // new publisher with the same key (takeover "silent-only").
  std::chrono::milliseconds silent_after{1000};
  // No media for this long: the publisher counts as lost (reconnecting) though still connected.
  std::chrono::milliseconds stall_timeout{4000};
  // A deleted stream's final playlist (with ENDLIST) stays readable this long, then 404.
  std::chrono::milliseconds deleted_playback_grace{60'000};
  // Link-stats samples kept per stream (one per second from SRT).
  size_t link_history = 60;
  // At most one live_stream.health_changed event per stream per this interval (changes in
  // between are coalesced: health_notifier.h).
  std::chrono::milliseconds health_event_interval{5000};
  IngestGuardOptions ingest_guard;
};

struct PlaybackTarget {
  bool exists = false;
  std::shared_ptr<const package::StreamPackager> packager;  // null before the first broadcast
  std::string policy = "public";                            // "public" | "signed"
  std::string stream_id;  // the live stream the playback id belongs to (when it exists)
};

// Health of a stream and its current publisher: the lifecycle status, the publisher's ingest
// figures (every protocol), its SRT link samples (the latest and a short history, one sample
// per second, newest last) and the broadcast's renditions.
struct LinkHealth {
  store::StreamStatus status = store::StreamStatus::kIdle;
  bool has_publisher = false;
  // The publisher's media as it arrives (health::IngestMeter); nullopt without a publisher.
  std::optional<health::IngestFigures> ingest;
  std::string protocol;                                       // "rtmp", "srt", ...
  std::string remote_address;                                 // of the publisher
  std::vector<std::pair<int64_t, media::LinkStats>> history;  // (unix ms, sample)
  // While reconnecting: when the reconnect window ends (unix ms); nullopt otherwise.
  std::optional<int64_t> reconnect_deadline_ms;
  // The current (or last) broadcast's renditions: packaging and, when transcoded, encoding.
  struct Rendition {
    std::string name;
    bool passthrough = false;
    int width = 0;
    int height = 0;
    int video_kbps = 0;  // planned rate (0: passthrough)
    uint64_t segments = 0;
    uint64_t peak_bandwidth = 0;     // bits/s, as in the master playlist
    uint64_t average_bandwidth = 0;  // bits/s
    uint64_t frames_out = 0;         // transcoded renditions only
    uint64_t frames_dropped = 0;
    double encode_speed = 0;  // media seconds per busy wall second (> 1: keeps up)
    bool paused = false;      // degradation step 2: not encoding (EXT-X-GAP in its playlist)
    std::string preset;       // x264 preset now (transcoded renditions)
  };
  std::vector<Rendition> renditions;
  std::vector<std::string> ladder_warnings;
  // The slate (reconnect window with a transcoded ladder): on the air now, and why the last
  // hold could not show one (empty when it could).
  bool slate_active = false;
  std::string slate_error;
  // The transcoder's degradation (transcode/ladder_degrader.h): 0 normal, 1 faster x264
  // presets, 2+ rungs paused; the reason of the last change.
  struct Degradation {
    int level = 0;
    std::string reason;
    std::vector<std::string> paused_renditions;
  };
  Degradation degradation;
  // Process isolation (transcode.isolation "process"): worker processes started again after a
  // failure in this broadcast, and whether the stream gave up transcoding (source only).
  uint64_t transcoder_restarts = 0;
  bool transcoder_gave_up = false;
  // Source video frames not sent to a worker that fell behind (its bounded queue was full).
  uint64_t transcoder_source_frames_dropped = 0;
};

class StreamRegistry {
 public:
  StreamRegistry(store::Store& store, base::Clock& clock, RegistryOptions options);
  ~StreamRegistry();

  // media::PublishAuthorizer: guard → key lookup → lifecycle admission → attach. kNotFound
  // (unknown key), kPermissionDenied (disabled), kFailedPrecondition (healthy publisher, no
  // takeover), kResourceExhausted (source locked out after too many refused keys).
  base::Result<std::unique_ptr<media::PublishSession>> Authorize(
      const media::PublishRequest& request);

  // Start-up: streams stored active/reconnecting wait for their publisher again (fresh window).
  void Recover();
  // Stall detection, window expiry, expiry of deleted streams' playlists. Call every ≤ 100 ms.
  void Tick();

  // Commands from api/. Each persists its status change and events in one transaction and
  // returns the stream as stored; kNotFound for an unknown id.
  // kFailedPrecondition unless the stream is active or reconnecting.
  base::Result<store::LiveStream> Complete(const std::string& stream_id);
  base::Result<store::LiveStream> Disable(const std::string& stream_id);
  base::Result<store::LiveStream> Enable(const std::string& stream_id);
  // Deletes the stream (event live_stream.deleted), disconnects its publisher and ends its
  // playlist, which stays readable for deleted_playback_grace. Returns the stream as it was.
  base::Result<store::LiveStream> Delete(const std::string& stream_id);
  // The stream's settings changed (reconnect_window, takeover apply at once; everything that
  // configures a connection applies from the next one). Key reset: also disconnects the
  // publisher (it may come back with the new key).
  void OnSettingsChanged(const store::LiveStream& stream, bool stream_key_changed);
  // True while a publisher is attached to the stream.
  bool HasPublisher(const std::string& stream_id) const;
  // An event about the stream that changes nothing else (e.g. the viewers' experience, judged
  // outside session/): persisted like the lifecycle's events, in one transaction and in order
  // with the stream's other events. `type` is an events/event_types.h constant; `extra` is
  // merged into the payload. kNotFound for an unknown or deleted stream.
  base::Status RecordStreamEvent(const std::string& stream_id, std::string_view type,
                                 nlohmann::json extra);

  // For deliver/: does the playback id exist, and what is its current packager.
  PlaybackTarget LookupPlayback(std::string_view playback_id);

  // Link health of the stream's publisher (empty history when the protocol has no stats).
  LinkHealth Health(const std::string& stream_id) const;
  // Health of every stream that currently has a publisher, by stream id (for /metrics).
  std::map<std::string, LinkHealth> AllHealth() const;
  // Health of every stream this process knows (had a publisher or a command since it started
  // and was not deleted since), with or without a publisher (for the health history).
  std::map<std::string, LinkHealth> KnownStreamsHealth() const;
  // Number of publishers currently attached (for metrics and tests).
  size_t active_publishers() const;

  // Brute-force protection shared by every ingest protocol (SRT consults it before accept).
  IngestGuard& ingest_guard() { return guard_; }

 private:
  class Publisher;
  struct StreamEntry;
  using Kicks = std::vector<std::function<void()>>;

  std::shared_ptr<StreamEntry> EntryFor(const store::LiveStream& stream);
  std::shared_ptr<StreamEntry> FindEntry(const std::string& stream_id) const;
  // The pipeline of a new broadcast of `entry` (its lock held), planned for the source
  // `video`: its packager is numbered above every segment and init segment any earlier
  // broadcast at this playback URL can have used.
  Broadcast& NewBroadcast(StreamEntry& entry, const std::optional<media::VideoTrackConfig>& video);
  // Whether the stream's ladder setting asks for transcoded renditions.
  bool LadderTranscodes(const StreamEntry& entry) const;
  LifecycleConfig ConfigFor(const store::LiveStream& stream) const;
  // Carries out `effects` for `entry` (its lock held); disconnect callbacks go to `kicks`.
  void ApplyLocked(StreamEntry& entry, const Effects& effects, Kicks& kicks);
  void CloseDanglingConnections();
  base::Result<store::LiveStream> Persist(const std::string& stream_id, const Effects& effects);
  base::Result<store::LiveStream> RunCommand(
      const std::string& stream_id,
      const std::function<std::optional<Effects>(StreamLifecycle&)>& command);

  void OnMedia(StreamEntry& entry, uint64_t serial);
  void OnPublisherGone(StreamEntry& entry, uint64_t serial);
  void OnLinkStats(StreamEntry& entry, uint64_t serial, const media::LinkStats& stats);
  void NotifyHealthLocked(StreamEntry& entry, base::Clock::MonotonicTime now, Kicks& kicks);
  LinkHealth HealthLocked(const StreamEntry& entry) const;
  std::map<std::string, LinkHealth> HealthOfEntries(bool with_publisher_only) const;

  store::Store& store_;
  base::Clock& clock_;
  // Declared before the streams (destroyed after them): broadcasts ended by the streams'
  // destruction still drain here.
  BroadcastFinisher finisher_;
  RegistryOptions options_;
  IngestGuard guard_;

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<StreamEntry>> streams_;  // by stream id
  // Playback id → (stream id, policy), filled on first lookup so that playlist and segment
  // requests do not query the store. Playback ids and their policy never change; a deleted
  // stream's ids move to ended_playback_.
  std::map<std::string, std::pair<std::string, std::string>, std::less<>> playback_cache_;
  struct EndedPlayback {
    std::shared_ptr<const package::StreamPackager> packager;
    std::string policy;
    base::Clock::MonotonicTime expires;
    std::string stream_id;
  };
  std::map<std::string, EndedPlayback, std::less<>> ended_playback_;
  std::atomic<uint64_t> next_serial_{1};
};

}  // namespace steadycast::session
