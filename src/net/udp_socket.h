#pragma once
// UdpSocket: an asynchronous, protocol-agnostic UDP socket (bind, receive with a callback,
// send_to, close) for code above net/ — the lab relay today. Datagrams are opaque bytes.
//
// Threading: the socket lives on its own strand; the receive handler runs there, never
// concurrently with itself. SendTo/Send/Close may be called from any thread. Close() stops
// the handler at once when called on a thread running the io_context (the usual case: from
// a callback); from a foreign thread a callback already running may still finish.
//
// Ownership: the user owns the UdpSocket (unique_ptr); pending operations keep the internals
// alive until they complete, so destroying the socket from its own handler is safe. The
// handler is released on Close().
//
// Sending never blocks: a datagram the kernel cannot take at once waits in a bounded queue
// until the socket is writable; past the bound (or on a send error) it is dropped and
// counted, as a router would.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "base/buffer.h"
#include "base/status.h"
#include "net/ip_endpoint.h"

namespace boost::asio {
class io_context;
}

namespace steadycast::net {

struct UdpSocketOptions {
  size_t max_datagram_bytes = 65'536;         // receive buffer; longer datagrams are truncated
  int socket_receive_buffer_bytes = 4 << 20;  // SO_RCVBUF request (0: system default)
  int socket_send_buffer_bytes = 4 << 20;     // SO_SNDBUF request (0: system default)
  size_t max_send_queue_bytes = 1 << 20;      // waiting for writability; beyond: dropped
};

class UdpSocket {
 public:
  // The datagram span is valid only during the call.
  using ReceiveHandler =
      std::function<void(std::span<const uint8_t> datagram, const IpEndpoint& from)>;

  // A socket bound to `local` (port 0 picks a free one).
  static base::Result<std::unique_ptr<UdpSocket>> Bind(boost::asio::io_context& io,
                                                       const IpEndpoint& local,
                                                       UdpSocketOptions options = {});
  // A socket on an ephemeral port of the matching family, connected to `peer`: Send() goes
  // there, and the kernel delivers only the peer's datagrams to it.
  static base::Result<std::unique_ptr<UdpSocket>> Connect(boost::asio::io_context& io,
                                                          const IpEndpoint& peer,
                                                          UdpSocketOptions options = {});

  ~UdpSocket();  // Close()
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  // Starts the receive loop (once). ICMP errors reported on a connected socket (the peer's
  // port is closed) do not stop it: the peer may come back.
  void StartReceiving(ReceiveHandler handler);
  void SendTo(const IpEndpoint& to, base::Buffer datagram);
  void Send(base::Buffer datagram);  // connected sockets only
  // Idempotent. No handler call starts after Close() returns (see Threading).
  void Close();

  const IpEndpoint& local_endpoint() const;
  // Datagrams dropped on the send side (queue full, send error). Any thread.
  uint64_t send_drops() const;

 private:
  class Impl;
  explicit UdpSocket(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace steadycast::net
