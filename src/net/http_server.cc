#include "net/http_server.h"

#include <mutex>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "net/accept_loop.h"
#include "net/http_connection.h"

namespace steadycast::net {

namespace asio = boost::asio;

// Owns the accept loop and the context shared with connections.
class HttpServer::Impl {
 public:
  Impl(asio::io_context& io, HttpServerOptions options, const HttpRouter& router)
      : context_(std::make_shared<internal::HttpServerContext>(std::move(options), router)),
        accept_loop_(std::make_shared<internal::AcceptLoop>(
            io,
            internal::AcceptLoop::Options{.log_prefix = "http",
                                          .max_connections = context_->options.max_connections,
                                          .warn_on_limit = false},
            [context = context_] { return CountConnections(*context); },
            [context = context_](internal::AcceptLoop::Socket socket, std::string remote_address) {
              std::make_shared<internal::HttpConnection>(context, std::move(socket),
                                                         std::move(remote_address))
                  ->Start();
            })) {}

  base::Result<std::string> Listen(const std::string& host, uint16_t port) {
    if (context_->stopping.load()) return base::FailedPrecondition("http server was stopped");
    return accept_loop_->Listen(host, port);
  }

  void Stop() {
    if (context_->stopping.exchange(true)) return;
    accept_loop_->Stop();
    std::vector<std::shared_ptr<internal::HttpConnection>> connections;
    {
      std::lock_guard lock(context_->mu);
      for (auto& [raw, weak] : context_->connections) {
        if (auto connection = weak.lock()) connections.push_back(std::move(connection));
      }
    }
    for (auto& connection : connections) connection->Stop();
  }

  size_t ConnectionCount() const { return CountConnections(*context_); }

 private:
  static size_t CountConnections(internal::HttpServerContext& context) {
    std::lock_guard lock(context.mu);
    return context.connections.size();
  }

  // The callbacks of accept_loop_ hold the context, never this object (no cycle).
  std::shared_ptr<internal::HttpServerContext> context_;
  std::shared_ptr<internal::AcceptLoop> accept_loop_;
};

HttpServer::HttpServer(asio::io_context& io, HttpServerOptions options, const HttpRouter& router)
    : impl_(std::make_shared<Impl>(io, std::move(options), router)) {}

HttpServer::~HttpServer() { impl_->Stop(); }

base::Result<std::string> HttpServer::Listen(const std::string& host, uint16_t port) {
  return impl_->Listen(host, port);
}

void HttpServer::Stop() { impl_->Stop(); }

size_t HttpServer::ConnectionCount() const { return impl_->ConnectionCount(); }

}  // namespace steadycast::net
