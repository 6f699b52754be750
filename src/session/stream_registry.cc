#include "session/stream_registry.h"

#include "base/log.h"
#include "events/event.h"
#include "events/event_types.h"
#include "session/stream_entry.h"

namespace steadycast::session {

// The PublishSession handed to ingest. Media goes to the stream's packager only while this
// publisher is the stream's current one; track configurations are kept and (re)sent to
// whichever packager the broadcast currently has, so a new broadcast or a takeover starts
// with the right init segment.
class StreamRegistry::Publisher final : public media::PublishSession {
 public:
  Publisher(StreamRegistry& registry, std::shared_ptr<StreamEntry> entry, uint64_t serial)
      : registry_(registry), entry_(std::move(entry)), serial_(serial) {}

  ~Publisher() override { registry_.OnPublisherGone(*entry_, serial_); }

  const std::string& stream_id() const override { return entry_->stream_id; }

  void OnVideoConfig(const media::VideoTrackConfig& config) override {
    video_ = config;
    configs_sent_serial_ = 0;
    video_metered_ = false;
  }
  void OnAudioConfig(const media::AudioTrackConfig& config) override {
    audio_ = config;
    configs_sent_serial_ = 0;
  }
  void OnLinkStats(const media::LinkStats& stats) override {
    registry_.OnLinkStats(*entry_, serial_, stats);
  }

  void OnAccessUnit(const media::AccessUnit& unit) override {
    std::lock_guard lock(entry_->mu);
    registry_.OnMedia(*entry_, serial_);
    if (entry_->lifecycle.publisher() != serial_ ||
        entry_->lifecycle.status() != store::StreamStatus::kActive) {
      return;  // replaced, kicked, or the broadcast just ended
    }
    const base::Clock::MonotonicTime now = registry_.clock_.Now();
    entry_->link_monitor.OnMedia(now, unit);
    if (!video_metered_ && video_) {
      entry_->ingest_meter.OnVideoConfig(video_->codec, video_->width, video_->height);
      video_metered_ = true;
    }
    entry_->ingest_meter.OnAccessUnit(now, unit);
    // A new broadcast (or one recovered after a restart) is planned from the source's video
    // configuration: wait for it, dropping early audio, unless the source turns out to be
    // audio only.
    if (!entry_->broadcast || entry_->broadcast_pending) {
      if (!video_ && registry_.LadderTranscodes(*entry_) && !AudioOnlyLongEnough(unit)) return;
      registry_.NewBroadcast(*entry_, video_);
    }
    Broadcast& broadcast = *entry_->broadcast;
    media::MediaSink& input = broadcast.Input();
    if (configs_sent_serial_ != entry_->broadcast_serial) {
      if (video_) input.OnVideoConfig(*video_);
      if (audio_) input.OnAudioConfig(*audio_);
      configs_sent_serial_ = entry_->broadcast_serial;
    }
    input.OnAccessUnit(unit);
  }

 private:
  StreamRegistry& registry_;
  std::shared_ptr<StreamEntry> entry_;
  uint64_t serial_;
  std::optional<media::VideoTrackConfig> video_;
  std::optional<media::AudioTrackConfig> audio_;
  uint64_t configs_sent_serial_ = 0;  // broadcast that has this publisher's configurations
  bool video_metered_ = false;        // the stream's ingest meter has video_
  std::optional<int64_t> first_waiting_audio_dts_;

