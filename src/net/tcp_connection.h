#pragma once
// Internal to net/: the TcpConnection of TcpServer, over a plain socket or a TLS stream
// (RTMPS). The stream type is a template parameter; everything stream-specific (handshake,
// shutdown) sits in a few `if constexpr` branches, so another stream type is a small change.
//
// Lifecycle: [TLS handshake] → open (reads delivered to the handler, sends queued and written
// in order) → Close(): stop delivering, flush the queue, half-close (TLS: close_notify), wait
// for the peer's EOF, all bounded by `close_linger` → closed: socket closed, OnClosed posted
// once, handler destroyed. Errors, idle timeout, queue overflow and Stop() jump to closed.
//
// Ownership: shared_ptr (the handler holds one through TcpConnection; pending operations hold
// one). The cycle handler → connection → handler is broken when the handler is destroyed
// after OnClosed. Threading: all state lives on the connection's strand; Send/Close post to it.

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/strand.hpp>

#include "net/deadline_timer.h"
#include "net/tcp_server.h"

namespace steadycast::net::internal {

using TcpSocket =
    boost::asio::basic_stream_socket<boost::asio::ip::tcp,
                                     boost::asio::strand<boost::asio::io_context::executor_type>>;
using TlsStream = boost::asio::ssl::stream<TcpSocket>;

// State shared by a TcpServer and its connections (which may outlive the server object).
struct TcpServerContext {
  TcpServerContext(TcpServerOptions o, TcpHandlerFactory f)
      : options(std::move(o)), factory(std::move(f)) {}

  const TcpServerOptions options;
  const TcpHandlerFactory factory;
  std::unique_ptr<boost::asio::ssl::context> tls;  // set by Listen() before any accept
  std::mutex mu;                                   // guards `connections` (connect/close only)
  std::unordered_map<TcpConnection*, std::weak_ptr<TcpConnection>> connections;
};

template <typename Stream>
class TcpConnectionImpl final : public TcpConnection,
                                public std::enable_shared_from_this<TcpConnectionImpl<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  TcpConnectionImpl(std::shared_ptr<TcpServerContext> context, Stream stream,
                    std::string remote_address);
  // Registers with the context, then handshakes (TLS) and starts reading.
  void Start();

  void Send(base::Buffer bytes) override;
  void Close() override;
  void MarkEstablished() override { established_ = true; }
  const std::string& remote_address() const override { return remote_address_; }

 private:
  enum class State { kHandshake, kOpen, kFlushing, kShuttingDown, kClosed };
  using Clock = std::chrono::steady_clock;

  TcpSocket& socket();
  void Open();
  void DoRead();
  void OnRead(boost::system::error_code ec, size_t n);
  void DoSend(base::Buffer bytes);
  void DoWrite();
  void OnWrite(boost::system::error_code ec);
  void BeginClose();
  void Shutdown();
  void StartTlsShutdown();
  void Finish();
  void OnDeadline();
  Clock::time_point NextDeadline() const;  // idle, or the establish deadline if earlier

  std::shared_ptr<TcpServerContext> context_;
  Stream stream_;
  DeadlineTimer deadline_;
  std::string remote_address_;
  std::unique_ptr<TcpConnectionHandler> handler_;
  State state_ = State::kHandshake;
  std::vector<uint8_t> read_buffer_;
  bool reading_ = false;
  Clock::time_point last_receive_;
  Clock::time_point establish_until_ = Clock::time_point::max();  // until MarkEstablished()
  bool established_ = false;
  std::deque<base::Buffer> queue_;
  size_t queued_bytes_ = 0;
  bool writing_ = false;
  size_t writing_count_ = 0;  // buffers of queue_ in the write in flight
  std::vector<boost::asio::const_buffer> write_buffers_;
};

extern template class TcpConnectionImpl<TcpSocket>;
extern template class TcpConnectionImpl<TlsStream>;

}  // namespace steadycast::net::internal
