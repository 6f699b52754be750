#include "api/events.h"

#include <charconv>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "events/event.h"

namespace steadycast::api {
namespace {

using nlohmann::json;

constexpr size_t kMaxObjectIdLength = 64;

bool IsTypeChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

bool IsIdChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

net::HttpResponse BadParameter(std::string field, std::string message) {
  return Problem(ProblemType::kInvalidRequest, "invalid query parameter",
                 {{std::move(field), std::move(message)}});
}

std::optional<int> ParseLimit(std::string_view text, int max) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > max) {
    return std::nullopt;
  }
  return value;
}

// The filters and page bounds of a list request, or the 400 to answer.
struct ListRequest {
  store::EventQuery query;
  int limit = 0;
};

std::optional<ListRequest> ParseList(const ApiContext& ctx, const net::HttpRequest& http,
                                     net::HttpResponse& problem) {
  ListRequest out;
  out.limit = ctx.options.default_page_limit;
  if (http.query.count("limit") != 0) {
    auto limit = ParseLimit(http.Query("limit"), ctx.options.max_page_limit);
    if (!limit) {
      problem = BadParameter(
          "limit", fmt::format("must be an integer between 1 and {}", ctx.options.max_page_limit));
      return std::nullopt;
    }
    out.limit = *limit;
  }
  if (http.query.count("cursor") != 0) {
    auto position = DecodeEventCursor(http.Query("cursor"));
    if (!position) {
      problem = BadParameter("cursor", "is not a cursor returned by this API");
      return std::nullopt;
    }
    out.query.before_position = *position;
  }
  if (http.query.count("type") != 0) {
    auto types = ParseEventTypes(http.Query("type"));
    if (!types) {
      problem =
          BadParameter("type", fmt::format("must be up to {} comma-separated event types such as "
                                           "live_stream.active",
                                           kMaxEventTypeFilters));
      return std::nullopt;
    }
    out.query.types = std::move(*types);
  }
  FieldError error;
  auto object_id = ObjectIdFilter(http, error);
  if (!object_id) {
    problem = Problem(ProblemType::kInvalidRequest, "invalid query parameter", {error});
    return std::nullopt;
  }
  out.query.object_id = std::move(*object_id);
  out.query.newest_first = true;
  // One more than the page tells whether a next page exists without a second query.
  out.query.limit = out.limit + 1;
  return out;
}

void List(ApiContext& ctx, ApiRequest& request, net::HttpResponder respond) {
  net::HttpResponse problem;
  auto parsed = ParseList(ctx, request.http, problem);
  if (!parsed) return respond(std::move(problem));
  auto events = ctx.store.events().List(parsed->query);
  if (!events.ok()) return respond(ProblemFromStatus(events.status()));
  json data = json::array();
  json next_cursor = nullptr;
  for (size_t i = 0; i < events->size(); ++i) {
    if (i == static_cast<size_t>(parsed->limit)) {
      next_cursor = EncodeEventCursor((*events)[i - 1].position);
      break;
    }
    data.push_back(events::EventEnvelope((*events)[i]));
  }
  respond(JsonResponse(200, json{{"data", std::move(data)}, {"next_cursor", next_cursor}}));
}

void Get(ApiContext& ctx, ApiRequest& request, net::HttpResponder respond) {
  auto event = ctx.store.events().Get(std::string(request.http.Param("id")));
  if (event.status().code() == base::ErrorCode::kNotFound) {
    return respond(Problem(ProblemType::kNotFound, "no event with this id"));
  }
  if (!event.ok()) return respond(ProblemFromStatus(event.status()));
  respond(JsonResponse(200, json{{"data", events::EventEnvelope(*event)}}));
}

}  // namespace

std::string EncodeEventCursor(int64_t position) {
  return base::Base64Encode(fmt::format("p{}", position), base::kBase64UrlUnpadded);
}

std::optional<int64_t> DecodeEventCursor(std::string_view cursor) {
  if (cursor.empty() || cursor.size() > 32) return std::nullopt;
  auto text = base::Base64Decode(cursor, base::kBase64UrlUnpadded);
  if (!text.ok() || text->size() < 2 || (*text)[0] != 'p') return std::nullopt;
  int64_t position = 0;
  const char* begin = text->data() + 1;
  const char* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(begin, end, position);
  if (ec != std::errc() || ptr != end || position < 1) return std::nullopt;
  if (EncodeEventCursor(position) != cursor) return std::nullopt;  // canonical form only
  return position;
}

std::optional<std::vector<std::string>> ParseEventTypes(std::string_view text) {
  std::vector<std::string> types;
  while (true) {
    const size_t comma = text.find(',');
    const std::string_view type = text.substr(0, comma);
    if (type.empty() || type.size() > kMaxEventTypeLength) return std::nullopt;
    for (char c : type) {
      if (!IsTypeChar(c)) return std::nullopt;
    }
    if (types.size() == kMaxEventTypeFilters) return std::nullopt;
    types.emplace_back(type);
    if (comma == std::string_view::npos) return types;
    text.remove_prefix(comma + 1);
  }
}

std::optional<std::string> ObjectIdFilter(const net::HttpRequest& request, FieldError& error) {
  std::string id;
  for (std::string_view name : {"object_id", "live_stream_id"}) {
    if (request.query.count(std::string(name)) == 0) continue;
    const std::string_view value = request.Query(name);
    bool valid = !value.empty() && value.size() <= kMaxObjectIdLength;
    for (char c : value) valid = valid && IsIdChar(c);
    if (!valid) {
      error = {std::string(name), "must be an object id such as ls_..."};
      return std::nullopt;
    }
    if (!id.empty() && id != value) {
      error = {std::string(name), "object_id and live_stream_id differ"};
      return std::nullopt;
    }
    id = value;
  }
  return id;
}

void RegisterEventRoutes(net::HttpRouter& router, ApiContext& ctx,
                         const std::vector<Middleware>& chain) {
  auto add = [&](const char* pattern,
                 void (*handler)(ApiContext&, ApiRequest&, net::HttpResponder)) {
    router.Add("GET", pattern,
               Chain(chain, [&ctx, handler](ApiRequest& request, net::HttpResponder respond) {
                 handler(ctx, request, std::move(respond));
               }));
  };
  add("/v1/events", List);
  add("/v1/events/{id}", Get);
}

}  // namespace steadycast::api
