#pragma once
// A small blocking HTTP/1.1 client (Boost.Beast) for command-line tools such as
// `steadycast streams`: plain http only, one connection per request ("Connection: close"),
// bounded in time (connect timeout, then one deadline for writing the request and reading the
// whole response) and in memory (header and body limits checked by the parser before it
// buffers more). RFC 9112 message framing (Content-Length and chunked bodies).
//
// Threading: HttpClient holds only options; Send() builds a private io_context per call, so
// one client may be used from several threads at once. Send() blocks the calling thread and
// must not run on an io_context thread of the server.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace steadycast::net {

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{5'000};  // name resolution + TCP connect
  std::chrono::milliseconds read_timeout{30'000};    // request write + whole response read
  size_t max_header_bytes = size_t{16} * 1024;
  size_t max_body_bytes = size_t{8} * 1024 * 1024;  // larger responses → kResourceExhausted
  std::string user_agent = "steadycast";
};

struct HttpClientRequest {
  std::string method = "GET";
  std::string target = "/";  // origin-form: "/v1/live-streams?limit=5"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent with Content-Length when non-empty (or when the method is POST)
};

struct HttpClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // as received, in order
  std::string body;

  // The first header named `name` (case-insensitive), or "".
  std::string_view Header(std::string_view name) const;
};

// "http://HOST:PORT[/prefix]" split into its parts. IPv6 literals in brackets are accepted.
struct HttpUrl {
  std::string host;
  uint16_t port = 80;
  std::string path_prefix;  // "" or "/prefix" (no trailing slash)
};

// Parses an http URL (scheme "http" only; https and others → kInvalidArgument). A bare
// "HOST:PORT" (as in listen.json) is accepted as http. No user info, query or fragment.
base::Result<HttpUrl> ParseHttpUrl(std::string_view url);

// True when Send() failed before any byte of the request left this process (name resolution
// or TCP connect failed): retrying cannot duplicate a side effect on the server.
bool IsConnectFailure(const base::Status& status);

class HttpClient {
 public:
  HttpClient(std::string host, uint16_t port, HttpClientOptions options = {});
  explicit HttpClient(const HttpUrl& url, HttpClientOptions options = {});

  // Sends `request` (its target appended to path_prefix()) and reads the response. Errors:
  // kInvalidArgument (malformed method, target or header), kUnavailable (cannot resolve or
  // connect, a timeout — the message says "timed out" —, the connection closed early, a
  // malformed response), kResourceExhausted (response header or body over its limit). Any HTTP
  // status (4xx/5xx included) is a successful exchange.
  base::Result<HttpClientResponse> Send(const HttpClientRequest& request) const;

  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }
  // The URL prefix every request target is appended to ("" or "/prefix").
  const std::string& path_prefix() const { return path_prefix_; }

 private:
  std::string host_;
  uint16_t port_;
  std::string path_prefix_;
  HttpClientOptions options_;
};

}  // namespace steadycast::net
