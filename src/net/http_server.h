#pragma once
// HTTP/1.1 server (Boost.Beast) with keep-alive, serving one HttpRouter. Request bodies are
// limited (413 beyond the limit), headers are limited, slow clients time out. Responses are
// written from immutable shared buffers, so a slow viewer never blocks anyone else.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "net/http_router.h"

namespace boost::asio {
class io_context;
}

namespace steadycast::net {

struct HttpServerOptions {
  size_t max_body_bytes = 64 * 1024;
  size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds read_timeout{30'000};  // per request, incl. idle keep-alive
  size_t max_connections = 4096;
  std::string server_header = "steadycast";
};

class HttpServer {
 public:
  // `router` must outlive the server.
  HttpServer(boost::asio::io_context& io, HttpServerOptions options, const HttpRouter& router);
  ~HttpServer();
  // Binds and starts accepting. Port 0 picks a free port. Returns the bound "ip:port".
  base::Result<std::string> Listen(const std::string& host, uint16_t port);
  // Stops accepting; in-flight responses are finished, idle connections closed.
  void Stop();

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace steadycast::net
