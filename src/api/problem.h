#pragma once
// RFC 9457 problem details for every API error: Content-Type application/problem+json and
// {"type":"https://steadycast.dev/problems/<slug>","title","status","detail"} plus
// "errors":[{"field","message"}] for validation failures (docs/contract.md "Errors"). The type URI
// and title are fixed per ProblemType, so clients can switch on `type`; `detail` varies.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "net/http_types.h"

namespace steadycast::api {

enum class ProblemType {
  kInvalidRequest,        // 400: validation failed (with "errors") or bad query parameter
  kInvalidJson,           // 400: body is not JSON
  kUnauthorized,          // 401
  kForbidden,             // 403: the token's scope does not allow this
  kNotFound,              // 404
  kMethodNotAllowed,      // 405
  kConflict,              // 409
  kRequestTimeout,        // 408: the request did not arrive in time (HTTP server)
  kPreconditionFailed,    // 412: If-Match does not match
  kUnprocessable,         // 422: Idempotency-Key reused with another request
  kPayloadTooLarge,       // 413
  kUnsupportedMediaType,  // 415
  kRateLimited,           // 429
  kHeaderTooLarge,        // 431: the request header is over the limit (HTTP server)
  kInternal,              // 500
  kNotImplemented,        // 501: a transfer coding the server does not implement (HTTP server)
  kUnavailable,           // 503
};

struct FieldError {
  std::string field;  // "reconnect_window", "ladder[1].height", "metadata.team"
  std::string message;
  bool operator==(const FieldError&) const = default;
};

inline constexpr std::string_view kProblemTypeBase = "https://steadycast.dev/problems/";

int ProblemStatus(ProblemType type);
std::string_view ProblemSlug(ProblemType type);

net::HttpResponse Problem(ProblemType type, std::string_view detail,
                          const std::vector<FieldError>& errors = {});

// Maps a store error to a problem: kNotFound → 404, kAlreadyExists → 409, kInvalidArgument →
// 400, kUnavailable → 503, anything else → 500 whose detail hides the internal message (it is
// logged instead).
net::HttpResponse ProblemFromStatus(const base::Status& status);

// The HTTP server's own error responses (net::HttpServerOptions::error_response: malformed
// request, body or header over the limit, too slow, unknown transfer coding) as problems of
// the same types the routes use, so that e.g. every 413 has type payload-too-large whichever
// layer refused the body. Other statuses: net::ProblemResponse.
net::HttpResponse ServerErrorProblem(int status, std::string_view detail);

// A JSON success response with Cache-Control: no-store (bodies carry stream keys).
net::HttpResponse JsonResponse(int status, const nlohmann::json& body);

// json.dump() that cannot throw: invalid UTF-8 (never produced by our parser) is replaced.
std::string DumpJson(const nlohmann::json& value);

}  // namespace steadycast::api