  // Audio without any video configuration for this long: an audio-only source.
  bool AudioOnlyLongEnough(const media::AccessUnit& unit) {
    if (unit.kind != media::TrackKind::kAudio) return false;
    if (!first_waiting_audio_dts_) first_waiting_audio_dts_ = unit.dts;
    return unit.dts - *first_waiting_audio_dts_ >= 4 * media::kTimescale;
  }
};

StreamRegistry::StreamRegistry(store::Store& store, base::Clock& clock, RegistryOptions options)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      guard_(options_.ingest_guard, clock) {
  options_.broadcast.finisher = &finisher_;
}

StreamRegistry::~StreamRegistry() = default;

LifecycleConfig StreamRegistry::ConfigFor(const store::LiveStream& stream) const {
  return LifecycleConfig{.reconnect_window = std::chrono::seconds(stream.reconnect_window),
                         .stall_timeout = options_.stall_timeout,
                         .silent_after = options_.silent_after,
                         .takeover_newest = stream.takeover == "newest"};
}

std::shared_ptr<StreamRegistry::StreamEntry> StreamRegistry::EntryFor(
    const store::LiveStream& stream) {
  std::lock_guard lock(mu_);
  auto& slot = streams_[stream.id];
  if (!slot) {
    slot = std::make_shared<StreamEntry>(stream.id, stream.status, ConfigFor(stream));
    slot->health = HealthNotifier(options_.health_event_interval);
    slot->ladder_json = stream.ladder_json;
    slot->latency_mode = stream.latency_mode;
  }
  return slot;
}

std::shared_ptr<StreamRegistry::StreamEntry> StreamRegistry::FindEntry(
    const std::string& stream_id) const {
  std::lock_guard lock(mu_);
  auto it = streams_.find(stream_id);
  return it == streams_.end() ? nullptr : it->second;
}

base::Result<std::unique_ptr<media::PublishSession>> StreamRegistry::Authorize(
    const media::PublishRequest& request) {
  if (!guard_.Allow(request.remote_address)) {
    return base::Status(base::ErrorCode::kResourceExhausted,
                        "too many refused stream keys from this address; try again later");
  }
  auto stream = store_.live_streams().GetByStreamKey(request.stream_key);
  if (!stream.ok()) {
    if (stream.status().code() == base::ErrorCode::kNotFound) {
      guard_.RecordRefusal(request.remote_address);
      return base::NotFound("unknown stream key");
    }
    return std::move(stream).status().WithContext("stream key lookup");
  }
  std::shared_ptr<StreamEntry> entry = EntryFor(*stream);
  Kicks kicks;
  StreamLifecycle::Admission admission;
  uint64_t serial = 0;
  {
    std::lock_guard lock(entry->mu);
    if (entry->deleted) return base::NotFound("unknown stream key");
    serial = next_serial_++;
    entry->RefreshSettings(*stream, ConfigFor(*stream));
    admission = entry->lifecycle.Admit(serial, clock_.Now(), request.remote_address);
    if (admission.accepted) {
      entry->publishers[serial] = {request.disconnect, request.protocol, request.remote_address};
      entry->link_history.clear();
      entry->link_monitor.Reset();
      entry->ingest_meter.Reset();
    }
    ApplyLocked(*entry, admission.effects, kicks);
  }
  for (auto& kick : kicks) kick();
  if (!admission.accepted) {
    if (entry->lifecycle.status() == store::StreamStatus::kDisabled) {
      return base::Status(base::ErrorCode::kPermissionDenied, admission.refusal);
    }
    return base::FailedPrecondition(admission.refusal);
  }
  SC_LOG_INFO("stream {}: publisher {} accepted over {} (key {})", stream->id,
              request.remote_address, request.protocol, base::RedactSecret(request.stream_key));
  return std::unique_ptr<media::PublishSession>(std::make_unique<Publisher>(*this, entry, serial));
}

void StreamRegistry::OnMedia(StreamEntry& entry, uint64_t serial) {
  // Caller holds entry.mu.
  const Effects effects = entry.lifecycle.OnMedia(serial, clock_.Now());
  if (effects.empty()) return;
  Kicks kicks;
  ApplyLocked(entry, effects, kicks);
  // OnMedia never kicks (only admission, ticks and commands do).
}

void StreamRegistry::OnPublisherGone(StreamEntry& entry, uint64_t serial) {
  Kicks kicks;
  {
    std::lock_guard lock(entry.mu);
    entry.publishers.erase(serial);
    const Effects effects = entry.lifecycle.OnPublisherGone(serial, clock_.Now());
    if (!effects.empty()) {
      SC_LOG_INFO("stream {}: publisher gone", entry.stream_id);
      ApplyLocked(entry, effects, kicks);
    }
  }
  for (auto& kick : kicks) kick();
}

base::Result<store::LiveStream> StreamRegistry::Persist(const std::string& stream_id,
                                                        const Effects& effects) {
  const int64_t now_ms = base::ToUnixMillis(clock_.WallNow());
  return store_.live_streams().Mutate(
      stream_id, [&](store::LiveStream& stream) -> base::Result<std::vector<store::NewEvent>> {
        if (effects.status && stream.status != *effects.status) {
          stream.status = *effects.status;
          stream.updated_at_ms = std::max(now_ms, stream.updated_at_ms);
        }
        std::vector<store::NewEvent> out;
        for (const LifecycleEvent& event : effects.events) {
          out.push_back(events::LiveStreamEvent(event.type, stream, now_ms, event.extra));
        }
        return out;
      });
}

void StreamRegistry::ApplyLocked(StreamEntry& entry, const Effects& effects, Kicks& kicks) {
  if (entry.deleted) return;  // its publishers were disconnected and its playlist ended
  if (effects.status || !effects.events.empty()) {
    auto persisted = Persist(entry.stream_id, effects);
    if (!persisted.ok() && persisted.status().code() != base::ErrorCode::kNotFound) {
      SC_LOG_WARN("stream {}: cannot persist {}: {}", entry.stream_id,
                  effects.events.empty() ? "status" : effects.events.front().type,
                  persisted.status().ToString());
    }
    for (const LifecycleEvent& event : effects.events) {
      SC_LOG_INFO("stream {}: {}{}", entry.stream_id, event.type,
                  event.extra.contains("reason")
                      ? " (" + event.extra["reason"].get<std::string>() + ")"
                      : std::string());
    }
  }
  switch (effects.packager) {
    case PackagerAction::kNone:
      break;
    case PackagerAction::kNewBroadcast:
      entry.broadcast_pending = true;  // created at the first media (see Publisher)
      break;
    case PackagerAction::kDiscontinuity:
      if (entry.broadcast) entry.broadcast->Discontinuity(entry.slate);
      break;
    case PackagerAction::kEnd:
      if (entry.broadcast) entry.broadcast->End();
      break;
  }
  if (effects.kick != 0) {
    auto it = entry.publishers.find(effects.kick);
    if (it != entry.publishers.end() && it->second.disconnect)
      kicks.push_back(it->second.disconnect);
  }
}

bool StreamRegistry::LadderTranscodes(const StreamEntry& entry) const {
  if (!options_.broadcast.transcoding_enabled) return false;
  auto setting = transcode::ParseLadderSetting(entry.ladder_json);
  return setting.ok() && setting->kind != transcode::LadderKind::kPassthrough;
}

Broadcast& StreamRegistry::NewBroadcast(StreamEntry& entry,
                                        const std::optional<media::VideoTrackConfig>& video) {
  BroadcastOptions options = options_.broadcast;
  // Wall-clock seconds exceed the segment count of any earlier broadcast (segments last about
  // target_segment_seconds, never less than a frame) — across restarts too. Within this
  // process, the previous packager's next number is a floor as well.
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.WallNow().time_since_epoch());
  uint64_t first = static_cast<uint64_t>(std::max<int64_t>(seconds.count(), 0));
  if (auto previous = entry.Packager()) first = std::max(first, previous->Stats().next_sequence);
  options.packager.first_sequence = first;
  if (entry.broadcast) entry.broadcast->End();  // stops its transcoder; the playlist stays
  entry.broadcast =
      Broadcast::Create(options, clock_, entry.ladder_json, entry.latency_mode, video);
  entry.broadcast_pending = false;
  ++entry.broadcast_serial;
  entry.SetPackager(entry.broadcast->packager());
  std::string renditions;
  for (const auto& r : entry.broadcast->plan().renditions) {
    renditions += (renditions.empty() ? "" : ", ") + r.name;
  }
  SC_LOG_INFO("stream {}: new broadcast, renditions {}", entry.stream_id, renditions);
  return *entry.broadcast;
}

