#include "net/outbound_http.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>

namespace steadycast::net {
namespace {

constexpr size_t kMaxUrlBytes = size_t{8} * 1024;

void GlobalInitOnce() {
  static std::once_flag once;
  // curl_global_init is not thread-safe in every libcurl build; call it exactly once.
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Per-call state reached from curl's callbacks (which run on the calling thread).
struct CallState {
  const OutboundHttpOptions* options = nullptr;
  int addresses_allowed = 0;
  int addresses_refused = 0;
  size_t body_bytes = 0;
  bool body_truncated = false;
};

bool ToEndpoint(const sockaddr* addr, IpEndpoint& out) {
  if (addr->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    std::array<uint8_t, 4> bytes{};
    std::memcpy(bytes.data(), &in->sin_addr, 4);
    out = IpEndpoint::V4(bytes, ntohs(in->sin_port));
    return true;
  }
  if (addr->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    std::array<uint8_t, 16> bytes{};
    std::memcpy(bytes.data(), &in6->sin6_addr, 16);
    out = IpEndpoint::V6(bytes, ntohs(in6->sin6_port));
    return true;
  }
  return false;
}

// CURLOPT_OPENSOCKETFUNCTION: the last moment before connect() at which the resolved address
// is known; refusing here is what makes the policy immune to DNS rebinding.
curl_socket_t OpenSocket(void* clientp, curlsocktype purpose, curl_sockaddr* address) {
  auto* state = static_cast<CallState*>(clientp);
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  IpEndpoint endpoint;
  const bool known = ToEndpoint(&address->addr, endpoint);
  if (!known || (state->options->allow_address && !state->options->allow_address(endpoint))) {
    ++state->addresses_refused;
    return CURL_SOCKET_BAD;
  }
  ++state->addresses_allowed;
  return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

size_t DiscardBody(char* /*data*/, size_t size, size_t count, void* userdata) {
  auto* state = static_cast<CallState*>(userdata);
  const size_t bytes = size * count;
  const size_t room = state->options->max_response_body_bytes - state->body_bytes;
  if (bytes > room) {
    // Returning less than given makes curl stop with CURLE_WRITE_ERROR: the status line is
    // already known, the rest of a huge body is not worth the wait.
    state->body_bytes += room;
    state->body_truncated = true;
    return 0;
  }
  state->body_bytes += bytes;
  return bytes;
}

bool IsTlsError(CURLcode code) {
  switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
      return true;
    default:
      return false;
  }
}

OutboundError ClassifyError(CURLcode code, const CallState& state) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_BAD_FUNCTION_ARGUMENT:
      return OutboundError::kInvalidRequest;
    case CURLE_COULDNT_RESOLVE_HOST:
      return OutboundError::kResolve;
    case CURLE_COULDNT_CONNECT:
      return state.addresses_allowed == 0 && state.addresses_refused > 0
                 ? OutboundError::kAddressRefused
                 : OutboundError::kConnect;
    case CURLE_OPERATION_TIMEDOUT:
      return OutboundError::kTimeout;
    default:
      return IsTlsError(code) ? OutboundError::kTls : OutboundError::kConnection;
  }
}

bool IsCleanHeaderText(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

OutboundHttpResult Failed(OutboundError error, std::string message) {
  OutboundHttpResult result;
  result.error = error;
  result.error_message = std::move(message);
  return result;
}

// Builds the header list; null (with `error` set) when a header is malformed.
std::unique_ptr<curl_slist, SlistDeleter> BuildHeaders(const HttpHeaderList& headers,
                                                       std::string& error) {
  std::unique_ptr<curl_slist, SlistDeleter> list;
  auto append = [&list](const std::string& line) {
    curl_slist* grown = curl_slist_append(list.get(), line.c_str());
    if (grown != nullptr) {
      // curl_slist_append returns the same list head (or a new one when the list was empty).
      (void)list.release();
      list.reset(grown);
    }
    return grown != nullptr;
  };
  for (const auto& [name, value] : headers) {
    if (name.empty() || name.find(':') != std::string::npos || !IsCleanHeaderText(name) ||
        !IsCleanHeaderText(value)) {
      error = "malformed header name or value";
      return nullptr;
    }
    std::string line = name;
    line += ": ";
    line += value;
    if (!append(line)) {
      error = "out of memory";
      return nullptr;
    }
  }
  // No "Expect: 100-continue" round trip (curl adds it to larger POST bodies).
  if (!append("Expect:")) {
    error = "out of memory";
    return nullptr;
  }
  return list;
}

void Configure(CURL* curl, const OutboundHttpOptions& options, CallState& state,
               std::chrono::milliseconds timeout, char* error_buffer) {
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_PROXY, "");  // ignore http_proxy & co.
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(curl, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, &OpenSocket);
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &state);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &DiscardBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &state);
}

}  // namespace

