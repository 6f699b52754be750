#include "api/webhook_endpoints.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "api/json_validation.h"
#include "api/webhook_url_policy.h"
#include "base/clock.h"
#include "base/random.h"
#include "events/event_types.h"

namespace steadycast::api {
namespace {

using nlohmann::json;

constexpr size_t kSecretBytes = 24;  // 192 bits
constexpr int kCreateAttempts = 3;   // random id collisions are astronomically rare

int64_t NowMs(const ApiContext& ctx) { return base::ToUnixMillis(ctx.clock.WallNow()); }

std::string NewSecret() { return "whsec_" + base::RandomUrlSafe(kSecretBytes); }

json TimeOrNull(int64_t ms) { return ms > 0 ? json(base::FormatRfc3339(ms)) : json(nullptr); }

bool IsKnownEventType(std::string_view type) {
  return std::find(std::begin(events::kAllEventTypes), std::end(events::kAllEventTypes), type) !=
         std::end(events::kAllEventTypes);
}

void ReadUrl(ObjectReader& reader, bool allow_private, std::string& out) {
  const json* url = reader.Member("url");
  if (url == nullptr) return reader.AddError("url", "is required");
  if (!url->is_string()) return reader.AddError("url", "must be a string");
  auto checked =
      CheckWebhookUrl(url->get_ref<const std::string&>(), {.allow_private = allow_private});
  if (!checked.ok()) return reader.AddError("url", std::string(checked.status().message()));
  out = url->get<std::string>();
}

void ReadEvents(ObjectReader& reader, std::vector<FieldError>& errors,
                std::vector<std::string>& out) {
  const json* events = reader.Member("events");
  if (events == nullptr) {
    out = {std::string(store::kAllEvents)};
    return;
  }
  if (!events->is_array() || events->empty() || events->size() > kMaxWebhookEventFilters) {
    return reader.AddError("events", fmt::format("must be an array of 1 to {} event types, or "
                                                 "[\"*\"] for all",
                                                 kMaxWebhookEventFilters));
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < events->size(); ++i) {
    const json& entry = (*events)[i];
    const std::string field = fmt::format("events[{}]", i);
    if (!entry.is_string()) {
      errors.push_back({field, "must be a string"});
      continue;
    }
    const std::string& type = entry.get_ref<const std::string&>();
    if (type == store::kAllEvents && events->size() != 1) {
      errors.push_back({field, "\"*\" must be the only entry"});
    } else if (type != store::kAllEvents && !IsKnownEventType(type)) {
      errors.push_back({field, "is not a known event type"});
    } else if (!seen.insert(type).second) {
      errors.push_back({field, "is listed twice"});
    } else {
      out.push_back(type);
    }
  }
}

}  // namespace

WebhookEndpointParseResult ParseWebhookEndpointInput(std::string_view body,
                                                     bool allow_private_urls) {
  WebhookEndpointParseResult result;
  auto parsed = ParseJsonBody(body.empty() ? std::string_view("{}") : body, nullptr);
  if (!parsed) {
    result.json_error = true;
    return result;
  }
  if (!parsed->is_object()) {
    result.errors.push_back({"", "the request body must be a JSON object"});
    return result;
  }
  ObjectReader reader(*parsed, "", result.errors);
  ReadUrl(reader, allow_private_urls, result.input.url);
  ReadEvents(reader, result.errors, result.input.events);
  reader.RejectUnknown();
  return result;
}

json WebhookEndpointToJson(const store::WebhookEndpoint& e) {
  return json{
      {"id", e.id},
      {"url", e.url},
      {"events", e.events},
      {"created_at", base::FormatRfc3339(e.created_at_ms)},
      {"updated_at", base::FormatRfc3339(e.updated_at_ms)},
      {"status", {{"breaker", e.breaker_state}, {"consecutive_failures", e.consecutive_failures}}},
  };
}

json WebhookDeliveryToJson(const store::WebhookDelivery& d) {
  const bool pending = d.status == store::kDeliveryPending;
  return json{
      {"id", d.id},
      {"endpoint_id", d.endpoint_id},
      {"event_id", d.event_id},
      {"object", {{"type", d.object_type}, {"id", d.object_id}}},
      {"sequence", d.sequence},
      {"status", d.status},
      {"attempts", d.attempts},
      {"last_status_code", d.last_status_code > 0 ? json(d.last_status_code) : json(nullptr)},
      {"last_error", d.last_error.empty() ? json(nullptr) : json(d.last_error)},
      {"next_attempt_at", pending ? TimeOrNull(d.next_attempt_at_ms) : json(nullptr)},
      {"created_at", base::FormatRfc3339(d.created_at_ms)},
      {"updated_at", base::FormatRfc3339(d.updated_at_ms)},
      {"succeeded_at", TimeOrNull(d.succeeded_at_ms)},
  };
}

namespace {

// Strong entity tag of an endpoint as the API shows it (no secret inside), as live streams.
std::string EndpointETag(const json& object) {
  return "\"" + Sha256Hex(DumpJson(object)).substr(0, 32) + "\"";
}

net::HttpResponse EndpointResponse(int status, const store::WebhookEndpoint& endpoint,
                                   bool with_secret) {
  json object = WebhookEndpointToJson(endpoint);
  const std::string etag = EndpointETag(object);
  if (with_secret) object["secret"] = endpoint.secret;  // shown once
  net::HttpResponse response = JsonResponse(status, json{{"data", std::move(object)}});
  if (!with_secret) response.Header("ETag", etag);
  return response;
}

net::HttpResponse EndpointProblem(const base::Status& status) {
  if (status.code() == base::ErrorCode::kNotFound) {
    return Problem(ProblemType::kNotFound, "no webhook endpoint with this id");
  }
  return ProblemFromStatus(status);
}

// ?limit= (default and range from ApiOptions) and ?cursor=; nullopt when it answered 400.
struct PageParams {
  int limit = 0;
  std::string cursor;
};
std::optional<PageParams> ReadPageParams(const ApiContext& ctx, const ApiRequest& request,
                                         const net::HttpResponder& respond) {
  PageParams params{ctx.options.default_page_limit, std::string(request.http.Query("cursor"))};
  if (request.http.query.count("limit") == 0) return params;
  const std::string_view text = request.http.Query("limit");
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 1 ||
      value > ctx.options.max_page_limit) {
    respond(Problem(ProblemType::kInvalidRequest, "invalid query parameter",
                    {{"limit", fmt::format("must be an integer between 1 and {}",
                                           ctx.options.max_page_limit)}}));
    return std::nullopt;
  }
  params.limit = value;
  return params;
}

// 400 naming `cursor` for a cursor the store rejected, else the mapped problem.
net::HttpResponse ListProblem(const base::Status& status) {
  if (status.code() == base::ErrorCode::kInvalidArgument) {
    return Problem(ProblemType::kInvalidRequest, "invalid query parameter",
                   {{"cursor", "is not a cursor returned by this API"}});
  }
  return ProblemFromStatus(status);
}

json NextCursor(const std::optional<std::string>& cursor) {
  return cursor ? json(*cursor) : json(nullptr);
}

void Create(ApiContext& ctx, ApiRequest& request, net::HttpResponder respond) {
  const WebhookEndpointParseResult parsed =
      ParseWebhookEndpointInput(request.http.body, ctx.options.webhooks_allow_private);
  if (parsed.json_error) {
    return respond(Problem(ProblemType::kInvalidJson,
                           "the request body is not valid JSON (or nests deeper than 32 levels)"));
  }
  if (!parsed.ok()) {
    return respond(Problem(ProblemType::kInvalidRequest, "the request body has invalid fields",
                           parsed.errors));
  }
  store::WebhookEndpoint endpoint;
  endpoint.url = parsed.input.url;
  endpoint.events = parsed.input.events;
  endpoint.created_at_ms = endpoint.updated_at_ms = NowMs(ctx);
  // Deliveries start with the events written after this moment, not the outbox's history.
  endpoint.cursor_position = store::kCursorAtOutboxEnd;
  base::Status status;
  for (int attempt = 0; attempt < kCreateAttempts; ++attempt) {
    endpoint.id = base::RandomId("we");
    endpoint.secret = NewSecret();
    status = ctx.store.webhook_endpoints().Create(endpoint);
    if (status.code() != base::ErrorCode::kAlreadyExists) break;
  }
  if (!status.ok()) return respond(ProblemFromStatus(status));
  net::HttpResponse response = EndpointResponse(201, endpoint, /*with_secret=*/true);
  response.Header("Location", "/v1/webhook-endpoints/" + endpoint.id);
  respond(std::move(response));
}

void List(ApiContext& ctx, ApiRequest& request, net::HttpResponder respond) {
  auto params = ReadPageParams(ctx, request, respond);
  if (!params) return;
  auto page = ctx.store.webhook_endpoints().List(params->limit, params->cursor);
  if (!page.ok()) return respond(ListProblem(page.status()));
  json data = json::array();
  for (const store::WebhookEndpoint& e : page->items) data.push_back(WebhookEndpointToJson(e));
  respond(JsonResponse(
      200, json{{"data", std::move(data)}, {"next_cursor", NextCursor(page->next_cursor)}}));
}

void Get(ApiContext& ctx, ApiRequest& request, net::HttpResponder respond) {
  auto endpoint = ctx.store.webhook_endpoints().Get(std::string(request.http.Param("id")));
  if (!endpoint.ok()) return respond(EndpointProblem(endpoint.status()));
  respond(EndpointResponse(200, *endpoint, /*with_secret=*/false));
}

void Delete(ApiContext& ctx, ApiRequest& request, net::HttpResponder respond) {
  base::Status status = ctx.store.webhook_endpoints().Delete(std::string(request.http.Param("id")));
  if (!status.ok()) return respond(EndpointProblem(status));
  respond(net::HttpResponse::Status(204));
}

// A new secret, shown once; the old one keeps signing (a second v1= signature) for 24 h so
// receivers can switch without dropping deliveries. Rotating again within those 24 h replaces
// the previous secret with the one being retired now.
void RotateSecret(ApiContext& ctx, ApiRequest& request, net::HttpResponder respond) {
  const int64_t now_ms = NowMs(ctx);
  auto endpoint =
      ctx.store.webhook_endpoints().RotateSecret(std::string(request.http.Param("id")), NewSecret(),
                                                 now_ms + kPreviousSecretValidityMs, now_ms);
  if (!endpoint.ok()) return respond(EndpointProblem(endpoint.status()));
  respond(EndpointResponse(200, *endpoint, /*with_secret=*/true));
}

void Deliveries(ApiContext& ctx, ApiRequest& request, net::HttpResponder respond) {
  const std::string id(request.http.Param("id"));
  auto params = ReadPageParams(ctx, request, respond);
  if (!params) return;
  // 404 for an unknown endpoint rather than an empty log.
  if (auto endpoint = ctx.store.webhook_endpoints().Get(id); !endpoint.ok()) {
    return respond(EndpointProblem(endpoint.status()));
  }
  auto page = ctx.store.webhook_deliveries().List(id, params->limit, params->cursor);
  if (!page.ok()) return respond(ListProblem(page.status()));
  json data = json::array();
  for (const store::WebhookDelivery& d : page->items) data.push_back(WebhookDeliveryToJson(d));
  respond(JsonResponse(
      200, json{{"data", std::move(data)}, {"next_cursor", NextCursor(page->next_cursor)}}));
}

// 202: the deliveries are queued; the dispatcher sends them (to every endpoint whose filter
// matches the event's type, as a new attempt series).
void Redeliver(ApiContext& ctx, ApiRequest& request, net::HttpResponder respond) {
  auto created = ctx.store.webhook_deliveries().Redeliver(
      std::string(request.http.Param("event_id")), NowMs(ctx));
  if (created.status().code() == base::ErrorCode::kNotFound) {
    return respond(Problem(ProblemType::kNotFound, "no event with this id"));
  }
  if (!created.ok()) return respond(ProblemFromStatus(created.status()));
  json data = json::array();
  for (const store::WebhookDelivery& d : *created) data.push_back(WebhookDeliveryToJson(d));
  respond(JsonResponse(202, json{{"data", std::move(data)}}));
}

}  // namespace

void RegisterWebhookEndpointRoutes(net::HttpRouter& router, ApiContext& ctx,
                                   const std::vector<Middleware>& chain) {
  auto add = [&](const char* method, const char* pattern, ContextHandler handler) {
    AddContextRoute(router, ctx, chain, method, pattern, handler);
  };
  add("POST", "/v1/webhook-endpoints", Create);
  add("GET", "/v1/webhook-endpoints", List);
  add("GET", "/v1/webhook-endpoints/{id}", Get);
  add("DELETE", "/v1/webhook-endpoints/{id}", Delete);
  add("POST", "/v1/webhook-endpoints/{id}/rotate-secret", RotateSecret);
  add("GET", "/v1/webhook-endpoints/{id}/deliveries", Deliveries);
  add("POST", "/v1/events/{event_id}/redeliver", Redeliver);
}

}  // namespace steadycast::api
