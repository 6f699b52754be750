#include "api/playback_beacons.h"

#include <cctype>
#include <memory>
#include <optional>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "analytics/beacon_counters.h"
#include "analytics/beacon_parser.h"
#include "analytics/viewer_aggregator.h"
#include "api/middleware.h"
#include "api/problem.h"
#include "api/rate_limiter.h"

namespace steadycast::api {
namespace {

using analytics::BeaconOutcome;
using analytics::BeaconParseResult;

constexpr const char* kPath = "/v1/playback/beacons";
constexpr const char* kExposeHeaders =
    "Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset";

net::HttpResponse WithCors(net::HttpResponse response) {
  response.Header("Access-Control-Allow-Origin", "*");
  response.Header("Access-Control-Expose-Headers", kExposeHeaders);
  return response;
}

// CORS preflight (Fetch standard §3.2.2): any origin may POST, with the headers it asks for.
void Preflight(const net::HttpRequest& request, const net::HttpResponder& respond) {
  net::HttpResponse response = net::HttpResponse::Status(204);
  response.Header("Access-Control-Allow-Methods", "POST, OPTIONS");
  const std::string_view asked = request.Header("access-control-request-headers");
  response.Header("Access-Control-Allow-Headers",
                  asked.empty() ? "Content-Type" : std::string(asked));
  response.Header("Access-Control-Max-Age", "86400");
  respond(WithCors(std::move(response)));
}

net::HttpResponse Invalid(const BeaconParseResult& parsed) {
  if (parsed.failure == BeaconParseResult::Failure::kMalformedJson) {
    return Problem(ProblemType::kInvalidJson, "the beacon is not valid JSON");
  }
  std::vector<FieldError> errors;
  for (const auto& e : parsed.errors) errors.push_back({e.field, e.message});
  return Problem(ProblemType::kInvalidRequest, "the beacon has invalid fields", errors);
}

class BeaconRoute {
 public:
  explicit BeaconRoute(ApiContext& ctx)
      : ctx_(ctx),
        options_(ctx.options.beacons),
        parser_(analytics::BeaconLimits{.max_body_bytes = options_.max_body_bytes}),
        limiter_(options_.rate_limits
                     ? std::make_shared<RateLimiter>(ctx.clock, options_.max_tracked_addresses)
                     : nullptr) {}

  void Post(const net::HttpRequest& request, const net::HttpResponder& respond) const {
    std::optional<RateDecision> decision;
    if (limiter_) {
      decision = limiter_->Take("beacon:" + std::string(ClientAddress(request.remote_address)),
                                options_.per_address);
      if (!decision->allowed) {
        return Finish(BeaconOutcome::kRateLimited, TooManyRequests(*decision), {}, respond);
      }
    }
    auto [outcome, response] = Handle(request);
    Finish(outcome, std::move(response), decision, respond);
  }

 private:
  // The outcome and the answer for a request within its rate limit. nullopt outcome: not
  // counted (the server has no aggregator).
  std::pair<std::optional<BeaconOutcome>, net::HttpResponse> Handle(
      const net::HttpRequest& request) const {
    if (ctx_.viewer_aggregator == nullptr) {
      return {std::nullopt, Problem(ProblemType::kUnavailable, "viewer analytics are off")};
    }
    if (request.body.size() > options_.max_body_bytes) {
      return {BeaconOutcome::kTooLarge,
              Problem(ProblemType::kPayloadTooLarge,
                      fmt::format("a beacon may have at most {} bytes", options_.max_body_bytes))};
    }
    if (!IsBeaconContentType(request.Header("content-type"))) {
      return {BeaconOutcome::kInvalid,
              Problem(ProblemType::kUnsupportedMediaType,
                      "a beacon must be sent as text/plain or application/json")};
    }
    const BeaconParseResult parsed = parser_.Parse(request.body);
    if (parsed.failure == BeaconParseResult::Failure::kTooLarge) {
      return {BeaconOutcome::kTooLarge,
              Problem(ProblemType::kPayloadTooLarge, "the beacon is too large")};
    }
    if (!parsed.ok()) return {BeaconOutcome::kInvalid, Invalid(parsed)};
    const analytics::Beacon& beacon = *parsed.beacon;
    const session::PlaybackTarget target = ctx_.sessions.LookupPlayback(beacon.playback_id);
    if (!target.exists || target.stream_id.empty()) {
      return {BeaconOutcome::kUnknownPlaybackId,
              Problem(ProblemType::kNotFound, "unknown playback id")};
    }
    if (target.policy != "public" && !TokenAccepted(target.policy, beacon, request)) {
      return {BeaconOutcome::kForbidden,
              Problem(ProblemType::kForbidden,
                      "a signed playback id needs a valid playback token (\"token\" or ?token=)")};
    }
    const analytics::RecordOutcome recorded =
        ctx_.viewer_aggregator->Record(target.stream_id, beacon);
    if (ctx_.beacon_counters != nullptr) {
      ctx_.beacon_counters->CountIgnored(beacon.ignored_keys, beacon.ignored_events);
    }
    const bool duplicate = recorded == analytics::RecordOutcome::kDuplicate;
    return {duplicate ? BeaconOutcome::kDuplicate : BeaconOutcome::kAccepted,
            JsonResponse(202, {{"data", {{"status", duplicate ? "duplicate" : "accepted"}}}})};
  }

  // Signed ids (and, failing closed, any policy but "public") need a token that verifies.
  bool TokenAccepted(const std::string& policy, const analytics::Beacon& beacon,
                     const net::HttpRequest& request) const {
    const std::string_view token =
        beacon.token.empty() ? request.Query("token") : std::string_view(beacon.token);
    return policy == "signed" && ctx_.verify_playback_token &&
           analytics::IsValidToken(token, parser_.limits().max_token_bytes) &&
           ctx_.verify_playback_token(beacon.playback_id, token);
  }

  void Finish(std::optional<BeaconOutcome> outcome, net::HttpResponse response,
              const std::optional<RateDecision>& decision,
              const net::HttpResponder& respond) const {
    if (outcome && ctx_.beacon_counters != nullptr) ctx_.beacon_counters->Count(*outcome);
    if (decision && decision->allowed) AddRateLimitHeaders(response, *decision);
    respond(WithCors(std::move(response)));
  }

  ApiContext& ctx_;
  const BeaconOptions options_;
  const analytics::BeaconParser parser_;
  std::shared_ptr<RateLimiter> limiter_;  // null: no limits
};

}  // namespace

bool IsBeaconContentType(std::string_view content_type) {
  if (content_type.empty() || IsJsonContentType(content_type)) return true;
  std::string type(content_type.substr(0, content_type.find(';')));
  std::erase_if(type, [](char c) { return c == ' ' || c == '\t'; });
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type == "text/plain";
}

void RegisterPlaybackBeaconRoutes(net::HttpRouter& router, ApiContext& ctx) {
  auto route = std::make_shared<const BeaconRoute>(ctx);
  router.Add("POST", kPath, [route](const net::HttpRequest& request, net::HttpResponder respond) {
    route->Post(request, respond);
  });
  router.Add("OPTIONS", kPath, Preflight);
}

}  // namespace steadycast::api
