#pragma once
// OutboundHttp: the blocking HTTP(S) POST client for calls the server makes to other people's
// systems (webhook deliveries now). libcurl (OpenSSL flavour) underneath, configured for
// untrusted targets:
//   - http and https only; certificate and host name verification always on for https
//     (RFC 9110 §4.3.4; an extra trusted CA file may be given, e.g. for tests);
//   - one hard total deadline (resolve + connect + TLS + request + response), default 10 s;
//   - no redirects followed: a 3xx is reported with its code and is not a success;
//   - the response body is read up to a cap (64 KiB) and discarded — only the status matters;
//   - every resolved address goes through `allow_address` before a socket is opened, so the
//     caller refuses link-local, cloud-metadata or private targets at delivery time, after DNS
//     (DNS rebinding cannot bypass a check made only when the URL was registered);
//   - no proxy from the environment (it would bypass the address policy), no connection reuse
//     (no pool to bound, no state shared between targets).
//
// Threading: Post() may be called from any number of threads at once (one curl easy handle
// per call); it blocks the calling thread for at most the timeout (plus a few ms of teardown),
// so run it on a worker pool, never on an io_context or media thread.
// Ownership: the options (and the policy callback) are copied at construction.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "net/circuit_breaker.h"
#include "net/ip_endpoint.h"

namespace steadycast::net {

enum class OutboundError {
  kNone,            // an HTTP response was received (any status code)
  kInvalidRequest,  // bad URL, scheme other than http/https, bad header
  kAddressRefused,  // every resolved address was refused by allow_address
  kResolve,         // the host name did not resolve
  kConnect,         // TCP connection refused / unreachable
  kTimeout,         // the total deadline passed
  kTls,             // TLS handshake or certificate verification failed
  kConnection,      // the connection broke or the response was not valid HTTP
};

// "none", "invalid_request", "address_refused", "resolve", "connect", "timeout", "tls",
// "connection" (shown in the delivery log).
std::string_view OutboundErrorName(OutboundError error);

struct OutboundHttpResult {
  int status_code = 0;  // 0 unless error == kNone
  OutboundError error = OutboundError::kNone;
  std::string error_message;  // curl's explanation when error != kNone
  std::chrono::milliseconds elapsed{0};
  size_t response_body_bytes = 0;  // read (at most the cap)
  bool response_body_truncated = false;

  // A 2xx response. A redirect, 4xx, 5xx or any error is a failed delivery.
  bool Succeeded() const {
    return error == OutboundError::kNone && status_code >= 200 && status_code < 300;
  }
};

struct OutboundHttpOptions {
  std::chrono::milliseconds default_timeout{10'000};
  std::chrono::milliseconds max_timeout{60'000};  // a caller's timeout is clamped to this
  size_t max_response_body_bytes = size_t{64} * 1024;
  size_t max_request_body_bytes = size_t{1} * 1024 * 1024;
  std::string user_agent = "steadycast-webhooks";
  // PEM file of extra trusted CAs (replaces the system store when set; tests use it).
  std::string ca_file;
  // Called with each resolved address (port included) before connecting; false refuses it
  // (curl then tries the next address). Unset: every address allowed. Must be thread-safe.
  std::function<bool(const IpEndpoint&)> allow_address;
};

using HttpHeaderList = std::vector<std::pair<std::string, std::string>>;

class OutboundHttp {
 public:
  explicit OutboundHttp(OutboundHttpOptions options = {});

  // POSTs `body` to `url` with `headers` (names and values must not contain CR, LF or NUL;
  // "Content-Type" is the caller's). A timeout of zero means default_timeout.
  OutboundHttpResult Post(std::string_view url, const HttpHeaderList& headers,
                          std::string_view body,
                          std::chrono::milliseconds timeout = std::chrono::milliseconds{0}) const;

  const OutboundHttpOptions& options() const { return options_; }

 private:
  OutboundHttpOptions options_;
};

// One guarded POST: kUnavailable "circuit open" without a request while `guard`'s breaker is
// open; otherwise the exchange's result (whatever its status code) with the guard's timeout,
// recorded in the breaker as a success only when Succeeded() (2xx in time).
base::Result<OutboundHttpResult> GuardedPost(GuardedCall& guard, const OutboundHttp& http,
                                             std::string_view url, const HttpHeaderList& headers,
                                             std::string_view body);

}  // namespace steadycast::net
