#include "api/middleware.h"

#include <array>
#include <cctype>
#include <optional>
#include <utility>

#include <fmt/format.h>
#include <openssl/evp.h>

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

namespace {

// What checking the Basic credentials of a request concluded: the token, a 401 detail, or a
// store failure (neither the caller's fault nor a reason to charge its address).
struct AuthResult {
  std::optional<store::AccessToken> token;
  std::string denied;  // non-empty: answer 401 with this detail
  base::Status error;  // set when neither token nor denied
};

AuthResult CheckCredentials(store::TokenRepository& tokens, const net::HttpRequest& http) {
  const std::string_view header = http.Header("authorization");
  if (header.empty()) return {{}, "HTTP Basic credentials (token_id:token_secret) required", {}};
  auto credentials = ParseBasicAuthorization(header);
  if (!credentials.ok()) return {{}, "malformed HTTP Basic credentials", {}};
  auto token = tokens.Authenticate(credentials->user, credentials->password);
  if (token.status().code() == base::ErrorCode::kUnauthenticated) {
    return {{}, "invalid access token", {}};
  }
  if (!token.ok()) return {{}, {}, token.status()};
  return {std::move(*token), {}, {}};
}

// The answer for a request without a valid token: 401 with the challenge, or the store error.
net::HttpResponse Refusal(const AuthResult& auth, const std::string& challenge) {
  if (auth.denied.empty()) return ProblemFromStatus(auth.error);
  net::HttpResponse response = Problem(ProblemType::kUnauthorized, auth.denied);
  response.Header("WWW-Authenticate", challenge);
  return response;
}

// Rate limiting around CheckCredentials; see AuthenticateAndRateLimit in the header.
class AuthLimiter {
 public:
  AuthLimiter(store::TokenRepository& tokens, std::string challenge,
              std::shared_ptr<RateLimiter> limiter, RateLimitOptions limits)
      : tokens_(tokens),
        challenge_(std::move(challenge)),
        limiter_(std::move(limiter)),
        limits_(limits) {}

  void operator()(ApiRequest& request, net::HttpResponder respond, const ApiHandler& next) const {
    const std::string address_key =
        limiter_ ? "addr:" + std::string(ClientAddress(request.http.remote_address)) : "";
    // An address that used up its failed-auth budget is refused before any secret is hashed:
    // a brute-forcer costs us a map lookup, not a key derivation.
    if (limiter_) {
      const RateDecision early = limiter_->Peek(address_key, limits_.per_address);
      if (!early.allowed) return respond(TooManyRequests(early));
    }
    AuthResult auth = CheckCredentials(tokens_, request.http);
    if (!auth.token) return RespondRefused(auth, address_key, respond);
    request.token_id = auth.token->id;
    request.scope = auth.token->scope;
    if (limiter_) {
      const bool read = IsReadMethod(request.http.method);
      const RateDecision decision =
          limiter_->Take(fmt::format("tok:{}:{}", request.token_id, read ? 'r' : 'w'),
                         read ? limits_.reads : limits_.writes);
      if (!decision.allowed) return respond(TooManyRequests(decision));
      respond = [inner = std::move(respond), decision](net::HttpResponse response) {
        AddRateLimitHeaders(response, decision);
        inner(std::move(response));
      };
    }
    next(request, std::move(respond));
  }

 private:
  void RespondRefused(const AuthResult& auth, const std::string& address_key,
                      const net::HttpResponder& respond) const {
    net::HttpResponse response = Refusal(auth, challenge_);
    if (limiter_) {
      // Only failed authentication is charged; a store failure just reports the budget.
      const RateDecision decision = auth.denied.empty()
                                        ? limiter_->Peek(address_key, limits_.per_address)
                                        : limiter_->Take(address_key, limits_.per_address);
      if (!decision.allowed) return respond(TooManyRequests(decision));
      AddRateLimitHeaders(response, decision);
    }
    respond(std::move(response));
  }

  store::TokenRepository& tokens_;
  std::string challenge_;
  std::shared_ptr<RateLimiter> limiter_;  // null: no limits
  RateLimitOptions limits_;
};

}  // namespace

Middleware Authenticate(store::TokenRepository& tokens, std::string realm) {
  return AuthenticateAndRateLimit(tokens, std::move(realm), nullptr, RateLimitOptions{});
}

Middleware AuthenticateAndRateLimit(store::TokenRepository& tokens, std::string realm,
                                    std::shared_ptr<RateLimiter> limiter, RateLimitOptions limits) {
  if (!limits.enabled) limiter = nullptr;
  return AuthLimiter(tokens, fmt::format("Basic realm=\"{}\"", realm), std::move(limiter), limits);
}

bool IsReadMethod(std::string_view method) { return method == "GET" || method == "HEAD"; }

Middleware RequireScope() {
  return [](ApiRequest& request, net::HttpResponder respond, const ApiHandler& next) {
    if (request.scope == store::TokenScope::kRead && !IsReadMethod(request.http.method)) {
      return respond(Problem(ProblemType::kForbidden,
                             fmt::format("this access token has scope \"read\" and may only GET; "
                                         "{} needs an \"admin\" token",
                                         request.http.method)));
    }
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

std::string Sha256Hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1) {
    // Only on allocation failure inside OpenSSL; an empty hash matches no stored hash.
    SC_LOG_ERROR("api: SHA-256 failed");
    return "";
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(size_t{size} * 2);
  for (unsigned int i = 0; i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

bool IfMatchSatisfied(std::string_view if_match, std::string_view etag) {
  std::string_view rest = Trim(if_match);
  if (rest == "*") return true;
  bool matched = false;  // the whole list is parsed first: a malformed one matches nothing
  while (true) {
    while (!rest.empty() && (rest.front() == ',' || rest.front() == ' ' || rest.front() == '\t')) {
      rest.remove_prefix(1);
    }
    if (rest.empty()) return matched;
    const bool weak = rest.starts_with("W/");
    if (weak) rest.remove_prefix(2);
    if (!rest.starts_with('"')) return false;
    const size_t close = rest.find('"', 1);
    if (close == std::string_view::npos) return false;
    matched = matched || (!weak && rest.substr(0, close + 1) == etag);
    rest = Trim(rest.substr(close + 1));
    if (!rest.empty() && rest.front() != ',') return false;
  }
}

void AddContextRoute(net::HttpRouter& router, ApiContext& ctx, const std::vector<Middleware>& chain,
                     const char* method, const char* pattern, ContextHandler handler) {
  router.Add(method, pattern,
             Chain(chain, [&ctx, handler](ApiRequest& request, net::HttpResponder respond) {
               handler(ctx, request, std::move(respond));
             }));
}

}  // namespace steadycast::api
