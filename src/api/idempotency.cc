#include "api/idempotency.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <set>
#include <utility>

#include "api/problem.h"
#include "base/log.h"

namespace steadycast::api {
namespace {

constexpr std::string_view kKeyHeader = "idempotency-key";  // request header names are lower

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::string ResponseHeader(const net::HttpResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

// 2xx and 4xx answers are final for this request; 5xx and 429 say "try again", so storing them
// would turn a transient failure into a permanent one.
bool IsStorable(int status) {
  return (status >= 200 && status < 300) || (status >= 400 && status < 500 && status != 429);
}

// Keys whose first request is still being handled, shared by every route's copy of the
// middleware; plus the save counter that paces purges.
class InFlightKeys {
 public:
  bool Insert(const std::pair<std::string, std::string>& scoped_key) {
    std::lock_guard lock(mu_);
    return keys_.insert(scoped_key).second;
  }
  void Erase(const std::pair<std::string, std::string>& scoped_key) {
    std::lock_guard lock(mu_);
    keys_.erase(scoped_key);
  }
  bool CountSaveAndCheckPurge(size_t purge_every) {
    std::lock_guard lock(mu_);
    return purge_every != 0 && ++saves_ % purge_every == 0;
  }

 private:
  std::mutex mu_;
  std::set<std::pair<std::string, std::string>> keys_;  // (token_id, key); guarded by mu_
  size_t saves_ = 0;                                    // guarded by mu_
};

// Holds (token_id, key) in flight; releases it on Release() or, at the latest, on destruction
// (a responder dropped without being called, e.g. when a handler throws).
class InFlightClaim {
 public:
  InFlightClaim(std::shared_ptr<InFlightKeys> keys, std::pair<std::string, std::string> key)
      : keys_(std::move(keys)), key_(std::move(key)) {}
  InFlightClaim(const InFlightClaim&) = delete;
  InFlightClaim& operator=(const InFlightClaim&) = delete;
  ~InFlightClaim() { Release(); }
  void Release() {
    std::call_once(released_, [this] { keys_->Erase(key_); });
  }

 private:
  std::shared_ptr<InFlightKeys> keys_;
  std::pair<std::string, std::string> key_;
  std::once_flag released_;
};

net::HttpResponse Replay(const store::IdempotencyRecord& record) {
  net::HttpResponse response = net::HttpResponse::Status(record.status);
  if (!record.body.empty() || !record.content_type.empty()) {
    response.Body(base::Buffer::FromString(record.body), record.content_type);
  }
  if (!record.location.empty()) response.Header("Location", record.location);
  response.Header("Cache-Control", "no-store");  // API bodies hold stream keys
  response.Header("Idempotent-Replayed", "true");
  return response;
}

class IdempotencyMiddleware {
 public:
  IdempotencyMiddleware(store::IdempotencyRepository& records, const base::Clock& clock,
                        IdempotencyOptions options)
      : records_(records),
        clock_(clock),
        options_(options),
        in_flight_(std::make_shared<InFlightKeys>()) {}

  void operator()(ApiRequest& request, net::HttpResponder respond, const ApiHandler& next) const {
    const auto header = request.http.headers.find(std::string(kKeyHeader));
    if (request.http.method != "POST" || header == request.http.headers.end()) {
      return next(request, std::move(respond));
    }
    const std::string& key = header->second;
    if (!IsValidIdempotencyKey(key)) {
      return respond(Problem(ProblemType::kInvalidRequest, "invalid Idempotency-Key header",
                             {{"Idempotency-Key", "must be 1 to 255 printable ASCII characters"}}));
    }
    auto scoped_key = std::make_pair(request.token_id, key);
    if (!in_flight_->Insert(scoped_key)) {
      return respond(Problem(ProblemType::kConflict,
                             "a request with this Idempotency-Key is still being processed; "
                             "retry once it has completed"));
    }
    auto claim = std::make_shared<InFlightClaim>(in_flight_, std::move(scoped_key));
    store::IdempotencyRecord record;
    record.token_id = request.token_id;
    record.key = key;
    record.request_hash =
        IdempotencyRequestHash(request.http.method, request.http.path, request.http.body);
    record.created_at_ms = base::ToUnixMillis(clock_.WallNow());
    auto found = records_.Find(record.token_id, key, record.created_at_ms - options_.ttl.count());
    if (!found.ok()) return respond(ProblemFromStatus(found.status()));
    if (found->has_value()) {
      if ((*found)->request_hash != record.request_hash) {
        return respond(Problem(ProblemType::kUnprocessable,
                               "this Idempotency-Key was already used for a different request "
                               "(method, path or body); use a new key for a new request"));
      }
      return respond(Replay(**found));
    }
    // `self` is a copy (borrowed references, shared in-flight set): the handler may respond
    // after this call returns.
    next(request, [self = *this, claim, record = std::move(record),
                   respond = std::move(respond)](net::HttpResponse response) mutable {
      if (IsStorable(response.status)) self.Save(record, response);
      claim->Release();  // before responding: a retry after the answer finds the record
      respond(std::move(response));
    });
  }

 private:
  void Save(store::IdempotencyRecord& record, const net::HttpResponse& response) const {
    record.status = response.status;
    record.content_type = ResponseHeader(response, "content-type");
    record.location = ResponseHeader(response, "location");
    record.body = std::string(response.body.AsStringView());
    if (base::Status saved = records_.Save(record); !saved.ok()) {
      // The request did take effect; only its replay is lost (a retry would run it again).
      SC_LOG_WARN("api: cannot store the Idempotency-Key response: {}", saved.ToString());
      return;
    }
    if (in_flight_->CountSaveAndCheckPurge(options_.purge_every)) {
      auto purged = records_.Purge(record.created_at_ms - options_.ttl.count());
      if (!purged.ok()) SC_LOG_WARN("api: idempotency purge: {}", purged.status().ToString());
    }
  }

  store::IdempotencyRepository& records_;
  const base::Clock& clock_;
  IdempotencyOptions options_;
  std::shared_ptr<InFlightKeys> in_flight_;
};

}  // namespace

bool IsValidIdempotencyKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxIdempotencyKeyBytes) return false;
  return std::all_of(key.begin(), key.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

std::string IdempotencyRequestHash(std::string_view method, std::string_view path,
                                   std::string_view body) {
  // NUL separators: neither a method nor a decoded path can contain NUL (ParseTarget rejects
  // it), so no two different requests serialise to the same bytes.
  std::string data;
  data.reserve(method.size() + path.size() + body.size() + 2);
  data.append(method).append(1, '\0').append(path).append(1, '\0').append(body);
  return Sha256Hex(data);
}

Middleware Idempotency(store::IdempotencyRepository& records, const base::Clock& clock,
                       IdempotencyOptions options) {
  return IdempotencyMiddleware(records, clock, options);
}

}  // namespace steadycast::api
