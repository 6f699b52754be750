#include "session/stream_registry.h"

#include <atomic>
#include <deque>

#include "base/log.h"

namespace steadycast::session {

// Per-stream state shared between the registry and the stream's current publisher.
struct StreamRegistry::StreamEntry {
  std::string stream_id;
  std::shared_ptr<package::StreamPackager> packager;  // current broadcast, may be null
  uint64_t publisher_serial = 0;                      // 0 = no publisher attached
  std::function<void()> disconnect_publisher;
  std::atomic<int64_t> last_media_ns{0};  // monotonic time of the publisher's last media
  bool broadcast_live = false;            // first media seen since the publisher attached
  std::string protocol;                   // of the current publisher
  std::string remote_address;
  std::deque<std::pair<int64_t, media::LinkStats>> link_history;  // guarded by the registry lock
};

// The PublishSession handed to ingest: forwards media to the packager, reports first media
// and its own destruction to the registry.
class StreamRegistry::Publisher final : public media::PublishSession {
 public:
  Publisher(StreamRegistry& registry, std::shared_ptr<StreamEntry> entry,
            std::shared_ptr<package::StreamPackager> packager, uint64_t serial)
      : registry_(registry),
        entry_(std::move(entry)),
        packager_(std::move(packager)),
        serial_(serial) {}

  ~Publisher() override { registry_.OnPublisherGone(entry_->stream_id, serial_); }

  const std::string& stream_id() const override { return entry_->stream_id; }

  void OnVideoConfig(const media::VideoTrackConfig& config) override {
    packager_->OnVideoConfig(config);
  }
  void OnAudioConfig(const media::AudioTrackConfig& config) override {
    packager_->OnAudioConfig(config);
  }
  void OnLinkStats(const media::LinkStats& stats) override {
    registry_.OnLinkStats(*entry_, serial_, stats);
  }

  void OnAccessUnit(const media::AccessUnit& unit) override {
    entry_->last_media_ns.store(registry_.clock_.Now().time_since_epoch().count());
    if (!saw_media_) {
      saw_media_ = true;
      registry_.OnFirstMedia(entry_->stream_id, serial_);
    }
    packager_->OnAccessUnit(unit);
  }

