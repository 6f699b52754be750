#pragma once
// Internal to net/: the accept machinery shared by HttpServer and TcpServer.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

#include "base/status.h"

namespace steadycast::net::internal {

// Listens on one or more TCP addresses and hands every accepted socket to `on_socket`, each on
// a fresh strand of the io_context. Accepts run on one strand, so the connection-count check
// and Stop() never race an accept. An accept error (typically EMFILE) backs off 100 ms instead
// of spinning; a connection over `max_connections` is closed at once (logged, not handed on).
//
// Ownership: always held by shared_ptr (pending accepts keep it alive). The callbacks must not
// own whoever owns the loop (no cycle): capture the state shared with connections instead.
// Threading: Listen() and Stop() from any thread; the callbacks run on the accept strand.
class AcceptLoop : public std::enable_shared_from_this<AcceptLoop> {
 public:
  using Socket =
      boost::asio::basic_stream_socket<boost::asio::ip::tcp,
                                       boost::asio::strand<boost::asio::io_context::executor_type>>;

  struct Options {
    std::string log_prefix;  // "http", "tcp": starts every log line and error message
    size_t max_connections = 0;
    bool warn_on_limit = false;  // log a refused connection as a warning (else debug)
  };
  // Open connections, compared with max_connections before each hand-off.
  using ConnectionCounter = std::function<size_t()>;
  // An accepted socket (TCP_NODELAY set) and its "ip:port" ("unknown" if unavailable).
  using SocketHandler = std::function<void(Socket socket, std::string remote_address)>;

  AcceptLoop(boost::asio::io_context& io, Options options, ConnectionCounter count,
             SocketHandler on_socket);

  // Binds, starts accepting and logs "<prefix>: listening on <ip:port><log_suffix>". Returns
  // the bound "ip:port". Fails once Stop() was called.
  base::Result<std::string> Listen(const std::string& host, uint16_t port,
                                   const std::string& log_suffix = "");
  // Stops accepting (acceptors are closed on the accept strand). Returns true for the call
  // that stopped the loop, false if it was already stopped.
  bool Stop();
  bool stopping() const;

 private:
  void Accept(boost::asio::ip::tcp::acceptor& acceptor);
  void OnAccept(boost::asio::ip::tcp::acceptor& acceptor, boost::system::error_code ec,
                Socket socket);

  boost::asio::io_context& io_;
  boost::asio::strand<boost::asio::io_context::executor_type> accept_strand_;
  const Options options_;
  const ConnectionCounter count_;
  const SocketHandler on_socket_;
  mutable std::mutex mu_;  // guards acceptors_ and stopping_ (Listen may run on any thread)
  bool stopping_ = false;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
};

}  // namespace steadycast::net::internal
