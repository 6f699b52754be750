#include "events/webhook_dispatcher.h"

#include <algorithm>
#include <random>

#include <fmt/format.h>

#include "base/log.h"
#include "events/event.h"
#include "events/webhook_signature.h"
#include "store/webhook.h"

namespace steadycast::events {
namespace {

using std::chrono::milliseconds;

int64_t Millis(base::Clock::WallTime t) { return base::ToUnixMillis(t); }

base::Clock::WallTime FromMillis(int64_t ms) {
  return base::Clock::WallTime(
      std::chrono::duration_cast<base::Clock::WallTime::duration>(std::chrono::milliseconds(ms)));
}

net::CircuitState StateFromName(std::string_view name) {
  if (name == store::kBreakerOpen) return net::CircuitState::kOpen;
  if (name == store::kBreakerHalfOpen) return net::CircuitState::kHalfOpen;
  return net::CircuitState::kClosed;
}

double Jitter() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(-1.0, 1.0)(rng);
}

}  // namespace

milliseconds WebhookRetryDelay(int64_t attempts, double jitter) {
  static constexpr milliseconds kSchedule[] = {
      std::chrono::seconds(10), std::chrono::minutes(1),  std::chrono::minutes(5),
      std::chrono::minutes(30), std::chrono::minutes(60),
  };
  const size_t index = static_cast<size_t>(
      std::clamp<int64_t>(attempts - 1, 0, static_cast<int64_t>(std::size(kSchedule)) - 1));
  const double base = static_cast<double>(kSchedule[index].count());
  return milliseconds(static_cast<int64_t>(base * (1.0 + 0.1 * std::clamp(jitter, -1.0, 1.0))));
}

WebhookDispatcher::WebhookDispatcher(store::Store& store, base::Clock& clock, WebhookPostFn post,
                                     WebhookDispatcherOptions options)
    : store_(store), clock_(clock), post_(std::move(post)), options_([&] {
        WebhookDispatcherOptions o = options;
        o.max_retry_age =
            std::clamp(o.max_retry_age, std::chrono::hours(1), std::chrono::hours(72));
        o.workers = std::max(1, o.workers);
        o.per_endpoint_in_flight = std::max(1, o.per_endpoint_in_flight);
        o.time_scale = std::clamp(o.time_scale, 1e-4, 1.0);
        const auto scale = [&](milliseconds d) {
          return std::max(milliseconds(1),
                          milliseconds(static_cast<int64_t>(d.count() * o.time_scale)));
        };
        o.breaker.cool_down = scale(o.breaker.cool_down);
        o.breaker.max_cool_down = scale(o.breaker.max_cool_down);
        o.breaker.probe_timeout = std::max(scale(o.breaker.probe_timeout), o.timeout);
        return o;
      }()) {}

WebhookDispatcher::~WebhookDispatcher() { Stop(); }

void WebhookDispatcher::Start() {
  std::lock_guard lock(mu_);
  if (loop_.joinable()) return;
  stopping_ = false;
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { WorkerLoop(); });
  loop_ = std::thread([this] { Loop(); });
}

void WebhookDispatcher::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    jobs_.clear();  // still pending in the store: sent after the next start
  }
  cv_.notify_all();
  work_cv_.notify_all();
  if (loop_.joinable()) loop_.join();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
}

void WebhookDispatcher::Wake() {
  {
    std::lock_guard lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

void WebhookDispatcher::RunOnce() { Pass(/*inline_posts=*/true); }

void WebhookDispatcher::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    Pass(/*inline_posts=*/false);
    lock.lock();
    cv_.wait_for(lock, options_.poll_interval, [this] { return stopping_ || wake_; });
    wake_ = false;
  }
}

void WebhookDispatcher::WorkerLoop() {
  std::unique_lock lock(mu_);
  while (true) {
    work_cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (stopping_) return;
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    const std::string id = job.delivery.id;
    const std::string endpoint = job.endpoint.id;
    Deliver(std::move(job));
    lock.lock();
    in_flight_.erase(id);
    --endpoint_in_flight_[endpoint];
    // A finished delivery may unblock the next one of its object or endpoint: pass again now.
    wake_ = true;
    cv_.notify_all();
  }
}

net::CircuitBreaker& WebhookDispatcher::BreakerFor(const store::WebhookEndpoint& endpoint) {
  std::lock_guard lock(mu_);
  auto& breaker = breakers_[endpoint.id];
  if (!breaker) {  // first use in this process: the persisted state
    breaker = std::make_unique<net::CircuitBreaker>(clock_, options_.breaker);
    breaker->Restore(StateFromName(endpoint.breaker_state),
                     static_cast<int>(endpoint.consecutive_failures),
                     FromMillis(endpoint.breaker_open_until_ms));
  }
  return *breaker;
}

