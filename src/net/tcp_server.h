#pragma once
// TCP (and later TLS) listener for stream protocols such as RTMP. Protocol glue (ingest/rtmp)
// implements TcpConnectionHandler; it never touches a socket. Only net/ includes Asio socket
// code on behalf of other modules.
//
// Threading: every handler callback of one connection runs on that connection's strand, never
// concurrently. TcpConnection::Send/Close may be called from any thread.
//
// Ownership: the handler owns a shared_ptr to its TcpConnection; the connection owns the
// handler until OnClosed. Connections may outlive the TcpServer object while they flush after
// Stop(); the factory is kept alive with them.
//
// Loops: with an IoLoops, each accepted connection runs on one of its single-threaded loops
// (round robin) instead of a strand of `io`, which then only accepts (net/io_loops.h says why).
//
// TLS (RTMPS): set tls_certificate_file and tls_private_key_file (PEM) and every accepted
// connection is TLS 1.2+; handlers see plaintext and cannot tell the difference.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "base/buffer.h"
#include "base/status.h"

namespace boost::asio {
class io_context;
}

namespace steadycast::net {

class IoLoops;

class TcpConnection {
 public:
  virtual ~TcpConnection() = default;
  // Queues bytes for sending. If the queue exceeds the configured limit (a peer that does not
  // read), the connection is closed instead of growing memory.
  virtual void Send(base::Buffer bytes) = 0;
  // Flushes what is queued (bounded by a short linger), then closes. Idempotent.
  virtual void Close() = 0;
  // The protocol's own handshake is done (e.g. RTMP C0..C2): from now on only the idle
  // timeout applies, not TcpServerOptions::establish_timeout. Call on the connection's strand
  // (from the handler's callbacks); idempotent.
  virtual void MarkEstablished() = 0;
  virtual const std::string& remote_address() const = 0;  // "ip:port"
};

class TcpConnectionHandler {
 public:
  virtual ~TcpConnectionHandler() = default;
  // Bytes received, in order; the span is valid only during the call.
  virtual void OnData(std::span<const uint8_t> bytes) = 0;
  // The connection ended (peer closed, error, idle timeout, or Close()). Called once; the
  // handler is destroyed right after.
  virtual void OnClosed() = 0;
};

using TcpHandlerFactory =
    std::function<std::unique_ptr<TcpConnectionHandler>(std::shared_ptr<TcpConnection>)>;

struct TcpServerOptions {
  std::chrono::milliseconds idle_timeout{30'000};  // no bytes received for this long → close
  // A connection whose handler has not called MarkEstablished() this long after it was
  // accepted (the TLS handshake included) is closed, however steadily it trickles bytes.
  // Zero: no such deadline.
  std::chrono::milliseconds establish_timeout{0};
  size_t max_send_queue_bytes = size_t{8} * 1024 * 1024;
  size_t read_buffer_bytes = size_t{64} * 1024;
  size_t max_connections = 1024;
  // Close(): how long queued bytes may take to flush and the peer to acknowledge the close.
  std::chrono::milliseconds close_linger{2'000};
  // PEM files; both set → TLS. Loaded (and checked) by the first Listen().
  std::string tls_certificate_file;
  std::string tls_private_key_file;
};

class TcpServer {
 public:
  // `loops` (optional, not owned) must outlive every connection: stop it after Stop() and
  // after the connections had their close_linger.
  TcpServer(boost::asio::io_context& io, TcpServerOptions options, TcpHandlerFactory factory,
            IoLoops* loops = nullptr);
  ~TcpServer();
  // Binds and starts accepting. Port 0 picks a free port. Returns the bound "ip:port".
  // May be called more than once. Errors: address in use, bad TLS files.
  base::Result<std::string> Listen(const std::string& host, uint16_t port);
  // Stops accepting and Close()s every connection (queued bytes are flushed, bounded by
  // close_linger). Returns at once; idempotent; thread-safe.
  void Stop();
  // Open connections (for tests and metrics).
  size_t ConnectionCount() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace steadycast::net
