#include "api/events_stream.h"

#include <charconv>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/events.h"
#include "api/problem.h"
#include "base/log.h"
#include "events/event.h"

namespace steadycast::api {

using Clock = std::chrono::steady_clock;

struct EventStreamHub::Client {
  std::shared_ptr<net::HttpBodyStream> stream;
  std::unique_ptr<events::EventSubscription> subscription;
  std::string object_id;
  int64_t last_position = 0;  // the newest event sent (or skipped as before the resume point)
  bool replaying = true;
  Clock::time_point next_heartbeat;
};

std::string SseEventMessage(const store::StoredEvent& event) {
  // json::dump escapes control characters, so the data is one line as SSE requires.
  return fmt::format("id: {}\nevent: {}\ndata: {}\n\n", event.id, event.type,
                     DumpJson(events::EventEnvelope(event)));
}

EventStreamHub::EventStreamHub(store::EventRepository& events, events::EventBus& bus,
                               EventStreamOptions options)
    : events_(events),
      bus_(bus),
      options_(options),
      waker_(std::make_shared<Waker>()),
      thread_([this] { Run(); }) {
  waker_->hub = this;
}

EventStreamHub::~EventStreamHub() {
  {
    std::lock_guard lock(waker_->mu);
    waker_->hub = nullptr;
  }
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void EventStreamHub::Add(std::shared_ptr<net::HttpBodyStream> stream, std::string object_id,
                         int64_t after_position) {
  auto client = std::make_unique<Client>();
  client->stream = std::move(stream);
  client->object_id = object_id;
  client->last_position = after_position;
  // Subscribed before the replay reads the outbox, so nothing committed in between is missed.
  client->subscription = bus_.Subscribe({.object_id = std::move(object_id),
                                         .queue_capacity = options_.queue_capacity,
                                         .on_ready = [waker = waker_] {
                                           std::lock_guard lock(waker->mu);
                                           if (waker->hub) waker->hub->Wake();
                                         }});
  client->stream->Write(fmt::format("retry: 2000\n: connected\n\n"));
  {
    std::lock_guard lock(mu_);
    added_.push_back(std::move(client));
    ++count_;
    dirty_ = true;
  }
  cv_.notify_all();
}

void EventStreamHub::Wake() {
  {
    std::lock_guard lock(mu_);
    dirty_ = true;
  }
  cv_.notify_all();
}

size_t EventStreamHub::StreamCount() const {
  std::lock_guard lock(mu_);
  return count_;
}

void EventStreamHub::Run() {
  std::vector<std::unique_ptr<Client>> clients;
  // A closed client stream is noticed at least this often even when nothing happens.
  constexpr std::chrono::milliseconds kPoll{1000};
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::min<std::chrono::milliseconds>(kPoll, options_.heartbeat),
                   [this] { return stop_ || dirty_; });
      if (stop_) break;
      dirty_ = false;
      for (auto& c : added_) clients.push_back(std::move(c));
      added_.clear();
    }
    const Clock::time_point now = Clock::now();
    size_t finished = 0;
    for (auto& client : clients) {
      if (!Serve(*client, now)) {
        client->stream->Close();
        client.reset();
        ++finished;
      }
    }
    std::erase(clients, nullptr);
    if (finished > 0) {
      std::lock_guard lock(mu_);
      count_ -= finished;
    }
  }
  for (auto& client : clients) client->stream->Close();
  std::lock_guard lock(mu_);
  for (auto& client : added_) client->stream->Close();
}

bool EventStreamHub::Replay(Client& client) {
  // Live events queued meanwhile are covered by the outbox read that follows.
  if (client.subscription->Take().closed) return false;
  auto page = events_.List({.after_position = client.last_position,
                            .limit = options_.replay_page,
                            .object_id = client.object_id});
  if (!page.ok()) {
    SC_LOG_WARN("events stream: replay: {}", page.status().ToString());
    return false;
  }
  for (const store::StoredEvent& event : *page) {
    if (!client.stream->Write(SseEventMessage(event))) return false;
    client.last_position = event.position;
  }
  if (page->size() < static_cast<size_t>(options_.replay_page)) client.replaying = false;
  {
    std::lock_guard lock(mu_);
    dirty_ = dirty_ || client.replaying;  // come back for the next page soon
  }
  return true;
}

