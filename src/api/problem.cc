#include "api/problem.h"

#include "base/log.h"

namespace steadycast::api {
namespace {

struct ProblemInfo {
  int status;
  std::string_view slug;
  std::string_view title;
};

ProblemInfo Info(ProblemType type) {
  switch (type) {
    case ProblemType::kInvalidRequest:
      return {400, "invalid-request", "Invalid request"};
    case ProblemType::kInvalidJson:
      return {400, "invalid-json", "Malformed JSON body"};
    case ProblemType::kUnauthorized:
      return {401, "unauthorized", "Authentication required"};
    case ProblemType::kForbidden:
      return {403, "forbidden", "Not allowed for this access token"};
    case ProblemType::kNotFound:
      return {404, "not-found", "Resource not found"};
    case ProblemType::kMethodNotAllowed:
      return {405, "method-not-allowed", "Method not allowed"};
    case ProblemType::kConflict:
      return {409, "conflict", "Conflict"};
    case ProblemType::kRequestTimeout:
      return {408, "request-timeout", "Request timeout"};
    case ProblemType::kPreconditionFailed:
      return {412, "precondition-failed", "Precondition failed"};
    case ProblemType::kUnprocessable:
      return {422, "unprocessable", "Unprocessable request"};
    case ProblemType::kPayloadTooLarge:
      return {413, "payload-too-large", "Request body too large"};
    case ProblemType::kUnsupportedMediaType:
      return {415, "unsupported-media-type", "Unsupported media type"};
    case ProblemType::kRateLimited:
      return {429, "rate-limited", "Too many requests"};
    case ProblemType::kHeaderTooLarge:
      return {431, "header-too-large", "Request header too large"};
    case ProblemType::kNotImplemented:
      return {501, "not-implemented", "Not implemented"};
    case ProblemType::kUnavailable:
      return {503, "unavailable", "Service unavailable"};
    case ProblemType::kInternal:
      break;
  }
  return {500, "internal", "Internal error"};
}

}  // namespace

int ProblemStatus(ProblemType type) { return Info(type).status; }
std::string_view ProblemSlug(ProblemType type) { return Info(type).slug; }

std::string DumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

net::HttpResponse Problem(ProblemType type, std::string_view detail,
                          const std::vector<FieldError>& errors) {
  const ProblemInfo info = Info(type);
  nlohmann::json body = {
      {"type", std::string(kProblemTypeBase) + std::string(info.slug)},
      {"title", info.title},
      {"status", info.status},
      {"detail", detail},
  };
  if (!errors.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const FieldError& e : errors) list.push_back({{"field", e.field}, {"message", e.message}});
    body["errors"] = std::move(list);
  }
  net::HttpResponse response = net::HttpResponse::Status(info.status);
  response.Text(DumpJson(body), "application/problem+json");
  response.Header("Cache-Control", "no-store");
  return response;
}

net::HttpResponse ServerErrorProblem(int status, std::string_view detail) {
  switch (status) {
    case 400:
      return Problem(ProblemType::kInvalidRequest, detail);
    case 408:
      return Problem(ProblemType::kRequestTimeout, detail);
    case 413:
      return Problem(ProblemType::kPayloadTooLarge, detail);
    case 431:
      return Problem(ProblemType::kHeaderTooLarge, detail);
    case 501:
      return Problem(ProblemType::kNotImplemented, detail);
    default:
      return net::ProblemResponse(status, detail);
  }
}

net::HttpResponse ProblemFromStatus(const base::Status& status) {
  switch (status.code()) {
    case base::ErrorCode::kNotFound:
      return Problem(ProblemType::kNotFound, status.message());
    case base::ErrorCode::kAlreadyExists:
      return Problem(ProblemType::kConflict, status.message());
    case base::ErrorCode::kInvalidArgument:
      return Problem(ProblemType::kInvalidRequest, status.message());
    case base::ErrorCode::kUnavailable:
      SC_LOG_WARN("api: store unavailable: {}", status.ToString());
      return Problem(ProblemType::kUnavailable, "the store is busy; retry shortly");
    default:
      SC_LOG_ERROR("api: internal error: {}", status.ToString());
      return Problem(ProblemType::kInternal, "internal error");
  }
}

net::HttpResponse JsonResponse(int status, const nlohmann::json& body) {
  net::HttpResponse response = net::HttpResponse::Status(status);
  response.Text(DumpJson(body), "application/json");
  response.Header("Cache-Control", "no-store");
  return response;
}

}  // namespace steadycast::api
