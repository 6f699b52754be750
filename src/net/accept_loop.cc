#include "net/accept_loop.h"

#include <chrono>

#include <fmt/format.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/log.h"
#include "net/socket_util.h"

namespace steadycast::net::internal {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

AcceptLoop::AcceptLoop(asio::io_context& io, Options options, ConnectionCounter count,
                       SocketHandler on_socket)
    : io_(io),
      accept_strand_(asio::make_strand(io)),
      options_(std::move(options)),
      count_(std::move(count)),
      on_socket_(std::move(on_socket)) {}

base::Result<std::string> AcceptLoop::Listen(const std::string& host, uint16_t port,
                                             const std::string& log_suffix) {
  std::lock_guard lock(mu_);
  if (stopping_) {
    return base::FailedPrecondition(fmt::format("{} server was stopped", options_.log_prefix));
  }
  auto acceptor = std::make_unique<tcp::acceptor>(accept_strand_);
  SC_RETURN_IF_ERROR(
      internal::OpenAcceptor(*acceptor, host, port).WithContext(options_.log_prefix));
  error_code ec;
  const std::string bound = internal::FormatEndpoint(acceptor->local_endpoint(ec));
  tcp::acceptor* raw = acceptor.get();
  acceptors_.push_back(std::move(acceptor));
  asio::post(accept_strand_, [self = shared_from_this(), raw] { self->Accept(*raw); });
  SC_LOG_INFO("{}: listening on {}{}", options_.log_prefix, bound, log_suffix);
  return bound;
}

bool AcceptLoop::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    stopping_ = true;
  }
  asio::post(accept_strand_, [self = shared_from_this()] {
    std::lock_guard lock(self->mu_);
    for (auto& acceptor : self->acceptors_) {
      error_code ignored;
      acceptor->close(ignored);
    }
  });
  return true;
}

bool AcceptLoop::stopping() const {
  std::lock_guard lock(mu_);
  return stopping_;
}

void AcceptLoop::Accept(tcp::acceptor& acceptor) {
  acceptor.async_accept(asio::make_strand(io_),
                        [self = shared_from_this(), &acceptor](error_code ec, Socket socket) {
                          self->OnAccept(acceptor, ec, std::move(socket));
                        });
}

void AcceptLoop::OnAccept(tcp::acceptor& acceptor, error_code ec, Socket socket) {
  if (ec == asio::error::operation_aborted || stopping()) return;
  if (ec) {
    // Typically EMFILE: back off instead of spinning on a failing accept.
    SC_LOG_WARN("{}: accept failed: {}", options_.log_prefix, ec.message());
    auto timer = std::make_shared<asio::steady_timer>(accept_strand_);
    timer->expires_after(std::chrono::milliseconds(100));
    timer->async_wait([self = shared_from_this(), timer, &acceptor](error_code) {
      if (!self->stopping()) self->Accept(acceptor);
    });
    return;
  }
  if (count_() >= options_.max_connections) {
    if (options_.warn_on_limit) {
      SC_LOG_WARN("{}: connection limit {} reached; refusing a connection", options_.log_prefix,
                  options_.max_connections);
    } else {
      SC_LOG_DEBUG("{}: connection limit {} reached; refusing a connection", options_.log_prefix,
                   options_.max_connections);
    }
    socket.close(ec);
  } else {
    socket.set_option(tcp::no_delay(true), ec);
    const auto remote = socket.remote_endpoint(ec);
    std::string remote_address = ec ? std::string("unknown") : internal::FormatEndpoint(remote);
    on_socket_(std::move(socket), std::move(remote_address));
  }
  Accept(acceptor);
}

}  // namespace steadycast::net::internal
