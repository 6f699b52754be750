#include "events/event_bus.h"

#include <algorithm>
#include <utility>

namespace steadycast::events {

struct EventSubscription::Queue {
  SubscribeOptions options;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<store::StoredEvent> events;
  uint64_t lost = 0;
  bool closed = false;
  std::weak_ptr<EventBus::State> bus;  // to unsubscribe
};

struct EventBus::State {
  mutable std::mutex mu;
  std::vector<std::shared_ptr<EventSubscription::Queue>> queues;
  bool closed = false;
  uint64_t published = 0;
};

namespace {

// Queues the events `queue` wants; true when its subscriber should be woken.
bool Offer(EventSubscription::Queue& queue, const std::vector<store::StoredEvent>& events) {
  std::lock_guard lock(queue.mu);
  bool queued = false;
  for (const store::StoredEvent& event : events) {
    if (!queue.options.object_id.empty() && event.object_id != queue.options.object_id) continue;
    if (queue.events.size() >= queue.options.queue_capacity) {
      ++queue.lost;  // the newest is dropped: what is queued stays a gap-free prefix
      queued = true;
      continue;
    }
    queue.events.push_back(event);
    queued = true;
  }
  if (queued) queue.cv.notify_all();
  return queued;
}

void MarkClosed(EventSubscription::Queue& queue) {
  {
    std::lock_guard lock(queue.mu);
    queue.closed = true;
  }
  queue.cv.notify_all();
  if (queue.options.on_ready) queue.options.on_ready();
}

}  // namespace

EventSubscription::~EventSubscription() {
  auto bus = queue_->bus.lock();
  if (!bus) return;
  std::lock_guard lock(bus->mu);
  std::erase(bus->queues, queue_);
}

EventBatch EventSubscription::Take() {
  std::lock_guard lock(queue_->mu);
  EventBatch batch;
  batch.events.assign(std::make_move_iterator(queue_->events.begin()),
                      std::make_move_iterator(queue_->events.end()));
  queue_->events.clear();
  batch.lost = std::exchange(queue_->lost, 0);
  batch.closed = queue_->closed;
  return batch;
}

EventBatch EventSubscription::WaitFor(std::chrono::milliseconds timeout) {
  {
    std::unique_lock lock(queue_->mu);
    queue_->cv.wait_for(lock, timeout, [this] {
      return !queue_->events.empty() || queue_->lost > 0 || queue_->closed;
    });
  }
  return Take();
}

EventBus::EventBus() : state_(std::make_shared<State>()) {}

EventBus::~EventBus() { Close(); }

std::unique_ptr<EventSubscription> EventBus::Subscribe(SubscribeOptions options) {
  auto queue = std::make_shared<EventSubscription::Queue>();
  queue->options = std::move(options);
  queue->options.queue_capacity = std::max<size_t>(queue->options.queue_capacity, 1);
  queue->bus = state_;
  bool closed = false;
  {
    std::lock_guard lock(state_->mu);
    closed = state_->closed;
    if (!closed) state_->queues.push_back(queue);
  }
  if (closed) MarkClosed(*queue);
  return std::make_unique<EventSubscription>(std::move(queue));
}

void EventBus::Publish(const std::vector<store::StoredEvent>& events) {
  if (events.empty()) return;
  std::vector<std::shared_ptr<EventSubscription::Queue>> queues;
  {
    std::lock_guard lock(state_->mu);
    if (state_->closed) return;
    state_->published += events.size();
    queues = state_->queues;
  }
  for (const auto& queue : queues) {
    if (Offer(*queue, events) && queue->options.on_ready) queue->options.on_ready();
  }
}

void EventBus::Close() {
  std::vector<std::shared_ptr<EventSubscription::Queue>> queues;
  {
    std::lock_guard lock(state_->mu);
    if (state_->closed) return;
    state_->closed = true;
    queues.swap(state_->queues);
  }
  for (const auto& queue : queues) MarkClosed(*queue);
}

size_t EventBus::SubscriberCount() const {
  std::lock_guard lock(state_->mu);
  return state_->queues.size();
}

uint64_t EventBus::published() const {
  std::lock_guard lock(state_->mu);
  return state_->published;
}

}  // namespace steadycast::events