void StreamRegistry::OnLinkStats(StreamEntry& entry, uint64_t serial,
                                 const media::LinkStats& stats) {
  const int64_t now_ms = base::ToUnixMillis(clock_.WallNow());
  std::lock_guard lock(entry.mu);
  if (entry.lifecycle.publisher() != serial) return;
  entry.link_history.emplace_back(now_ms, stats);
  entry.link_monitor.OnLinkStats(clock_.Now(), stats);
  while (entry.link_history.size() > options_.link_history) entry.link_history.pop_front();
}

void StreamRegistry::Recover() {
  auto live = store_.live_streams().ListByStatus(
      {store::StreamStatus::kActive, store::StreamStatus::kReconnecting});
  if (!live.ok()) {
    SC_LOG_WARN("session: cannot list live streams to recover: {}", live.status().ToString());
    return;
  }
  for (const store::LiveStream& stream : *live) {
    auto entry = EntryFor(stream);
    Kicks kicks;
    std::lock_guard lock(entry->mu);
    ApplyLocked(*entry, entry->lifecycle.Recover(clock_.Now()), kicks);
    SC_LOG_INFO("stream {}: was {} before the restart; waiting {} s for its publisher", stream.id,
                store::StreamStatusName(stream.status), stream.reconnect_window);
  }
  CloseDanglingConnections();
}

