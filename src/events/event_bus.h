#pragma once
// The in-process event bus: live subscribers (Server-Sent Events, later the
// dashboard and the webhook dispatcher's wake-up) get every outbox event AFTER the store
// transaction that wrote it has committed, in outbox position order. Producers never publish
// directly: OutboxPublisher (event_bus_store.h) reads what was committed and publishes it, so
// the bus can never show an event that a crash would lose.
//
// Back-pressure: each subscription has a bounded queue. Publish never blocks on a subscriber;
// when a queue is full the newest events are dropped for that subscriber only and counted, and
// the subscriber learns how many it lost with its next batch (SSE sends `event: gap`, and the
// client can re-read the outbox from the last position it saw).
//
// Ownership: the bus is owned by app/; subscriptions are owned by their subscriber and may
// outlive the bus (they then report closed). Threading: every method is thread-safe; the
// `on_ready` callback runs on the publishing (or closing) thread with no bus lock held and must
// not block (it is meant to signal a condition variable or post to an executor).

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/store.h"

namespace steadycast::events {

struct SubscribeOptions {
  std::string object_id;           // only this object's events; "" = all
  size_t queue_capacity = 1024;    // events held for a subscriber that does not keep up
  std::function<void()> on_ready;  // something was queued, or the bus closed
};

// What a subscriber takes from its queue.
struct EventBatch {
  std::vector<store::StoredEvent> events;  // ascending by position
  uint64_t lost = 0;    // events dropped for this subscriber before (or among) these
  bool closed = false;  // the bus is closed: no more events will come
};

class EventSubscription {
 public:
  struct Queue;  // shared with the bus
  explicit EventSubscription(std::shared_ptr<Queue> queue) : queue_(std::move(queue)) {}
  ~EventSubscription();  // unsubscribes
  EventSubscription(const EventSubscription&) = delete;
  EventSubscription& operator=(const EventSubscription&) = delete;

  // Everything queued now (never waits).
  EventBatch Take();
  // Waits until something is queued, the bus closes, or `timeout` passes; then Take().
  EventBatch WaitFor(std::chrono::milliseconds timeout);

 private:
  std::shared_ptr<Queue> queue_;
};

class EventBus {
 public:
  EventBus();
  ~EventBus();  // Close()
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  std::unique_ptr<EventSubscription> Subscribe(SubscribeOptions options = {});
  // Hands committed events (ascending by position) to every matching subscriber.
  void Publish(const std::vector<store::StoredEvent>& events);
  // Server shutdown: every subscriber is told (closed batch, on_ready); later Publish and
  // Subscribe calls do nothing / return closed subscriptions. Idempotent.
  void Close();
  size_t SubscriberCount() const;
  uint64_t published() const;

  struct State;  // shared with subscriptions (defined in the .cc)

 private:
  std::shared_ptr<State> state_;
};

}  // namespace steadycast::events
