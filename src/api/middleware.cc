#include "api/middleware.h"

#include <cctype>
#include <utility>

#include <fmt/format.h>

#include "api/basic_auth.h"
#include "api/problem.h"
#include "base/log.h"

namespace steadycast::api {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

net::HttpHandler Chain(std::vector<Middleware> middlewares, ApiHandler handler) {
  ApiHandler next = std::move(handler);
  for (auto it = middlewares.rbegin(); it != middlewares.rend(); ++it) {
    next = [middleware = std::move(*it), inner = std::move(next)](ApiRequest& request,
                                                                  net::HttpResponder respond) {
      middleware(request, std::move(respond), inner);
    };
  }
  return [chain = std::move(next)](const net::HttpRequest& http, net::HttpResponder respond) {
    ApiRequest request{http, {}, store::TokenScope::kRead};
    chain(request, std::move(respond));
  };
}

Middleware Authenticate(store::TokenRepository& tokens, std::string realm) {
  return [&tokens, challenge = fmt::format("Basic realm=\"{}\"", realm)](
             ApiRequest& request, net::HttpResponder respond, const ApiHandler& next) {
    auto deny = [&](std::string_view detail) {
      net::HttpResponse response = Problem(ProblemType::kUnauthorized, detail);
      response.Header("WWW-Authenticate", challenge);
      respond(std::move(response));
    };
    const std::string_view header = request.http.Header("authorization");
    if (header.empty()) return deny("HTTP Basic credentials (token_id:token_secret) required");
    auto credentials = ParseBasicAuthorization(header);
    if (!credentials.ok()) return deny("malformed HTTP Basic credentials");
    auto token = tokens.Authenticate(credentials->user, credentials->password);
    if (token.status().code() == base::ErrorCode::kUnauthenticated) {
      return deny("invalid access token");
    }
    if (!token.ok()) return respond(ProblemFromStatus(token.status()));
    request.token_id = token->id;
    request.scope = token->scope;
    next(request, std::move(respond));
  };
}

bool IsJsonContentType(std::string_view content_type) {
  const std::string type = Lower(Trim(content_type.substr(0, content_type.find(';'))));
  if (type == "application/json") return true;
  return type.starts_with("application/") && type.ends_with("+json");
}

Middleware CheckBody(size_t max_body_bytes) {
  return [max_body_bytes](ApiRequest& request, net::HttpResponder respond, const ApiHandler& next) {
    const std::string& body = request.http.body;
    if (!body.empty()) {
      if (body.size() > max_body_bytes) {
        return respond(Problem(ProblemType::kPayloadTooLarge,
                               fmt::format("the request body exceeds {} bytes", max_body_bytes)));
      }
      if (!IsJsonContentType(request.http.Header("content-type"))) {
        return respond(Problem(ProblemType::kUnsupportedMediaType,
                               "a request body must have Content-Type: application/json"));
      }
    }
    next(request, std::move(respond));
  };
}

}  // namespace steadycast::api