// A publisher that had connected but sent no media yet leaves its stream idle with
// `live_stream.connected` as the last lifecycle event; if the server died then, nothing else
// would ever pair it: the restart writes the `live_stream.disconnected` it never got.
void StreamRegistry::CloseDanglingConnections() {
  auto idle = store_.live_streams().ListByStatus({store::StreamStatus::kIdle});
  if (!idle.ok()) {
    SC_LOG_WARN("session: cannot list idle streams: {}", idle.status().ToString());
    return;
  }
  for (const store::LiveStream& stream : *idle) {
    store::EventQuery query;
    query.object_id = stream.id;
    query.newest_first = true;
    query.limit = 1;
    for (std::string_view type : {events::kStreamConnected, events::kStreamDisconnected,
                                  events::kStreamActive, events::kStreamIdle}) {
      query.types.emplace_back(type);
    }
    auto last = store_.events().List(query);
    if (!last.ok() || last->empty() || last->front().type != events::kStreamConnected) continue;
    auto entry = EntryFor(stream);
    Kicks kicks;
    std::lock_guard lock(entry->mu);
    Effects effects;
    effects.events.push_back({events::kStreamDisconnected, {{"reason", "server restarted"}}});
    ApplyLocked(*entry, effects, kicks);
    SC_LOG_INFO("stream {}: a publisher had connected before the restart; disconnected", stream.id);
  }
}

void StreamRegistry::Tick() {
  std::vector<std::shared_ptr<StreamEntry>> entries;
  const auto now = clock_.Now();
  {
    std::lock_guard lock(mu_);
    entries.reserve(streams_.size());
    for (const auto& [id, entry] : streams_) entries.push_back(entry);
    std::erase_if(ended_playback_, [now](const auto& e) { return e.second.expires <= now; });
  }
  for (const auto& entry : entries) {
    Kicks kicks;
    {
      std::lock_guard lock(entry->mu);
      const Effects effects = entry->lifecycle.Tick(now);
      if (!effects.empty()) ApplyLocked(*entry, effects, kicks);
      if (entry->broadcast) entry->broadcast->Tick();
      NotifyHealthLocked(*entry, now, kicks);
    }
    for (auto& kick : kicks) kick();
  }
}

// The transcoder degraded or recovered, or the publisher's link conditions changed: one
// live_stream.health_changed event (Effects with
// events only: persisted in one transaction like every other event of the stream).
void StreamRegistry::NotifyHealthLocked(StreamEntry& entry, base::Clock::MonotonicTime now,
                                        Kicks& kicks) {
  // The link conditions count only while a publisher is attached (they start afresh with the
  // next one; a lost publisher is the lifecycle's event, not a health condition).
  if (entry.lifecycle.publisher() == 0) {
    entry.link_monitor.Reset();
  } else {
    const health::IngestFigures ingest = entry.ingest_meter.Figures(now);
    if (ingest.units > 0) entry.link_monitor.OnDrift(ingest.drift_ms, ingest.drift_rate_ms_per_s);
    entry.link_monitor.Evaluate(now);
  }
  std::optional<transcode::DegradationState> state;
  if (entry.broadcast) state = entry.broadcast->Degradation();
  std::optional<LifecycleEvent> event = entry.health.Update(
      now, state.value_or(transcode::DegradationState{}), entry.link_monitor.Active());
  if (!event) return;
  Effects effects;
  effects.events.push_back(std::move(*event));
  ApplyLocked(entry, effects, kicks);
}

}  // namespace steadycast::session