std::string_view OutboundErrorName(OutboundError error) {
  switch (error) {
    case OutboundError::kNone:
      return "none";
    case OutboundError::kInvalidRequest:
      return "invalid_request";
    case OutboundError::kAddressRefused:
      return "address_refused";
    case OutboundError::kResolve:
      return "resolve";
    case OutboundError::kConnect:
      return "connect";
    case OutboundError::kTimeout:
      return "timeout";
    case OutboundError::kTls:
      return "tls";
    case OutboundError::kConnection:
      return "connection";
  }
  return "connection";
}

OutboundHttp::OutboundHttp(OutboundHttpOptions options) : options_(std::move(options)) {
  GlobalInitOnce();
}

OutboundHttpResult OutboundHttp::Post(std::string_view url, const HttpHeaderList& headers,
                                      std::string_view body,
                                      std::chrono::milliseconds timeout) const {
  const auto started = std::chrono::steady_clock::now();
  if (url.size() > kMaxUrlBytes || !IsCleanHeaderText(url)) {
    return Failed(OutboundError::kInvalidRequest, "url too long or with control characters");
  }
  if (body.size() > options_.max_request_body_bytes) {
    return Failed(OutboundError::kInvalidRequest, "request body over its limit");
  }
  if (timeout <= std::chrono::milliseconds{0}) timeout = options_.default_timeout;
  timeout = std::min(timeout, options_.max_timeout);

  std::string header_error;
  auto header_list = BuildHeaders(headers, header_error);
  if (header_list == nullptr) return Failed(OutboundError::kInvalidRequest, header_error);
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (curl == nullptr) return Failed(OutboundError::kConnection, "curl_easy_init failed");

  const std::string url_text(url);
  CallState state{.options = &options_};
  char error_buffer[CURL_ERROR_SIZE] = {};
  Configure(curl.get(), options_, state, timeout, error_buffer);
  curl_easy_setopt(curl.get(), CURLOPT_URL, url_text.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(curl.get(), CURLOPT_POST, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));

  const CURLcode code = curl_easy_perform(curl.get());
  OutboundHttpResult result;
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  result.response_body_bytes = state.body_bytes;
  result.response_body_truncated = state.body_truncated;
  if (code == CURLE_OK || (code == CURLE_WRITE_ERROR && state.body_truncated)) {
    long status = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    result.status_code = static_cast<int>(status);
    return result;
  }
  result.error = ClassifyError(code, state);
  result.error_message = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
  return result;
}

base::Result<OutboundHttpResult> GuardedPost(GuardedCall& guard, const OutboundHttp& http,
                                             std::string_view url, const HttpHeaderList& headers,
                                             std::string_view body) {
  return guard.Call(
      [&](std::chrono::milliseconds timeout) -> base::Result<OutboundHttpResult> {
        return http.Post(url, headers, body, timeout);
      },
      [](const base::Result<OutboundHttpResult>& result) {
        return result.ok() && result->Succeeded();
      });
}

}  // namespace steadycast::net
