#include "net/tcp_server.h"

#include <unistd.h>

#include <mutex>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>

#include "base/log.h"
#include "net/accept_loop.h"
#include "net/io_loops.h"
#include "net/tcp_connection.h"

namespace steadycast::net {

namespace asio = boost::asio;
using boost::system::error_code;

// Owns the accept loop and the context shared with connections.
class TcpServer::Impl {
 public:
  Impl(asio::io_context& io, TcpServerOptions options, TcpHandlerFactory factory, IoLoops* loops)
      : context_(
            std::make_shared<internal::TcpServerContext>(std::move(options), std::move(factory))),
        accept_loop_(std::make_shared<internal::AcceptLoop>(
            io,
            internal::AcceptLoop::Options{.log_prefix = "tcp",
                                          .max_connections = context_->options.max_connections,
                                          .warn_on_limit = true},
            [context = context_] { return CountConnections(*context); },
            [context = context_, loops](internal::TcpSocket socket, std::string remote_address) {
              if (loops != nullptr) socket = MoveToLoop(std::move(socket), loops->Next());
              StartConnection(context, std::move(socket), std::move(remote_address));
            })) {}

  base::Result<std::string> Listen(const std::string& host, uint16_t port) {
    // Serialises the TLS set-up; the accept strand reads context_->tls only after the loop's
    // Listen() has posted to it.
    std::lock_guard lock(mu_);
    if (accept_loop_->stopping()) return base::FailedPrecondition("tcp server was stopped");
    if (!context_->tls && !context_->options.tls_certificate_file.empty()) {
      SC_RETURN_IF_ERROR(LoadTls());
    }
    return accept_loop_->Listen(host, port, context_->tls ? " (TLS)" : "");
  }

  void Stop() {
    if (!accept_loop_->Stop()) return;
    std::vector<std::shared_ptr<TcpConnection>> connections;
    {
      std::lock_guard lock(context_->mu);
      for (auto& [raw, weak] : context_->connections) {
        if (auto connection = weak.lock()) connections.push_back(std::move(connection));
      }
    }
    for (auto& connection : connections) connection->Close();
  }

  size_t ConnectionCount() const { return CountConnections(*context_); }

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

  static size_t CountConnections(internal::TcpServerContext& context) {
    std::lock_guard lock(context.mu);
    return context.connections.size();
  }

  // The same socket on a strand of `loop`. On failure (never seen: release and assign only
  // move the descriptor) the socket stays where it was, which works as well, only slower.
  static internal::TcpSocket MoveToLoop(internal::TcpSocket socket, asio::io_context& loop) {
    error_code ec;
    const auto protocol = socket.local_endpoint(ec).protocol();
    if (ec) return socket;
    const auto fd = socket.release(ec);
    if (ec) return socket;
    internal::TcpSocket moved(asio::make_strand(loop));
    moved.assign(protocol, fd, ec);
    if (ec) {
      SC_LOG_WARN("tcp: cannot move a connection to its I/O loop: {}", ec.message());
      ::close(fd);
      return internal::TcpSocket(asio::make_strand(loop));  // closed: the connection ends
    }
    return moved;
  }

  static void StartConnection(const std::shared_ptr<internal::TcpServerContext>& context,
                              internal::TcpSocket socket, std::string remote_address) {
    if (context->tls) {
      using Connection = internal::TcpConnectionImpl<internal::TlsStream>;
      std::make_shared<Connection>(context, internal::TlsStream(std::move(socket), *context->tls),
                                   std::move(remote_address))
          ->Start();
    } else {
      using Connection = internal::TcpConnectionImpl<internal::TcpSocket>;
      std::make_shared<Connection>(context, std::move(socket), std::move(remote_address))->Start();
    }
  }

  // The callbacks of accept_loop_ hold the context, never this object (no cycle).
  std::shared_ptr<internal::TcpServerContext> context_;
  std::shared_ptr<internal::AcceptLoop> accept_loop_;
  std::mutex mu_;  // guards the TLS set-up in Listen()
};

TcpServer::TcpServer(asio::io_context& io, TcpServerOptions options, TcpHandlerFactory factory,
                     IoLoops* loops)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(factory), loops)) {}

TcpServer::~TcpServer() { impl_->Stop(); }

base::Result<std::string> TcpServer::Listen(const std::string& host, uint16_t port) {
  return impl_->Listen(host, port);
}

void TcpServer::Stop() { impl_->Stop(); }

size_t TcpServer::ConnectionCount() const { return impl_->ConnectionCount(); }

}  // namespace steadycast::net