void WebhookDispatcher::PersistBreaker(const std::string& endpoint_id) {
  net::CircuitSnapshot snapshot;
  {
    std::lock_guard lock(mu_);
    auto it = breakers_.find(endpoint_id);
    if (it == breakers_.end()) return;
    snapshot = it->second->Snapshot();
  }
  const std::string state(net::CircuitStateName(snapshot.state));
  const int64_t open_until = Millis(snapshot.open_until);
  {
    std::lock_guard lock(mu_);
    auto& saved = saved_breakers_[endpoint_id];
    if (saved == std::tuple(state, snapshot.consecutive_failures, open_until)) return;
    saved = std::tuple(state, snapshot.consecutive_failures, open_until);
  }
  // Only the breaker columns: never a stale copy of the secrets or the outbox cursor.
  base::Status s = store_.webhook_endpoints().SetBreakerState(
      endpoint_id, state, snapshot.consecutive_failures, open_until);
  if (!s.ok() && s.code() != base::ErrorCode::kNotFound) {  // not found: deleted meanwhile
    SC_LOG_WARN("webhooks: endpoint {}: breaker state not saved: {}", endpoint_id, s.ToString());
  }
}

// The endpoint answered again after an outage: its pending deliveries wait for backoffs that
// the outage made long (up to an hour); make them due now, so they go out at once and in
// sequence order (a later event must not overtake an earlier one only because the earlier one
// has a longer backoff). The newest 1000 deliveries of the endpoint are looked at.
void WebhookDispatcher::ResumeEndpoint(const std::string& endpoint_id, int64_t now_ms) {
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    auto deliveries = store_.webhook_deliveries().List(endpoint_id, 100, cursor);
    if (!deliveries.ok()) return;
    for (store::WebhookDelivery& d : deliveries->items) {
      if (d.status != store::kDeliveryPending || d.next_attempt_at_ms <= now_ms) continue;
      d.next_attempt_at_ms = now_ms;
      (void)store_.webhook_deliveries().Update(d);
    }
    if (!deliveries->next_cursor) return;
    cursor = *deliveries->next_cursor;
  }
}

// Ordering per object: the oldest pending delivery of the object goes first, unless it has
// already failed often enough (the bound).
bool WebhookDispatcher::Ordered(const store::WebhookDelivery& delivery, bool endpoint_healthy) {
  auto oldest = store_.webhook_deliveries().OldestPendingFor(
      delivery.endpoint_id, delivery.object_type, delivery.object_id);
  if (!oldest.ok() || !*oldest) return true;
  const store::WebhookDelivery& first = **oldest;
  // The bound applies only while the endpoint answers others: failures during an outage are
  // the endpoint's, not this event's, and must not reorder the backlog.
  return first.id == delivery.id || first.sequence >= delivery.sequence ||
         (endpoint_healthy && first.attempts >= options_.order_bound_attempts);
}

void WebhookDispatcher::Pass(bool inline_posts) {
  const int64_t now_ms = Millis(clock_.WallNow());
  // 1. New outbox events → pending deliveries, endpoint by endpoint.
  std::map<std::string, store::WebhookEndpoint> endpoints;
  std::string cursor;
  do {
    auto page = store_.webhook_endpoints().List(100, cursor);
    if (!page.ok()) {
      SC_LOG_WARN("webhooks: cannot list endpoints: {}", page.status().ToString());
      return;
    }
    for (store::WebhookEndpoint& e : page->items) endpoints.emplace(e.id, std::move(e));
    cursor = page->next_cursor.value_or("");
  } while (!cursor.empty());
  for (const auto& [id, endpoint] : endpoints) {
    auto enqueued =
        store_.webhook_deliveries().EnqueueFromOutbox(id, options_.enqueue_batch, now_ms);
    if (enqueued.ok() && *enqueued > 0) {
      std::lock_guard lock(mu_);
      stats_.enqueued += static_cast<uint64_t>(*enqueued);
    }
  }
  // 2. Due deliveries that may go now.
  auto due = store_.webhook_deliveries().Due(now_ms, options_.due_batch);
  if (!due.ok()) {
    SC_LOG_WARN("webhooks: cannot read due deliveries: {}", due.status().ToString());
    return;
  }
  std::set<std::string> probed;  // endpoints whose probe ran inline in this pass
  for (store::WebhookDelivery& delivery : *due) {
    auto endpoint = endpoints.find(delivery.endpoint_id);
    if (endpoint == endpoints.end() || probed.count(delivery.endpoint_id)) continue;
    {
      std::lock_guard lock(mu_);
      if (stopping_ && !inline_posts) return;
      if (in_flight_.count(delivery.id) ||
          endpoint_in_flight_[delivery.endpoint_id] >= options_.per_endpoint_in_flight) {
        continue;
      }
    }
    net::CircuitBreaker& breaker = BreakerFor(endpoint->second);
    const bool closed = breaker.state() == net::CircuitState::kClosed;
    if (!Ordered(delivery, closed)) continue;
    // The breaker decides last (Allow() may turn it half-open and make this the probe).
    if (!breaker.Allow()) continue;
    Job job{endpoint->second, std::move(delivery)};
    if (inline_posts) {
      Deliver(std::move(job));
      // After a probe the endpoint's backlog may have become due (ResumeEndpoint): the next
      // pass reads it in order; this pass's list is stale for that endpoint.
      if (!closed) probed.insert(endpoint->first);
      continue;
    }
    {
      std::lock_guard lock(mu_);
      in_flight_.insert(job.delivery.id);
      ++endpoint_in_flight_[job.endpoint.id];
      jobs_.push_back(std::move(job));
    }
    work_cv_.notify_one();
  }
}

