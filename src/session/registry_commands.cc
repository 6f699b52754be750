// StreamRegistry: commands from the API, playback lookups and health reporting.
#include "base/log.h"
#include "events/event.h"
#include "events/event_types.h"
#include "session/stream_entry.h"
#include "session/stream_registry.h"

namespace steadycast::session {

base::Result<store::LiveStream> StreamRegistry::RunCommand(
    const std::string& stream_id,
    const std::function<std::optional<Effects>(StreamLifecycle&)>& command) {
  SC_ASSIGN_OR_RETURN(store::LiveStream stream, store_.live_streams().Get(stream_id));
  auto entry = EntryFor(stream);
  Kicks kicks;
  {
    std::lock_guard lock(entry->mu);
    if (entry->deleted) return base::NotFound("live stream not found");
    entry->RefreshSettings(stream, ConfigFor(stream));
    std::optional<Effects> effects = command(entry->lifecycle);
    if (!effects) {
      return base::FailedPrecondition(
          fmt::format("the stream is {}", store::StreamStatusName(stream.status)));
    }
    if (effects->empty()) return stream;
    ApplyLocked(*entry, *effects, kicks);
  }
  for (auto& kick : kicks) kick();
  return store_.live_streams().Get(stream_id);
}

base::Result<store::LiveStream> StreamRegistry::Complete(const std::string& stream_id) {
  return RunCommand(stream_id, [this](StreamLifecycle& l) { return l.Complete(clock_.Now()); });
}

base::Result<store::LiveStream> StreamRegistry::Disable(const std::string& stream_id) {
  return RunCommand(stream_id, [this](StreamLifecycle& l) -> std::optional<Effects> {
    return l.Disable(clock_.Now());
  });
}

base::Result<store::LiveStream> StreamRegistry::Enable(const std::string& stream_id) {
  return RunCommand(stream_id, [this](StreamLifecycle& l) -> std::optional<Effects> {
    return l.Enable(clock_.Now());
  });
}

base::Result<store::LiveStream> StreamRegistry::Delete(const std::string& stream_id) {
  std::shared_ptr<StreamEntry> entry = FindEntry(stream_id);
  const int64_t now_ms = base::ToUnixMillis(clock_.WallNow());
  auto erase = [&]() {
    return store_.live_streams().DeleteWithEvents(stream_id, [&](const store::LiveStream& before) {
      return std::vector<store::NewEvent>{
          events::LiveStreamEvent(events::kStreamDeleted, before, now_ms)};
    });
  };
  if (!entry) {
    // No publisher ever attached in this process: nothing to stop, but a concurrent Authorize
    // may create the entry right now — it re-checks `deleted`, or finds no key in the store.
    SC_ASSIGN_OR_RETURN(store::LiveStream before, erase());
    std::lock_guard lock(mu_);
    std::erase_if(playback_cache_, [&](const auto& e) { return e.second.first == stream_id; });
    return before;
  }
  Kicks kicks;
  std::shared_ptr<package::StreamPackager> packager;
  store::LiveStream before;
  {
    std::lock_guard lock(entry->mu);
    SC_ASSIGN_OR_RETURN(before, erase());
    entry->deleted = true;
    for (auto& [serial, publisher] : entry->publishers) {
      if (publisher.disconnect) kicks.push_back(publisher.disconnect);
    }
    packager = entry->Packager();
    if (entry->broadcast) entry->broadcast->End();
  }
  for (auto& kick : kicks) kick();
  SC_LOG_INFO("stream {}: deleted", stream_id);
  std::lock_guard lock(mu_);
  streams_.erase(stream_id);
  std::erase_if(playback_cache_, [&](const auto& e) { return e.second.first == stream_id; });
  if (packager) {
    const auto expires = clock_.Now() + options_.deleted_playback_grace;
    for (const store::PlaybackId& pb : before.playback_ids) {
      ended_playback_[pb.id] = EndedPlayback{packager, pb.policy, expires, stream_id};
    }
  }
  return before;
}

void StreamRegistry::OnSettingsChanged(const store::LiveStream& stream, bool stream_key_changed) {
  auto entry = FindEntry(stream.id);
  if (!entry) return;
  Kicks kicks;
  {
    std::lock_guard lock(entry->mu);
    entry->RefreshSettings(stream, ConfigFor(stream));
    if (stream_key_changed) {
      for (auto& [serial, publisher] : entry->publishers) {
        if (publisher.disconnect) kicks.push_back(publisher.disconnect);
      }
    }
  }
  if (!kicks.empty()) SC_LOG_INFO("stream {}: stream key reset; disconnecting", stream.id);
  for (auto& kick : kicks) kick();
}

base::Status StreamRegistry::RecordStreamEvent(const std::string& stream_id, std::string_view type,
                                               nlohmann::json extra) {
  Effects effects;
  effects.events.push_back(LifecycleEvent{.type = type, .extra = std::move(extra)});
  std::shared_ptr<StreamEntry> entry = FindEntry(stream_id);
  if (!entry) return Persist(stream_id, effects).status();
  std::lock_guard lock(entry->mu);  // ordered with the stream's lifecycle events
  if (entry->deleted) return base::NotFound("live stream not found");
  return Persist(stream_id, effects).status();
}

bool StreamRegistry::HasPublisher(const std::string& stream_id) const {
  auto entry = FindEntry(stream_id);
  if (!entry) return false;
  std::lock_guard lock(entry->mu);
  return !entry->publishers.empty();
}

PlaybackTarget StreamRegistry::LookupPlayback(std::string_view playback_id) {
  {
    std::lock_guard lock(mu_);
    if (auto cached = playback_cache_.find(playback_id); cached != playback_cache_.end()) {
      PlaybackTarget target;
      target.exists = true;
      target.policy = cached->second.second;
      target.stream_id = cached->second.first;
      if (auto it = streams_.find(cached->second.first); it != streams_.end()) {
        target.packager = it->second->Packager();
      }
      return target;
    }
    if (auto ended = ended_playback_.find(playback_id); ended != ended_playback_.end()) {
      return PlaybackTarget{true, ended->second.packager, ended->second.policy,
                            ended->second.stream_id};
    }
  }
  auto stream = store_.live_streams().GetByPlaybackId(std::string(playback_id));
  if (!stream.ok()) return {};
  PlaybackTarget target;
  target.exists = true;
  target.stream_id = stream->id;
  for (const auto& pb : stream->playback_ids) {
    if (pb.id == playback_id) target.policy = pb.policy;
  }
  std::lock_guard lock(mu_);
  playback_cache_[std::string(playback_id)] = {stream->id, target.policy};
  if (auto it = streams_.find(stream->id); it != streams_.end()) {
    target.packager = it->second->Packager();
  }
  return target;
}

LinkHealth StreamRegistry::HealthLocked(const StreamEntry& entry) const {
  LinkHealth health;
  health.status = entry.lifecycle.status();
  auto current = entry.publishers.find(entry.lifecycle.publisher());
  health.has_publisher = current != entry.publishers.end();
  if (!health.has_publisher) return health;
  health.protocol = current->second.protocol;
  health.remote_address = current->second.remote_address;
  health.ingest = entry.ingest_meter.Figures(clock_.Now());
  health.history.assign(entry.link_history.begin(), entry.link_history.end());
  return health;
}

namespace {

void AddRenditionHealth(const Broadcast& broadcast, LinkHealth& health) {
  const package::PackagerStats packaged = broadcast.packager()->Stats();
  const std::optional<transcode::TranscoderStats> encoded = broadcast.TranscoderStats();
  const auto& plan = broadcast.plan().renditions;
  for (size_t i = 0; i < plan.size(); ++i) {
    LinkHealth::Rendition r;
    r.name = plan[i].name;
    r.passthrough = plan[i].passthrough;
    r.width = plan[i].width;
    r.height = plan[i].height;
    r.video_kbps = plan[i].video_kbps;
    if (i < packaged.renditions.size()) {
      r.segments = packaged.renditions[i].segments;
      r.peak_bandwidth = packaged.renditions[i].peak_bandwidth;
      r.average_bandwidth = packaged.renditions[i].average_bandwidth;
    }
    if (encoded && i < encoded->renditions.size() && !plan[i].passthrough) {
      r.frames_out = encoded->renditions[i].frames_out;
      r.frames_dropped = encoded->renditions[i].frames_dropped;
      r.encode_speed = encoded->renditions[i].encode_speed;
      r.paused = encoded->renditions[i].paused;
      r.preset = encoded->renditions[i].preset;
    }
    health.renditions.push_back(std::move(r));
  }
  health.ladder_warnings = broadcast.warnings();
  if (encoded) {
    health.slate_active = encoded->slate_active;
    health.transcoder_restarts = encoded->worker_restarts;
    health.transcoder_gave_up = encoded->worker_gave_up;
    health.transcoder_source_frames_dropped = encoded->link_video_dropped;
    health.slate_error = encoded->slate_error;
    health.degradation = {.level = encoded->degradation.level,
                          .reason = encoded->degradation.reason,
                          .paused_renditions = encoded->degradation.paused};
  }
}

}  // namespace

LinkHealth StreamRegistry::Health(const std::string& stream_id) const {
  auto entry = FindEntry(stream_id);
  if (!entry) return {};
  std::lock_guard lock(entry->mu);
  LinkHealth health = HealthLocked(*entry);
  if (entry->broadcast) AddRenditionHealth(*entry->broadcast, health);
  if (auto deadline = entry->lifecycle.reconnect_deadline()) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - clock_.Now());
    health.reconnect_deadline_ms =
        base::ToUnixMillis(clock_.WallNow()) + std::max<int64_t>(left.count(), 0);
  }
  return health;
}