bool EventStreamHub::Serve(Client& client, Clock::time_point now) {
  if (!client.stream->IsOpen()) return false;
  if (client.next_heartbeat == Clock::time_point())
    client.next_heartbeat = now + options_.heartbeat;
  if (client.replaying) return Replay(client);
  events::EventBatch batch = client.subscription->Take();
  if (batch.lost > 0) {
    // The events are in the outbox; the client re-reads them (GET /v1/events) if it cares.
    const std::string gap = fmt::format("event: gap\ndata: {{\"lost\":{}}}\n\n", batch.lost);
    if (!client.stream->Write(gap)) return false;
  }
  for (const store::StoredEvent& event : batch.events) {
    if (event.position <= client.last_position) continue;  // already replayed
    if (!client.stream->Write(SseEventMessage(event))) return false;
    client.last_position = event.position;
  }
  if (batch.closed) return false;  // server shutdown
  if (now >= client.next_heartbeat) {
    if (!client.stream->Write(": heartbeat\n\n")) return false;
    client.next_heartbeat = now + options_.heartbeat;
  }
  return true;
}

namespace {

// Last-Event-ID: an event id (its outbox position is looked up) or a bare position. Without
// one the stream starts at the outbox head, read here — before the hub subscribes — so that the
// hub's replay from that position covers anything committed in between.
std::optional<int64_t> ResumePosition(store::EventRepository& events, std::string_view text,
                                      net::HttpResponse& problem) {
  if (text.empty()) {
    auto head = events.List({.limit = 1, .newest_first = true});
    if (!head.ok()) {
      problem = ProblemFromStatus(head.status());
      return std::nullopt;
    }
    return head->empty() ? 0 : head->front().position;
  }
  int64_t position = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), position);
  if (ec == std::errc() && end == text.data() + text.size() && position >= 0) return position;
  if (text.starts_with("evt_") && text.size() <= 64) {
    auto event = events.Get(std::string(text));
    if (event.ok()) return event->position;
    if (event.status().code() != base::ErrorCode::kNotFound) {
      problem = ProblemFromStatus(event.status());
      return std::nullopt;
    }
  }
  problem = Problem(ProblemType::kInvalidRequest, "invalid Last-Event-ID",
                    {{"Last-Event-ID", "must be the id of a stored event or a position"}});
  return std::nullopt;
}

}  // namespace

void RegisterEventStreamRoute(net::HttpRouter& router, ApiContext& ctx,
                              const std::vector<Middleware>& chain, EventStreamOptions options) {
  std::shared_ptr<EventStreamHub> hub;
  if (ctx.event_bus != nullptr) {
    hub = std::make_shared<EventStreamHub>(ctx.store.events(), *ctx.event_bus, options);
  }
  router.Add(
      "GET", "/v1/events/stream",
      Chain(chain, [&ctx, hub](ApiRequest& request, net::HttpResponder respond) {
        if (!hub) return respond(Problem(ProblemType::kUnavailable, "no event bus"));
        if (hub->StreamCount() >= hub->options().max_streams) {
          return respond(Problem(ProblemType::kUnavailable, "too many event streams"));
        }
        FieldError error;
        auto object_id = ObjectIdFilter(request.http, error);
        if (!object_id) {
          return respond(Problem(ProblemType::kInvalidRequest, "invalid query parameter", {error}));
        }
        std::string_view last = request.http.Header("last-event-id");
        if (last.empty()) last = request.http.Query("last_event_id");
        net::HttpResponse problem;
        auto after = ResumePosition(ctx.store.events(), last, problem);
        if (!after) return respond(std::move(problem));
        net::HttpResponse response;
        response.Header("Content-Type", "text/event-stream; charset=utf-8")
            .Header("Cache-Control", "no-store")
            .Header("X-Accel-Buffering", "no");  // nginx: pass events through at once
        response.stream = [hub, id = std::move(*object_id),
                           position = *after](std::shared_ptr<net::HttpBodyStream> s) {
          hub->Add(std::move(s), id, position);
        };
        respond(std::move(response));
      }));
}

}  // namespace steadycast::api
