#include "net/tcp_server.h"

#include <vector>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "base/log.h"
#include "net/socket_util.h"
#include "net/tcp_connection.h"

namespace steadycast::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// Owns the acceptors (on one strand, like HttpServer) and the context shared with
// connections.
class TcpServer::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, TcpServerOptions options, TcpHandlerFactory factory)
      : io_(io),
        accept_strand_(asio::make_strand(io)),
        context_(
            std::make_shared<internal::TcpServerContext>(std::move(options), std::move(factory))) {}

  base::Result<std::string> Listen(const std::string& host, uint16_t port) {
    std::lock_guard lock(mu_);
    if (stopping_) return base::FailedPrecondition("tcp server was stopped");
    if (!context_->tls && !context_->options.tls_certificate_file.empty()) {
      SC_RETURN_IF_ERROR(LoadTls());
    }
    auto acceptor = std::make_unique<tcp::acceptor>(accept_strand_);
    SC_RETURN_IF_ERROR(internal::OpenAcceptor(*acceptor, host, port).WithContext("tcp"));
    error_code ec;
    const std::string bound = internal::FormatEndpoint(acceptor->local_endpoint(ec));
    tcp::acceptor* raw = acceptor.get();
    acceptors_.push_back(std::move(acceptor));
    asio::post(accept_strand_, [self = shared_from_this(), raw] { self->Accept(*raw); });
    SC_LOG_INFO("tcp: listening on {}{}", bound, context_->tls ? " (TLS)" : "");
    return bound;
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    asio::post(accept_strand_, [self = shared_from_this()] {
      std::lock_guard lock(self->mu_);
      for (auto& acceptor : self->acceptors_) {
        error_code ignored;
        acceptor->close(ignored);
      }
    });
    std::vector<std::shared_ptr<TcpConnection>> connections;
    {
      std::lock_guard lock(context_->mu);
      for (auto& [raw, weak] : context_->connections) {
        if (auto connection = weak.lock()) connections.push_back(std::move(connection));
      }
    }
    for (auto& connection : connections) connection->Close();
  }

  size_t ConnectionCount() const {
    std::lock_guard lock(context_->mu);
    return context_->connections.size();
  }

 private:
  base::Status LoadTls() {
    const auto& options = context_->options;
    auto tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    error_code ec;
    tls->use_certificate_chain_file(options.tls_certificate_file, ec);
    if (ec) {
      return base::InvalidArgument(
          fmt::format("tls certificate {}: {}", options.tls_certificate_file, ec.message()));
    }
    tls->use_private_key_file(options.tls_private_key_file, asio::ssl::context::pem, ec);
    if (ec) {
      return base::InvalidArgument(
          fmt::format("tls private key {}: {}", options.tls_private_key_file, ec.message()));
    }
    context_->tls = std::move(tls);
    return base::Status::Ok();
  }

  bool stopping() {
    std::lock_guard lock(mu_);
    return stopping_;
  }

  void Accept(tcp::acceptor& acceptor) {
    acceptor.async_accept(asio::make_strand(io_), [self = shared_from_this(), &acceptor](
                                                      error_code ec, internal::TcpSocket socket) {
      self->OnAccept(acceptor, ec, std::move(socket));
    });
  }

  void OnAccept(tcp::acceptor& acceptor, error_code ec, internal::TcpSocket socket) {
    if (ec == asio::error::operation_aborted || stopping()) return;
    if (ec) {
      SC_LOG_WARN("tcp: accept failed: {}", ec.message());
      auto timer = std::make_shared<asio::steady_timer>(accept_strand_);
      timer->expires_after(std::chrono::milliseconds(100));
      timer->async_wait([self = shared_from_this(), timer, &acceptor](error_code) {
        if (!self->stopping()) self->Accept(acceptor);
      });
      return;
    }
    if (ConnectionCount() >= context_->options.max_connections) {
      SC_LOG_WARN("tcp: connection limit {} reached; refusing a connection",
                  context_->options.max_connections);
      socket.close(ec);
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      const auto remote = socket.remote_endpoint(ec);
      std::string remote_address = ec ? std::string("unknown") : internal::FormatEndpoint(remote);
      if (context_->tls) {
        using Connection = internal::TcpConnectionImpl<internal::TlsStream>;
        std::make_shared<Connection>(context_,
                                     internal::TlsStream(std::move(socket), *context_->tls),
                                     std::move(remote_address))
            ->Start();
      } else {
        using Connection = internal::TcpConnectionImpl<internal::TcpSocket>;
        std::make_shared<Connection>(context_, std::move(socket), std::move(remote_address))
            ->Start();
      }
    }
    Accept(acceptor);
  }

  asio::io_context& io_;
  asio::strand<asio::io_context::executor_type> accept_strand_;
  std::shared_ptr<internal::TcpServerContext> context_;
  std::mutex mu_;  // guards acceptors_, stopping_ and the TLS set-up in Listen()
  bool stopping_ = false;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
};

TcpServer::TcpServer(asio::io_context& io, TcpServerOptions options, TcpHandlerFactory factory)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(factory))) {}

TcpServer::~TcpServer() { impl_->Stop(); }

base::Result<std::string> TcpServer::Listen(const std::string& host, uint16_t port) {
  return impl_->Listen(host, port);
}

void TcpServer::Stop() { impl_->Stop(); }

size_t TcpServer::ConnectionCount() const { return impl_->ConnectionCount(); }

}  // namespace steadycast::net
