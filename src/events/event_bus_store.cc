#include "events/event_bus_store.h"

#include "base/log.h"

namespace steadycast::events {
namespace {

constexpr int kPumpBatch = 500;

}  // namespace

OutboxPublisher::OutboxPublisher(store::EventRepository& events, EventBus& bus)
    : events_(events), bus_(bus) {
  auto newest = events_.List({.limit = 1, .newest_first = true});
  if (!newest.ok()) {
    SC_LOG_WARN("events: cannot read the outbox head: {}", newest.status().ToString());
  } else if (!newest->empty()) {
    last_position_ = newest->front().position;
  }
}

void OutboxPublisher::Pump() {
  std::lock_guard lock(mu_);
  while (true) {
    auto batch = events_.List({.after_position = last_position_, .limit = kPumpBatch});
    if (!batch.ok()) {
      // The events stay in the outbox; the next Pump() publishes them.
      SC_LOG_WARN("events: reading the outbox for the bus: {}", batch.status().ToString());
      return;
    }
    if (batch->empty()) return;
    last_position_ = batch->back().position;
    bus_.Publish(*batch);
    if (batch->size() < static_cast<size_t>(kPumpBatch)) return;
  }
}

int64_t OutboxPublisher::last_position() const {
  std::lock_guard lock(mu_);
  return last_position_;
}

// Forwards everything; pumps after the writes that append events.
class PublishingStore::Streams final : public store::LiveStreamRepository {
 public:
  Streams(store::LiveStreamRepository& inner, OutboxPublisher& publisher)
      : inner_(inner), publisher_(publisher) {}

  base::Status Create(const store::LiveStream& s) override { return inner_.Create(s); }
  base::Result<store::LiveStream> Get(const std::string& id) override { return inner_.Get(id); }
  base::Result<store::LiveStream> GetByStreamKey(const std::string& key) override {
    return inner_.GetByStreamKey(key);
  }
  base::Result<store::LiveStream> GetByPlaybackId(const std::string& id) override {
    return inner_.GetByPlaybackId(id);
  }
  base::Result<store::Page> List(int limit, const std::string& cursor) override {
    return inner_.List(limit, cursor);
  }
  base::Status Update(const store::LiveStream& s) override { return inner_.Update(s); }
  base::Status SetStatus(const std::string& id, store::StreamStatus status,
                         int64_t updated_at_ms) override {
    return inner_.SetStatus(id, status, updated_at_ms);
  }
  base::Status Delete(const std::string& id) override { return inner_.Delete(id); }
  base::Status CreateWithEvents(const store::LiveStream& s,
                                const std::vector<store::NewEvent>& events) override {
    base::Status status = inner_.CreateWithEvents(s, events);
    if (status.ok()) publisher_.Pump();
    return status;
  }
  base::Result<store::LiveStream> Mutate(const std::string& id,
                                         const store::StreamMutation& mutate) override {
    auto result = inner_.Mutate(id, mutate);
    if (result.ok()) publisher_.Pump();
    return result;
  }
  base::Result<store::LiveStream> DeleteWithEvents(const std::string& id,
                                                   const store::DeletionEvents& events) override {
    auto result = inner_.DeleteWithEvents(id, events);
    if (result.ok()) publisher_.Pump();
    return result;
  }
  base::Result<std::vector<store::LiveStream>> ListByStatus(
      const std::vector<store::StreamStatus>& statuses) override {
    return inner_.ListByStatus(statuses);
  }

 private:
  store::LiveStreamRepository& inner_;
  OutboxPublisher& publisher_;
};

class PublishingStore::Events final : public store::EventRepository {
 public:
  Events(store::EventRepository& inner, OutboxPublisher& publisher)
      : inner_(inner), publisher_(publisher) {}

  base::Result<std::vector<store::StoredEvent>> List(const store::EventQuery& query) override {
    return inner_.List(query);
  }
  base::Result<store::StoredEvent> Get(const std::string& id) override { return inner_.Get(id); }
  base::Status Append(const std::vector<store::NewEvent>& events) override {
    base::Status status = inner_.Append(events);
    if (status.ok()) publisher_.Pump();
    return status;
  }

 private:
  store::EventRepository& inner_;
  OutboxPublisher& publisher_;
};

PublishingStore::PublishingStore(store::Store& inner, EventBus& bus)
    : inner_(inner),
      publisher_(inner.events(), bus),
      streams_(std::make_unique<Streams>(inner.live_streams(), publisher_)),
      events_(std::make_unique<Events>(inner.events(), publisher_)) {}

PublishingStore::~PublishingStore() = default;

store::LiveStreamRepository& PublishingStore::live_streams() { return *streams_; }
store::EventRepository& PublishingStore::events() { return *events_; }

}  // namespace steadycast::events
