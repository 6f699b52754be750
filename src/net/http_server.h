#pragma once
// HTTP/1.1 server (Boost.Beast) with keep-alive, serving one HttpRouter. Request bodies are
// limited (413 beyond the limit), headers are limited, slow clients time out, and requests
// whose framing is ambiguous (RFC 9112 §6: unknown transfer codings → 501; Transfer-Encoding
// with Content-Length, repeated Content-Length, a missing or repeated Host → 400) are refused
// and the connection closed before any body byte is read (http_framing.h). Responses are
// written from immutable shared buffers, so a slow viewer never blocks anyone else.
//
// RFC 9112 message framing, RFC 9110 semantics. Each connection lives on its own strand of the
// io_context (which the app runs on a small thread pool); requests of one connection are
// handled strictly one after another (pipelining-safe), connections in parallel, with no lock
// on the request path. Handlers run on the connection's strand and must not block; they may
// answer later from any thread through the HttpResponder (exactly once: extra calls are
// dropped, a responder dropped without a call answers 500).
//
// Ownership: the server owns its acceptors; connections are shared and may outlive the
// HttpServer object while they finish in-flight responses after Stop(). `router` must outlive
// every connection, i.e. keep it until the io_context has stopped running.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "net/http_router.h"

namespace boost::asio {
class io_context;
}

namespace steadycast::net {

struct HttpServerOptions {
  // The one request body limit (setting http.max_body_bytes): larger bodies → 413, from the
  // Content-Length alone when there is one.
  size_t max_body_bytes = 64 * 1024;
  size_t max_header_bytes = 16 * 1024;
  // From the start of waiting for a request (connection accepted, or the previous response
  // written) until its whole header section has arrived: an idle keep-alive connection is then
  // closed silently, a partial header is answered 408 and closed (setting
  // http.header_timeout_ms).
  std::chrono::milliseconds header_timeout{30'000};
  // From the end of the header section (or the 100 Continue) until the whole body has arrived:
  // a body shorter than its Content-Length or an unterminated chunked body is answered 408 and
  // closed (setting http.body_timeout_ms).
  std::chrono::milliseconds body_timeout{30'000};
  size_t max_connections = 4096;
  std::string server_header = "steadycast";
  // Writing one response (a viewer that stops reading is disconnected after this).
  std::chrono::milliseconds write_timeout{60'000};
  // A streamed response (HttpResponse::stream) whose client lets more than this pile up is
  // closed.
  size_t max_stream_buffer_bytes = size_t{1024} * 1024;
  // Renders the server's own error responses, sent before a request reaches the router (400
  // malformed, 408 too slow, 413 body over the limit, 431 header over the limit, 501 unknown
  // transfer coding), so they can carry the same problem types as the routes' errors. Called
  // on the connection's strand; must not block. Empty: ProblemResponse (type about:blank).
  std::function<HttpResponse(int status, std::string_view detail)> error_response;
};

class HttpServer {
 public:
  // `router` must outlive the server.
  HttpServer(boost::asio::io_context& io, HttpServerOptions options, const HttpRouter& router);
  ~HttpServer();  // Stop()s
  // Binds and starts accepting. Port 0 picks a free port. Returns the bound "ip:port".
  // May be called more than once (several addresses). Thread-safe.
  base::Result<std::string> Listen(const std::string& host, uint16_t port);
  // Stops accepting; in-flight responses are finished, idle connections closed. Returns at
  // once (the closing happens on the io_context); idempotent; thread-safe.
  void Stop();
  // Open connections (for tests and metrics).
  size_t ConnectionCount() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace steadycast::net
