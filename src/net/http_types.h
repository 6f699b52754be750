#pragma once
// Transport-neutral HTTP request/response values shared by net/ (which owns the sockets) and
// the route handlers in api/ and deliver/. Handlers never see sockets.

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/buffer.h"
#include "base/status.h"

namespace steadycast::net {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request target: "/v1/live-streams?limit=5"
  std::string path;    // percent-decoded path without the query: "/v1/live-streams"
  std::map<std::string, std::string> query;    // decoded query parameters (last one wins)
  std::map<std::string, std::string> headers;  // header names lower-cased
  std::map<std::string, std::string> params;   // route parameters: "{id}" → params["id"]
  std::string body;
  std::string remote_address;  // "ip:port" of the peer
  bool keep_alive = true;

  // Header value or "" (name must be lower-case).
  std::string_view Header(std::string_view name) const;
  std::string_view Query(std::string_view name) const;
  std::string_view Param(std::string_view name) const;
};

// The writing end of a streamed response body (HttpResponse::stream): Server-Sent Events and
// other long-lived responses. Thread-safe; Write and Close never block (bytes are queued and
// written on the connection's strand).
class HttpBodyStream {
 public:
  virtual ~HttpBodyStream() = default;
  // Queues `bytes`. False once the stream is closed: the client went away, the server is
  // stopping, Close() was called, or the client fell more than HttpServerOptions::
  // max_stream_buffer_bytes behind (which closes the stream instead of growing memory).
  virtual bool Write(std::string bytes) = 0;
  // Ends the body after what is queued; the connection then closes.
  virtual void Close() = 0;
  virtual bool IsOpen() const = 0;
};

// Called once the head of a streamed response is written (on the connection's strand; must not
// block). Not called for HEAD requests or when the client left before.
using HttpStreamStart = std::function<void(std::shared_ptr<HttpBodyStream> stream)>;

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  base::Buffer body;  // shared, immutable (segments are served without copying)
  // When set, `body` is ignored and the body is streamed: the head goes out without
  // Content-Length and with "Connection: close" (the body ends when the connection closes,
  // RFC 9112 §6.3), then `stream` gets the writer.
  HttpStreamStart stream;

  HttpResponse& Header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  // Sets the body and the Content-Type header.
  HttpResponse& Body(base::Buffer bytes, std::string content_type);
  HttpResponse& Text(std::string_view text, std::string content_type = "text/plain; charset=utf-8");
  bool HasHeader(std::string_view name) const;  // case-insensitive

  static HttpResponse Status(int status) {
    HttpResponse r;
    r.status = status;
    return r;
  }
};

// Percent-decodes `in` (RFC 3986 §2.1). With `plus_as_space` ('+' → ' ', for query components
// in application/x-www-form-urlencoded style). Malformed escapes ("%4", "%zz") and NUL bytes
// (raw or "%00") are errors: they are never legitimate in a path or a parameter and NUL would
// truncate strings in C APIs further down.
base::Result<std::string> PercentDecode(std::string_view in, bool plus_as_space = false);

// Splits a request target (RFC 9112 §3.2 origin-form "/p?q", or absolute-form
// "http://host/p?q") into the decoded path and the decoded query parameters (the last value
// of a repeated name wins; "a&b=" gives {"a":"", "b":""}). Errors for anything else
// (asterisk/authority form, malformed escapes, NUL bytes, control characters).
base::Status ParseTarget(std::string_view target, std::string& path,
                         std::map<std::string, std::string>& query);

// Standard reason phrase for a status code ("Not Found"), "Unknown" for unlisted codes.
std::string_view StatusReason(int status);

// An RFC 9457 problem response: Content-Type application/problem+json, body
// {"type":"about:blank","title":<reason phrase>,"status":N,"detail":<detail>}.
HttpResponse ProblemResponse(int status, std::string_view detail);

// Appends `text` to `out` as the inside of a JSON string literal (quotes not included).
void AppendJsonEscaped(std::string& out, std::string_view text);

// Sends the response. Call exactly once, from any thread, possibly later (long polls).
using HttpResponder = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(const HttpRequest& request, HttpResponder respond)>;

}  // namespace steadycast::net
