#include "api/live_streams.h"

#include <charconv>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/live_stream_settings.h"
#include "api/middleware.h"
#include "api/problem.h"
#include "base/random.h"
#include "events/event.h"
#include "events/event_types.h"
#include "events/live_stream_object.h"

namespace steadycast::api {
namespace {

using nlohmann::json;

constexpr size_t kStreamKeyBytes = 24;  // 192 bits (contract: at least 128)
constexpr int kCreateAttempts = 3;      // random id/key collisions are astronomically rare
constexpr int kDefaultHistorySeconds = 300;
constexpr int kMaxHistorySeconds = 3600;  // the history keeps one hour

int64_t NowMs(const ApiContext& ctx) { return base::ToUnixMillis(ctx.clock.WallNow()); }

events::IngestBases Ingest(const ApiContext& ctx) { return {ctx.rtmp_base, ctx.srt_base}; }

// Strong entity tag (RFC 9110 §8.8.3) of one live stream: a hash of the object as the API
// returns it (id, updated_at and every field), so any visible change — even two within the
// same millisecond — gives a new tag. Used for ETag and checked against If-Match.
std::string StreamETag(const json& object) {
  return "\"" + Sha256Hex(DumpJson(object)).substr(0, 32) + "\"";
}
std::string StreamETag(const ApiContext& ctx, const store::LiveStream& stream) {
  return StreamETag(events::LiveStreamToJson(stream, Ingest(ctx)));
}

net::HttpResponse StreamResponse(const ApiContext& ctx, int status,
                                 const store::LiveStream& stream) {
  json object = events::LiveStreamToJson(stream, Ingest(ctx));
  const std::string etag = StreamETag(object);
  net::HttpResponse response = JsonResponse(status, json{{"data", std::move(object)}});
  response.Header("ETag", etag);
  return response;
}

// The request's If-Match field, if it sent one.
std::optional<std::string_view> IfMatch(const ApiRequest& request) {
  const auto it = request.http.headers.find("if-match");
  if (it == request.http.headers.end()) return std::nullopt;
  return std::string_view(it->second);
}

net::HttpResponse PreconditionFailed() {
  return Problem(ProblemType::kPreconditionFailed,
                 "If-Match does not match the live stream's current ETag; GET it again and "
                 "retry with the new ETag");
}

// 400 for a body that failed ParseLiveStreamSettings.
net::HttpResponse SettingsProblem(const SettingsParseResult& parsed) {
  if (parsed.json_error) {
    return Problem(ProblemType::kInvalidJson,
                   "the request body is not valid JSON (or nests deeper than 32 levels)");
  }
  return Problem(ProblemType::kInvalidRequest, "the request body has invalid fields",
                 parsed.errors);
}

// Strict decimal integer in [min, max] from a query parameter.
std::optional<int> ParseIntParam(std::string_view text, int min, int max) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (value < min || value > max) return std::nullopt;
  return value;
}

void Create(ApiContext& ctx, ApiRequest& request, net::HttpResponder respond) {
  const SettingsParseResult parsed =
      ParseLiveStreamSettings(request.http.body, SettingsMode::kCreate);
  if (!parsed.ok()) return respond(SettingsProblem(parsed));
  store::LiveStream stream;
  ApplySettings(parsed.settings, stream);
  stream.created_at_ms = stream.updated_at_ms = NowMs(ctx);
  const std::string policy = parsed.settings.playback_policy.value_or("public");
  base::Status status;
  for (int attempt = 0; attempt < kCreateAttempts; ++attempt) {
    stream.id = base::RandomId("ls");
    stream.stream_key = base::RandomUrlSafe(kStreamKeyBytes);
    stream.playback_ids = {{base::RandomId("pb"), policy}};
    status = ctx.store.live_streams().CreateWithEvents(
        stream, {events::LiveStreamEvent(events::kStreamCreated, stream, stream.created_at_ms)});
    if (status.code() != base::ErrorCode::kAlreadyExists) break;
  }
  if (!status.ok()) return respond(ProblemFromStatus(status));
  net::HttpResponse response = StreamResponse(ctx, 201, stream);
  response.Header("Location", "/v1/live-streams/" + stream.id);
  respond(std::move(response));
}

void List(ApiContext& ctx, ApiRequest& request, net::HttpResponder respond) {
  int limit = ctx.options.default_page_limit;
  if (request.http.query.count("limit") != 0) {
    auto parsed = ParseIntParam(request.http.Query("limit"), 1, ctx.options.max_page_limit);
    if (!parsed) {
      return respond(Problem(ProblemType::kInvalidRequest, "invalid query parameter",
                             {{"limit", fmt::format("must be an integer between 1 and {}",
                                                    ctx.options.max_page_limit)}}));
    }
    limit = *parsed;
  }
  auto page = ctx.store.live_streams().List(limit, std::string(request.http.Query("cursor")));
  if (!page.ok()) {
    if (page.status().code() == base::ErrorCode::kInvalidArgument) {
      return respond(Problem(ProblemType::kInvalidRequest, "invalid query parameter",
                             {{"cursor", "is not a cursor returned by this API"}}));
    }
    return respond(ProblemFromStatus(page.status()));
  }
  json data = json::array();
  for (const store::LiveStream& stream : page->items) {
    data.push_back(events::LiveStreamToJson(stream, Ingest(ctx)));
  }
  respond(JsonResponse(
      200, json{{"data", std::move(data)},
                {"next_cursor", page->next_cursor ? json(*page->next_cursor) : json(nullptr)}}));
}

// Loads {id} or answers 404/500; nullopt when it answered.
std::optional<store::LiveStream> Load(ApiContext& ctx, ApiRequest& request,
                                      const net::HttpResponder& respond) {
  auto stream = ctx.store.live_streams().Get(std::string(request.http.Param("id")));
  if (stream.ok()) return std::move(*stream);
  if (stream.status().code() == base::ErrorCode::kNotFound) {
    respond(Problem(ProblemType::kNotFound, "no live stream with this id"));
  } else {
    respond(ProblemFromStatus(stream.status()));
  }
  return std::nullopt;
}

// 404 for kNotFound, the mapped problem otherwise.
net::HttpResponse StreamProblem(const base::Status& status) {
  if (status.code() == base::ErrorCode::kNotFound) {
    return Problem(ProblemType::kNotFound, "no live stream with this id");
  }
  return ProblemFromStatus(status);
}

void Get(ApiContext& ctx, ApiRequest& request, net::HttpResponder respond) {
  auto stream = Load(ctx, request, respond);
  if (stream) respond(StreamResponse(ctx, 200, *stream));
}

// Settings that configure a connection (passphrase, SRT latency, latency mode, ladder) cannot
// change under a running publisher: they apply from its next connection.
std::vector<std::string> DeferredFields(const LiveStreamSettings& s) {
  std::vector<std::string> fields;
  if (s.srt_passphrase) fields.emplace_back("srt_passphrase");
  if (s.srt_latency_ms) fields.emplace_back("srt_latency_ms");
  if (s.latency_mode) fields.emplace_back("latency_mode");
  if (s.ladder_json) fields.emplace_back("ladder");
  return fields;
}

void Patch(ApiContext& ctx, ApiRequest& request, net::HttpResponder respond) {
  const SettingsParseResult parsed =
      ParseLiveStreamSettings(request.http.body, SettingsMode::kUpdate);
  if (!parsed.ok()) return respond(SettingsProblem(parsed));
  const int64_t now_ms = NowMs(ctx);
  const auto if_match = IfMatch(request);
  bool precondition_failed = false;
  auto stream = ctx.store.live_streams().Mutate(
      std::string(request.http.Param("id")),
      [&](store::LiveStream& s) -> base::Result<std::vector<store::NewEvent>> {
        // Checked inside the store transaction: no other change can slip in between.
        if (if_match && !IfMatchSatisfied(*if_match, StreamETag(ctx, s))) {
          precondition_failed = true;
          return base::FailedPrecondition("If-Match does not match");
        }
        const store::LiveStream before = s;
        ApplySettings(parsed.settings, s);
        if (s == before) return std::vector<store::NewEvent>{};  // nothing changed: no event
        s.updated_at_ms = std::max(now_ms, s.updated_at_ms);
        return std::vector<store::NewEvent>{
            events::LiveStreamEvent(events::kStreamUpdated, s, now_ms)};
      });
  if (precondition_failed) return respond(PreconditionFailed());
  if (!stream.ok()) return respond(StreamProblem(stream.status()));
  ctx.sessions.OnSettingsChanged(*stream, /*stream_key_changed=*/false);
  json body{{"data", events::LiveStreamToJson(*stream, Ingest(ctx))}};
  const std::string etag = StreamETag(body["data"]);
  if (ctx.sessions.HasPublisher(stream->id)) {
    if (auto deferred = DeferredFields(parsed.settings); !deferred.empty()) {
      body["meta"] = {{"applies_on_next_connection", deferred}};
    }
  }
  net::HttpResponse response = JsonResponse(200, std::move(body));
  response.Header("ETag", etag);
  respond(std::move(response));
}

// Kicks the publisher and ends the playlist (ENDLIST); the playback URL keeps answering with
// the final playlist for a grace period, then 404.
void Delete(ApiContext& ctx, ApiRequest& request, net::HttpResponder respond) {
  // If-Match is compared with the stream as loaded just before the deletion (the session
  // registry deletes by id only; the window between the two is a few microseconds).
  if (const auto if_match = IfMatch(request)) {
    auto current = Load(ctx, request, respond);
    if (!current) return;
    if (!IfMatchSatisfied(*if_match, StreamETag(ctx, *current))) {
      return respond(PreconditionFailed());
    }
  }
  auto deleted = ctx.sessions.Delete(std::string(request.http.Param("id")));
  if (!deleted.ok()) return respond(StreamProblem(deleted.status()));
  respond(net::HttpResponse::Status(204));
}

void ResetStreamKey(ApiContext& ctx, ApiRequest& request, net::HttpResponder respond) {
  const int64_t now_ms = NowMs(ctx);
  base::Result<store::LiveStream> stream = base::NotFound("not tried");
  for (int attempt = 0; attempt < kCreateAttempts; ++attempt) {
    const std::string key = base::RandomUrlSafe(kStreamKeyBytes);
    stream = ctx.store.live_streams().Mutate(
        std::string(request.http.Param("id")),
        [&](store::LiveStream& s) -> base::Result<std::vector<store::NewEvent>> {
          s.stream_key = key;
          s.updated_at_ms = std::max(now_ms, s.updated_at_ms);
          return std::vector<store::NewEvent>{
              events::LiveStreamEvent(events::kStreamKeyReset, s, now_ms)};
        });
    if (stream.status().code() != base::ErrorCode::kAlreadyExists) break;
  }
  if (!stream.ok()) return respond(StreamProblem(stream.status()));
  // The publisher on the old key is disconnected now (its connection closes within the
  // ingest's next turn, well under 1 s) and refused if it retries with that key.
  ctx.sessions.OnSettingsChanged(*stream, /*stream_key_changed=*/true);
  respond(StreamResponse(ctx, 200, *stream));
}

// disable: any status → disabled (kicks a publisher, ends a running broadcast). enable:
// disabled → idle; any other status is left alone. Both are idempotent.
void SetEnabled(ApiContext& ctx, ApiRequest& request, net::HttpResponder respond, bool enable) {
  const std::string id(request.http.Param("id"));
  auto stream = enable ? ctx.sessions.Enable(id) : ctx.sessions.Disable(id);
  if (!stream.ok()) return respond(StreamProblem(stream.status()));
  respond(StreamResponse(ctx, 200, *stream));
}

// Ends the broadcast now: ENDLIST, publisher disconnected, no reconnect wait. 409 unless the
// stream is active or reconnecting.
void Complete(ApiContext& ctx, ApiRequest& request, net::HttpResponder respond) {
  auto stream = ctx.sessions.Complete(std::string(request.http.Param("id")));
  if (stream.status().code() == base::ErrorCode::kFailedPrecondition) {
    return respond(
        Problem(ProblemType::kConflict, "only an active or reconnecting stream can be completed; " +
                                            std::string(stream.status().message())));
  }
  if (!stream.ok()) return respond(StreamProblem(stream.status()));
  respond(StreamResponse(ctx, 200, *stream));
}

// Current ingest health: the stream's status plus whatever the session reports (publisher,
// SRT link statistics and their recent history).
void Health(ApiContext& ctx, ApiRequest& request, net::HttpResponder respond) {
  auto stream = Load(ctx, request, respond);
  if (!stream) return;
  json data = ctx.stream_health ? ctx.stream_health(stream->id) : json::object();
  if (!data.is_object()) data = json::object();
  data["live_stream_id"] = stream->id;
  data["status"] = std::string(store::StreamStatusName(stream->status));
  respond(JsonResponse(200, json{{"data", std::move(data)}}));
}

// One health sample per second (the server's sampler), the last `seconds` of them (1–3600,
// default 300), oldest first. Unknown stream → 404; a stream without samples → [].
void HealthHistory(ApiContext& ctx, ApiRequest& request, net::HttpResponder respond) {
  int seconds = kDefaultHistorySeconds;
  if (request.http.query.count("seconds") != 0) {
    auto parsed = ParseIntParam(request.http.Query("seconds"), 1, kMaxHistorySeconds);
    if (!parsed) {
      return respond(Problem(
          ProblemType::kInvalidRequest, "invalid query parameter",
          {{"seconds", fmt::format("must be an integer between 1 and {}", kMaxHistorySeconds)}}));
    }
    seconds = *parsed;
  }
  auto stream = Load(ctx, request, respond);
  if (!stream) return;
  json samples =
      ctx.stream_health_history ? ctx.stream_health_history(stream->id, seconds) : json::array();
  if (!samples.is_array()) samples = json::array();
  respond(JsonResponse(200, json{{"data",
                                  {{"live_stream_id", stream->id},
                                   {"interval_s", 1},
                                   {"samples", std::move(samples)}}}}));
}

}  // namespace

