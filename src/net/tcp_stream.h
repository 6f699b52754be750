#pragma once
// TcpStream and TcpListener: protocol-agnostic TCP byte streams for code above net/ that needs
// more control than TcpServer gives a protocol handler — the lab relay: outgoing connections,
// half-close (FIN one way while the other still flows), pausing reads for back-pressure and
// stalls, and an abortive close (RST, SO_LINGER 0) to emulate a cut link.
//
// Threading: each stream lives on its own strand; its events run there, never concurrently.
// Every method may be called from any thread. Reset() and Close() stop further data events at
// once when called on a thread running the io_context (the usual case: from an event or a
// timer); from a foreign thread an event already running may still finish.
//
// Ownership: shared_ptr. Pending operations keep the stream alive; the events (and whatever
// they capture) are released after on_closed, or at Reset(). Streams may outlive the listener.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "base/buffer.h"
#include "base/status.h"
#include "net/ip_endpoint.h"

namespace boost::asio {
class io_context;
}

namespace steadycast::net {

struct TcpStreamOptions {
  size_t read_buffer_bytes = size_t{64} * 1024;
  // A peer that does not read: past this many queued bytes the stream is reset and closed
  // with kResourceExhausted instead of growing memory.
  size_t max_send_queue_bytes = size_t{16} * 1024 * 1024;
  // Close(): how long the flush and the wait for the peer's FIN may take.
  std::chrono::milliseconds close_linger{2'000};
};

// Callbacks of one stream; any may be empty. Spans are valid only during the call.
struct TcpStreamEvents {
  std::function<void()> on_connected;                     // TcpStream::Connect() succeeded
  std::function<void(std::span<const uint8_t>)> on_data;  // bytes received, in order
  std::function<void()> on_peer_closed;  // the peer's FIN: no more data; sending still works
  std::function<void()> on_drained;      // the send queue became empty
  // Last event, once: OK after an orderly close both ways; else why (refused, timeout, reset
  // by the peer, queue overflow). Not delivered after Reset().
  std::function<void(base::Status)> on_closed;
};

class TcpStream {
 public:
  // Connects to `peer`; events arrive on the stream's strand (failure: on_closed with the
  // reason, e.g. kUnavailable "connection refused" or "connect timeout").
  static std::shared_ptr<TcpStream> Connect(boost::asio::io_context& io, const IpEndpoint& peer,
                                            std::chrono::milliseconds timeout,
                                            TcpStreamEvents events, TcpStreamOptions options = {});

  virtual ~TcpStream() = default;
  // Accepted streams: sets the events and starts reading. Once.
  virtual void Start(TcpStreamEvents events) = 0;
  // Queues bytes; written in order. Ignored after ShutdownSend/Close/Reset.
  virtual void Send(base::Buffer bytes) = 0;
  // Sends FIN once the queue is flushed; receiving goes on. When both directions have ended
  // the stream closes (on_closed OK).
  virtual void ShutdownSend() = 0;
  // Graceful close: no more data events; flush, FIN, wait for the peer's FIN (bounded by
  // close_linger), close; then on_closed.
  virtual void Close() = 0;
  // Abortive close now: SO_LINGER 0 makes the kernel send RST and drop unsent bytes, so the
  // peer sees "connection reset". Silent: no event follows. Idempotent.
  virtual void Reset() = 0;
  // Stops issuing reads (a read already in flight may still deliver once), so the kernel's
  // window fills and the peer is back-pressured. ResumeReading undoes it.
  virtual void PauseReading() = 0;
  virtual void ResumeReading() = 0;
  virtual size_t queued_bytes() const = 0;                // any thread
  virtual const std::string& remote_address() const = 0;  // "ip:port" (set once connected)
};

// Accepts connections and hands each one, not yet started, to the accept handler (on the
// listener's strand). The handler calls Start() with the stream's events, or Reset().
class TcpListener {
 public:
  using AcceptHandler = std::function<void(std::shared_ptr<TcpStream>)>;

  TcpListener(boost::asio::io_context& io, TcpStreamOptions options, AcceptHandler on_accept);
  ~TcpListener();  // Stop()
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  // Binds (SO_REUSEADDR) and starts accepting; port 0 picks a free one. Returns the bound
  // endpoint. Once.
  base::Result<IpEndpoint> Listen(const IpEndpoint& local);
  // Stops accepting; open streams are not affected. Idempotent.
  void Stop();

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace steadycast::net
