#pragma once
// GET /v1/events/stream: Server-Sent Events (WHATWG HTML "Server-sent events") of the outbox,
// for the dashboard and scripts (`steadycast events tail`). Each event is one SSE message:
//
//   id: evt_...            the event id (Last-Event-ID on reconnect resumes after it)
//   event: live_stream.updated
//   data: {...envelope...} as GET /v1/events/{id} and webhooks carry it, on one line
//
// Optional ?live_stream_id= (or ?object_id=) filter. `Last-Event-ID` (header, or the
// ?last_event_id= parameter for clients that cannot set headers) replays the events after it
// from the outbox, then the stream continues live from the EventBus without duplicates or
// holes. A comment line (": heartbeat") goes out every 15 s so proxies and clients see the
// connection alive. A client that falls behind loses events rather than slowing anyone: it
// gets `event: gap` with data {"lost":N} and can re-read them with GET /v1/events. On
// server shutdown the bus closes and every stream ends after what was queued.
//
// EventStreamHub owns the open streams and one thread that replays, forwards and sends
// heartbeats for all of them (no thread per client; store reads stay off the io threads).
// Ownership: created by RegisterEventStreamRoute and kept alive by the route; it borrows the
// event repository and the bus (app/ keeps both alive until the router is gone).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/api.h"
#include "api/middleware.h"
#include "events/event_bus.h"
#include "net/http_router.h"

namespace steadycast::api {

struct EventStreamOptions {
  std::chrono::milliseconds heartbeat{15'000};
  size_t queue_capacity = 1024;  // per client, in events (events::SubscribeOptions)
  int replay_page = 200;         // outbox rows read per replay step
  size_t max_streams = 1000;     // more concurrent streams → 503
};

class EventStreamHub {
 public:
  EventStreamHub(store::EventRepository& events, events::EventBus& bus,
                 EventStreamOptions options = {});
  ~EventStreamHub();  // ends every stream and joins the thread
  EventStreamHub(const EventStreamHub&) = delete;
  EventStreamHub& operator=(const EventStreamHub&) = delete;

  // Starts serving `stream`: events about `object_id` ("" = all) after outbox position
  // `after_position` (replayed), then live. Thread-safe.
  void Add(std::shared_ptr<net::HttpBodyStream> stream, std::string object_id,
           int64_t after_position);
  size_t StreamCount() const;
  const EventStreamOptions& options() const { return options_; }

 private:
  struct Client;
  // What the bus's on_ready callbacks hold instead of the hub: a publisher thread may still run
  // a callback while the hub is being destroyed, and the destructor unhooks it first.
  struct Waker {
    std::mutex mu;
    EventStreamHub* hub = nullptr;  // guarded by mu; null once the hub is going away
  };
  void Wake();
  void Run();
  // One pass over a client; false when it is finished (closed stream or bus).
  bool Serve(Client& client, std::chrono::steady_clock::time_point now);
  bool Replay(Client& client);

  store::EventRepository& events_;
  events::EventBus& bus_;
  const EventStreamOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool dirty_ = false;
  std::vector<std::unique_ptr<Client>> added_;  // guarded by mu_, taken by the thread
  size_t count_ = 0;                            // guarded by mu_
  std::shared_ptr<Waker> waker_;
  std::thread thread_;
};

// The SSE message for one stored event (exposed for tests).
std::string SseEventMessage(const store::StoredEvent& event);

// Registers GET /v1/events/stream wrapped in `chain`. Without ctx.event_bus the route answers
// 503. `ctx` (its store and bus) must outlive `router`.
void RegisterEventStreamRoute(net::HttpRouter& router, ApiContext& ctx,
                              const std::vector<Middleware>& chain,
                              EventStreamOptions options = {});

}  // namespace steadycast::api