void RegisterLiveStreamRoutes(net::HttpRouter& router, ApiContext& ctx,
                              const std::vector<Middleware>& chain) {
  auto add = [&](const char* method, const char* pattern, ContextHandler handler) {
    AddContextRoute(router, ctx, chain, method, pattern, handler);
  };
  add("POST", "/v1/live-streams", Create);
  add("GET", "/v1/live-streams", List);
  add("GET", "/v1/live-streams/{id}", Get);
  add("PATCH", "/v1/live-streams/{id}", Patch);
  add("DELETE", "/v1/live-streams/{id}", Delete);
  add("POST", "/v1/live-streams/{id}/reset-stream-key", ResetStreamKey);
  add("GET", "/v1/live-streams/{id}/health", Health);
  add("GET", "/v1/live-streams/{id}/health/history", HealthHistory);
  add("POST", "/v1/live-streams/{id}/disable",
      [](ApiContext& c, ApiRequest& r, net::HttpResponder respond) {
        SetEnabled(c, r, std::move(respond), false);
      });
  add("POST", "/v1/live-streams/{id}/complete", Complete);
  add("POST", "/v1/live-streams/{id}/enable",
      [](ApiContext& c, ApiRequest& r, net::HttpResponder respond) {
        SetEnabled(c, r, std::move(respond), true);
      });
}

}  // namespace steadycast::api
