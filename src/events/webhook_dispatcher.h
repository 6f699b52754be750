#pragma once
// WebhookDispatcher: delivers the outbox to the webhook endpoints (docs/contract.md
// "Webhook delivery"). It runs off the store only — never on the media path or an API thread —
// and keeps no state the store does not have, so after a crash or restart it resumes exactly
// where it was: the endpoints' outbox cursors, the pending deliveries with their next attempt
// time and attempt count, and each endpoint's circuit breaker are all persisted.
//
// One pass (RunOnce):
//   1. For every endpoint, EnqueueFromOutbox: a pending delivery per new matching event.
//   2. Due deliveries, per endpoint in (object, sequence) order. A delivery is sent only when
//      - the endpoint's breaker allows it (open: it waits, no attempt is burned; after the
//        cool-down exactly one delivery probes the endpoint — CircuitBreaker; when the probe
//        succeeds, every pending delivery of the endpoint becomes due at once, so the backlog
//        goes out immediately and in order instead of after the outage's long backoffs);
//      - it is the oldest pending delivery of its object on that endpoint, or that older one
//        has already failed `order_bound_attempts` times while the endpoint's breaker is closed
//        (a receiver that rejects one event holds the object's later events back for ~1.5 h at
//        most, then they go on; during an outage the order is strict);
//      - fewer than `per_endpoint_in_flight` deliveries of the endpoint are in flight (a slow
//        receiver holds only its own slots, never another endpoint's).
//   3. POST the envelope with Content-Type: application/json, Steadycast-Signature (one v1 per
//      valid secret: current, and the previous one during a rotation), Steadycast-Event-Id,
//      Steadycast-Delivery-Attempt (1, 2, ...). 2xx within the timeout is a success; anything
//      else a failure → retry after RetryDelay(attempts) (10 s, 1 min, 5 min, 30 min, 1 h, then
//      hourly, ±10 % jitter) until `max_retry_age` after the delivery was created (default 24 h,
//      at most 72 h), then `failed` (redeliverable through the API).
// The outcome is written back before the next attempt can start, so a crash between the POST
// and the write sends that delivery again (at-least-once; receivers dedupe on the event id).
//
// Threading: Start() runs passes on a thread of its own (every poll_interval, or at once after
// Wake()), with the POSTs on `workers` threads; RunOnce() is for tests (POSTs inline, on the
// calling thread, with an injected clock). Stop() waits for in-flight POSTs (≤ their timeout).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "base/clock.h"
#include "net/circuit_breaker.h"
#include "net/outbound_http.h"
#include "store/store.h"

namespace steadycast::events {

struct WebhookDispatcherOptions {
  std::chrono::milliseconds poll_interval{500};
  int enqueue_batch = 500;  // outbox events scanned per endpoint per pass
  int due_batch = 500;      // due deliveries read per pass
  int workers = 4;
  int per_endpoint_in_flight = 2;
  std::chrono::milliseconds timeout{10'000};
  std::chrono::hours max_retry_age{24};  // clamped to 1..72 h
  int order_bound_attempts = 5;
  net::CircuitBreakerOptions breaker;
  // Multiplies the retry delays and the breaker's cool-downs (tests run a day of schedule in
  // seconds with 0.001; setting webhooks.time_scale). 1 in production.
  double time_scale = 1.0;
};

// The POST (OutboundHttp::Post in production; tests inject a fake).
using WebhookPostFn = std::function<net::OutboundHttpResult(
    std::string_view url, const net::HttpHeaderList& headers, std::string_view body,
    std::chrono::milliseconds timeout)>;

// Delay before retry number `attempts` + 1 after `attempts` failed attempts (≥ 1), with
// `jitter` in [-1, 1] scaling ±10 %.
std::chrono::milliseconds WebhookRetryDelay(int64_t attempts, double jitter);

struct WebhookDispatcherStats {
  uint64_t attempts = 0;
  uint64_t succeeded = 0;
  uint64_t failed_attempts = 0;
  uint64_t gave_up = 0;  // deliveries marked failed
  uint64_t enqueued = 0;
};

class WebhookDispatcher {
 public:
  WebhookDispatcher(store::Store& store, base::Clock& clock, WebhookPostFn post,
                    WebhookDispatcherOptions options = {});
  ~WebhookDispatcher();
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;

  void Start();
  void Stop();
  // New events were committed: run a pass soon instead of at the next poll.
  void Wake();
  // One pass with the POSTs inline (tests).
  void RunOnce();

  WebhookDispatcherStats Stats() const;
  // Breaker state per endpoint id (for /metrics): "closed" | "open" | "half_open".
  std::map<std::string, std::string> BreakerStates() const;

 private:
  struct Job {
    store::WebhookEndpoint endpoint;
    store::WebhookDelivery delivery;
  };
  void Pass(bool inline_posts);
  void Deliver(Job job);
  net::CircuitBreaker& BreakerFor(const store::WebhookEndpoint& endpoint);
  void PersistBreaker(const std::string& endpoint_id);
  void ResumeEndpoint(const std::string& endpoint_id, int64_t now_ms);
  bool Ordered(const store::WebhookDelivery& delivery, bool endpoint_healthy);
  void Loop();
  void WorkerLoop();

  store::Store& store_;
  base::Clock& clock_;
  WebhookPostFn post_;
  const WebhookDispatcherOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;       // dispatcher loop: wake / stop
  std::condition_variable work_cv_;  // workers: jobs / stop
  std::deque<Job> jobs_;
  std::set<std::string> in_flight_;  // delivery ids queued or being sent
  std::map<std::string, int> endpoint_in_flight_;
  std::map<std::string, std::unique_ptr<net::CircuitBreaker>> breakers_;
  // The breaker state last written per endpoint (writes only on change).
  std::map<std::string, std::tuple<std::string, int64_t, int64_t>> saved_breakers_;
  bool wake_ = false;
  bool stopping_ = false;
  WebhookDispatcherStats stats_;
  std::thread loop_;
  std::vector<std::thread> workers_;
};

}  // namespace steadycast::events
