#pragma once
// The after-commit hook that feeds the EventBus (event_bus.h). Chosen over a callback inside
// store/sqlite: the outbox stays the single source of truth (the bus only ever sees committed
// rows, read back with their position and sequence), and no store implementation needs to know
// about the bus.
//
//   OutboxPublisher  remembers the last outbox position it published; Pump() reads every
//                    event after it and publishes them in order. Serialised by a mutex, so
//                    concurrent pumps never reorder or duplicate.
//   PublishingStore  a store::Store decorator: after every successful write that appends to
//                    the outbox (CreateWithEvents, Mutate, DeleteWithEvents, events().Append)
//                    it calls Pump(). app/ hands it to the session registry and the API in
//                    place of the raw store, so every producer is covered by one hook.
//
// Writes made by another process on the same database file (e.g. a CLI) reach the bus with
// the next write of this process. Ownership: both borrow the store and the bus, which must
// outlive them. Threading: thread-safe; Pump() runs on the writer's thread (one indexed read).

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "events/event_bus.h"
#include "store/store.h"

namespace steadycast::events {

class OutboxPublisher {
 public:
  // Starts after the newest event already in the outbox (history is read from the store).
  OutboxPublisher(store::EventRepository& events, EventBus& bus);
  // Publishes every event committed since the last call.
  void Pump();
  int64_t last_position() const;

 private:
  store::EventRepository& events_;
  EventBus& bus_;
  mutable std::mutex mu_;
  int64_t last_position_ = 0;
};

class PublishingStore final : public store::Store {
 public:
  PublishingStore(store::Store& inner, EventBus& bus);
  ~PublishingStore() override;

  store::LiveStreamRepository& live_streams() override;
  store::TokenRepository& tokens() override { return inner_.tokens(); }
  store::EventRepository& events() override;
  store::IdempotencyRepository& idempotency() override { return inner_.idempotency(); }
  store::WebhookEndpointRepository& webhook_endpoints() override {
    return inner_.webhook_endpoints();
  }
  store::WebhookDeliveryRepository& webhook_deliveries() override {
    return inner_.webhook_deliveries();
  }
  base::Status Ping() override { return inner_.Ping(); }

  OutboxPublisher& publisher() { return publisher_; }

 private:
  class Streams;
  class Events;
  store::Store& inner_;
  OutboxPublisher publisher_;
  std::unique_ptr<Streams> streams_;
  std::unique_ptr<Events> events_;
};

}  // namespace steadycast::events