std::map<std::string, LinkHealth> StreamRegistry::AllHealth() const {
  return HealthOfEntries(/*with_publisher_only=*/true);
}

std::map<std::string, LinkHealth> StreamRegistry::KnownStreamsHealth() const {
  return HealthOfEntries(/*with_publisher_only=*/false);
}

std::map<std::string, LinkHealth> StreamRegistry::HealthOfEntries(bool with_publisher_only) const {
  std::vector<std::shared_ptr<StreamEntry>> entries;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, entry] : streams_) entries.push_back(entry);
  }
  std::map<std::string, LinkHealth> out;
  for (const auto& entry : entries) {
    std::lock_guard lock(entry->mu);
    if (entry->deleted || (with_publisher_only && entry->lifecycle.publisher() == 0)) continue;
    LinkHealth health = HealthLocked(*entry);
    if (entry->broadcast) AddRenditionHealth(*entry->broadcast, health);
    out.emplace(entry->stream_id, std::move(health));
  }
  return out;
}

size_t StreamRegistry::active_publishers() const {
  std::vector<std::shared_ptr<StreamEntry>> entries;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, entry] : streams_) entries.push_back(entry);
  }
  size_t n = 0;
  for (const auto& entry : entries) {
    std::lock_guard lock(entry->mu);
    n += entry->lifecycle.publisher() != 0 ? 1 : 0;
  }
  return n;
}

}  // namespace steadycast::session
