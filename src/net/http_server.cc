#include "net/http_server.h"

#include <mutex>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "base/log.h"
#include "net/http_connection.h"
#include "net/socket_util.h"

namespace steadycast::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// Owns the acceptors (on one strand, so the connection count check and Stop() never race an
// accept) and the context shared with connections.
class HttpServer::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, HttpServerOptions options, const HttpRouter& router)
      : io_(io),
        accept_strand_(asio::make_strand(io)),
        context_(std::make_shared<internal::HttpServerContext>(std::move(options), router)) {}

  base::Result<std::string> Listen(const std::string& host, uint16_t port) {
    if (context_->stopping.load()) return base::FailedPrecondition("http server was stopped");
    auto acceptor = std::make_unique<tcp::acceptor>(accept_strand_);
    SC_RETURN_IF_ERROR(internal::OpenAcceptor(*acceptor, host, port).WithContext("http"));
    error_code ec;
    const std::string bound = internal::FormatEndpoint(acceptor->local_endpoint(ec));
    tcp::acceptor* raw = acceptor.get();
    {
      std::lock_guard lock(mu_);
      acceptors_.push_back(std::move(acceptor));
    }
    asio::post(accept_strand_, [self = shared_from_this(), raw] { self->Accept(*raw); });
    SC_LOG_INFO("http: listening on {}", bound);
    return bound;
  }

  void Stop() {
    if (context_->stopping.exchange(true)) return;
    asio::post(accept_strand_, [self = shared_from_this()] {
      std::lock_guard lock(self->mu_);
      for (auto& acceptor : self->acceptors_) {
        error_code ignored;
        acceptor->close(ignored);
      }
    });
    std::vector<std::shared_ptr<internal::HttpConnection>> connections;
    {
      std::lock_guard lock(context_->mu);
      for (auto& [raw, weak] : context_->connections) {
        if (auto connection = weak.lock()) connections.push_back(std::move(connection));
      }
    }
    for (auto& connection : connections) connection->Stop();
  }

  size_t ConnectionCount() const {
    std::lock_guard lock(context_->mu);
    return context_->connections.size();
  }

 private:
  void Accept(tcp::acceptor& acceptor) {
    acceptor.async_accept(asio::make_strand(io_),
                          [self = shared_from_this(), &acceptor](
                              error_code ec, internal::HttpConnection::Socket socket) {
                            self->OnAccept(acceptor, ec, std::move(socket));
                          });
  }

  void OnAccept(tcp::acceptor& acceptor, error_code ec, internal::HttpConnection::Socket socket) {
    if (context_->stopping.load() || ec == asio::error::operation_aborted) return;
    if (ec) {
      // Typically EMFILE: back off instead of spinning on a failing accept.
      SC_LOG_WARN("http: accept failed: {}", ec.message());
      auto timer = std::make_shared<asio::steady_timer>(accept_strand_);
      timer->expires_after(std::chrono::milliseconds(100));
      timer->async_wait([self = shared_from_this(), timer, &acceptor](error_code) {
        if (!self->context_->stopping.load()) self->Accept(acceptor);
      });
      return;
    }
    if (ConnectionCount() >= context_->options.max_connections) {
      SC_LOG_DEBUG("http: connection limit {} reached; refusing a connection",
                   context_->options.max_connections);
      socket.close(ec);
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      const auto remote = socket.remote_endpoint(ec);
      std::string remote_address = ec ? std::string("unknown") : internal::FormatEndpoint(remote);
      auto connection = std::make_shared<internal::HttpConnection>(context_, std::move(socket),
                                                                   std::move(remote_address));
      connection->Start();
    }
    Accept(acceptor);
  }

  asio::io_context& io_;
  asio::strand<asio::io_context::executor_type> accept_strand_;
  std::shared_ptr<internal::HttpServerContext> context_;
  std::mutex mu_;  // guards acceptors_ (Listen may run on any thread)
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
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