void WebhookDispatcher::Deliver(Job job) {
  store::WebhookDelivery& d = job.delivery;
  const store::WebhookEndpoint& endpoint = job.endpoint;
  net::CircuitBreaker& breaker = BreakerFor(endpoint);
  auto event = store_.events().Get(d.event_id);
  if (!event.ok()) {  // cannot happen while the outbox keeps events; never retry it forever
    d.status = std::string(store::kDeliveryFailed);
    d.last_error = "event not found: " + event.status().ToString();
    d.updated_at_ms = Millis(clock_.WallNow());
    (void)store_.webhook_deliveries().Update(d);
    breaker.RecordSuccess();  // the endpoint did nothing wrong
    return;
  }
  const std::string body = EventEnvelope(*event).dump();
  const int64_t t = Millis(clock_.WallNow()) / 1000;
  std::vector<std::string> secrets = {endpoint.secret};
  if (endpoint.previous_secret && endpoint.previous_secret_expires_ms > t * 1000) {
    secrets.push_back(*endpoint.previous_secret);
  }
  const net::HttpHeaderList headers = {
      {"Content-Type", "application/json"},
      {std::string(kSignatureHeaderName), SignatureHeader(secrets, t, body)},
      {"Steadycast-Event-Id", d.event_id},
      {"Steadycast-Delivery-Attempt", std::to_string(d.attempts + 1)},
  };
  const bool was_probe = breaker.state() != net::CircuitState::kClosed;
  const auto started = clock_.Now();
  const net::OutboundHttpResult result = post_(endpoint.url, headers, body, options_.timeout);
  const bool in_time = clock_.Now() - started <= options_.timeout;
  const bool ok = result.Succeeded() && in_time;
  if (ok) {
    breaker.RecordSuccess();
  } else {
    breaker.RecordFailure();
  }
  const int64_t now_ms = Millis(clock_.WallNow());
  ++d.attempts;
  d.last_status_code = result.status_code;
  d.last_error =
      ok ? ""
      : result.error != net::OutboundError::kNone
          ? fmt::format("{}: {}", net::OutboundErrorName(result.error), result.error_message)
      : !in_time ? "timeout"
                 : fmt::format("HTTP {}", result.status_code);
  d.updated_at_ms = now_ms;
  bool gave_up = false;
  if (ok) {
    d.status = std::string(store::kDeliverySucceeded);
    d.succeeded_at_ms = now_ms;
  } else {
    const auto delay = WebhookRetryDelay(d.attempts, Jitter()).count() * options_.time_scale;
    const int64_t next = now_ms + std::max<int64_t>(1, static_cast<int64_t>(delay));
    const double age_ms = static_cast<double>(
        std::chrono::duration_cast<milliseconds>(options_.max_retry_age).count());
    const int64_t give_up_at = d.created_at_ms + static_cast<int64_t>(age_ms * options_.time_scale);
    gave_up = next > give_up_at;
    d.status = std::string(gave_up ? store::kDeliveryFailed : store::kDeliveryPending);
    d.next_attempt_at_ms = next;
  }
  if (base::Status s = store_.webhook_deliveries().Update(d); !s.ok()) {
    SC_LOG_WARN("webhooks: delivery {} not saved: {}", d.id, s.ToString());
  }
  PersistBreaker(endpoint.id);
  if (ok && was_probe) ResumeEndpoint(endpoint.id, now_ms);
  std::lock_guard lock(mu_);
  ++stats_.attempts;
  if (ok) ++stats_.succeeded;
  if (!ok) ++stats_.failed_attempts;
  if (gave_up) ++stats_.gave_up;
}

WebhookDispatcherStats WebhookDispatcher::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

std::map<std::string, std::string> WebhookDispatcher::BreakerStates() const {
  std::lock_guard lock(mu_);
  std::map<std::string, std::string> out;
  for (const auto& [id, breaker] : breakers_) {
    out.emplace(id, std::string(net::CircuitStateName(breaker->state())));
  }
  return out;
}

}  // namespace steadycast::events