 private:
  StreamRegistry& registry_;
  std::shared_ptr<StreamEntry> entry_;
  std::shared_ptr<package::StreamPackager> packager_;
  uint64_t serial_;
  bool saw_media_ = false;
};

StreamRegistry::StreamRegistry(store::Store& store, base::Clock& clock, RegistryOptions options)
    : store_(store), clock_(clock), options_(std::move(options)) {}

StreamRegistry::~StreamRegistry() = default;

base::Result<std::unique_ptr<media::PublishSession>> StreamRegistry::Authorize(
    const media::PublishRequest& request) {
  auto stream = store_.live_streams().GetByStreamKey(request.stream_key);
  if (!stream.ok()) {
    if (stream.status().code() == base::ErrorCode::kNotFound) {
      return base::NotFound("unknown stream key");
    }
    return std::move(stream).status().WithContext("stream key lookup");
  }
  if (stream->status == store::StreamStatus::kDisabled) {
    return base::Status(base::ErrorCode::kPermissionDenied, "stream is disabled");
  }

  std::function<void()> replaced_disconnect;
  std::shared_ptr<StreamEntry> entry;
  std::shared_ptr<package::StreamPackager> packager;
  uint64_t serial = 0;
  {
    std::lock_guard lock(mu_);
    auto& slot = streams_[stream->id];
    if (!slot) {
      slot = std::make_shared<StreamEntry>();
      slot->stream_id = stream->id;
    }
    entry = slot;
    if (entry->publisher_serial != 0) {
      const auto now_ns = clock_.Now().time_since_epoch().count();
      const auto silent_ns = std::chrono::nanoseconds(options_.silent_after).count();
      const bool silent = now_ns - entry->last_media_ns.load() >= silent_ns;
      if (!silent && stream->takeover != "newest") {
        return base::FailedPrecondition("stream already has a healthy publisher");
      }
      replaced_disconnect = entry->disconnect_publisher;
    }
    serial = next_serial_++;
    entry->publisher_serial = serial;
    entry->disconnect_publisher = request.disconnect;
    entry->protocol = request.protocol;
    entry->remote_address = request.remote_address;
    entry->link_history.clear();
    entry->last_media_ns.store(clock_.Now().time_since_epoch().count());
    entry->broadcast_live = false;
    // A publisher that attaches while the previous broadcast is still live (takeover) keeps
    // the packager; otherwise a new broadcast starts a fresh timeline at the same URL.
    if (!entry->packager || !replaced_disconnect) {
      entry->packager = std::make_shared<package::StreamPackager>(options_.packager, clock_);
    }
    packager = entry->packager;
  }
  if (replaced_disconnect) {
    SC_LOG_INFO("stream {}: publisher {} takes over", stream->id, request.remote_address);
    replaced_disconnect();
  }
  SC_LOG_INFO("stream {}: publisher {} accepted over {} (key {})", stream->id,
              request.remote_address, request.protocol, base::RedactSecret(request.stream_key));
  return std::unique_ptr<media::PublishSession>(
      std::make_unique<Publisher>(*this, entry, std::move(packager), serial));
}

void StreamRegistry::OnFirstMedia(const std::string& stream_id, uint64_t publisher_serial) {
  {
    std::lock_guard lock(mu_);
    auto it = streams_.find(stream_id);
    if (it == streams_.end() || it->second->publisher_serial != publisher_serial) return;
    it->second->broadcast_live = true;
  }
  const auto now_ms = base::ToUnixMillis(clock_.WallNow());
  auto status = store_.live_streams().SetStatus(stream_id, store::StreamStatus::kActive, now_ms);
  if (!status.ok()) SC_LOG_WARN("stream {}: cannot mark active: {}", stream_id, status.ToString());
}

void StreamRegistry::OnPublisherGone(const std::string& stream_id, uint64_t publisher_serial) {
  std::shared_ptr<package::StreamPackager> ended;
  {
    std::lock_guard lock(mu_);
    auto it = streams_.find(stream_id);
    // A publisher replaced by a takeover leaves quietly: the stream lives on.
    if (it == streams_.end() || it->second->publisher_serial != publisher_serial) return;
    it->second->publisher_serial = 0;
    it->second->disconnect_publisher = nullptr;
    ended = it->second->packager;
  }
  SC_LOG_INFO("stream {}: publisher gone", stream_id);
  if (ended) ended->OnEndOfStream();
  const auto now_ms = base::ToUnixMillis(clock_.WallNow());
  auto current = store_.live_streams().Get(stream_id);
  if (current.ok() && current->status == store::StreamStatus::kActive) {
    auto status = store_.live_streams().SetStatus(stream_id, store::StreamStatus::kIdle, now_ms);
    if (!status.ok()) SC_LOG_WARN("stream {}: cannot mark idle: {}", stream_id, status.ToString());
  }
}

void StreamRegistry::OnLinkStats(StreamEntry& entry, uint64_t publisher_serial,
                                 const media::LinkStats& stats) {
  const int64_t now_ms = base::ToUnixMillis(clock_.WallNow());
  std::lock_guard lock(mu_);
  if (entry.publisher_serial != publisher_serial) return;
  entry.link_history.emplace_back(now_ms, stats);
  while (entry.link_history.size() > options_.link_history) entry.link_history.pop_front();
}

LinkHealth StreamRegistry::HealthLocked(const StreamEntry& entry) const {
  LinkHealth health;
  health.has_publisher = entry.publisher_serial != 0;
  if (!health.has_publisher) return health;
  health.protocol = entry.protocol;
  health.remote_address = entry.remote_address;
  health.history.assign(entry.link_history.begin(), entry.link_history.end());
  return health;
}

LinkHealth StreamRegistry::Health(const std::string& stream_id) const {
  std::lock_guard lock(mu_);
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) return {};
  return HealthLocked(*it->second);
}

std::map<std::string, LinkHealth> StreamRegistry::AllHealth() const {
  std::map<std::string, LinkHealth> out;
  std::lock_guard lock(mu_);
  for (const auto& [id, entry] : streams_) {
    if (entry->publisher_serial != 0) out.emplace(id, HealthLocked(*entry));
  }
  return out;
}

void StreamRegistry::Forget(const std::string& stream_id) {
  {
    std::lock_guard lock(mu_);
    std::erase_if(playback_cache_,
                  [&stream_id](const auto& entry) { return entry.second.first == stream_id; });
  }
  Kick(stream_id);
}

void StreamRegistry::Kick(const std::string& stream_id) {
  std::function<void()> disconnect;
  {
    std::lock_guard lock(mu_);
    auto it = streams_.find(stream_id);
    if (it == streams_.end()) return;
    disconnect = it->second->disconnect_publisher;
  }
  if (disconnect) disconnect();
}

PlaybackTarget StreamRegistry::LookupPlayback(std::string_view playback_id) {
  {
    std::lock_guard lock(mu_);
    if (auto cached = playback_cache_.find(playback_id); cached != playback_cache_.end()) {
      PlaybackTarget target;
      target.exists = true;
      target.policy = cached->second.second;
      if (auto it = streams_.find(cached->second.first); it != streams_.end()) {
        target.packager = it->second->packager;
      }
      return target;
    }
  }
  auto stream = store_.live_streams().GetByPlaybackId(std::string(playback_id));
  if (!stream.ok()) return {};
  PlaybackTarget target;
  target.exists = true;
  for (const auto& pb : stream->playback_ids) {
    if (pb.id == playback_id) target.policy = pb.policy;
  }
  std::lock_guard lock(mu_);
  playback_cache_[std::string(playback_id)] = {stream->id, target.policy};
  auto it = streams_.find(stream->id);
  if (it != streams_.end()) target.packager = it->second->packager;
  return target;
}

size_t StreamRegistry::active_publishers() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [id, entry] : streams_) n += entry->publisher_serial != 0 ? 1 : 0;
  return n;
}

}  // namespace steadycast::session
