#pragma once
// Test-only helpers for the loopback relay tests: a UDP echo server, a TCP echo server and a
// relay started on an IoThread. Header-only.

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "base/clock.h"
#include "lab/relay.h"
#include "net/tcp_stream.h"
#include "net/testing/io_thread.h"
#include "net/udp_socket.h"

namespace steadycast::lab::testing {

inline net::IpEndpoint LoopbackAny() { return net::IpEndpoint::V4({127, 0, 0, 1}, 0); }

// Sends every datagram back to whoever sent it.
class UdpEcho {
 public:
  explicit UdpEcho(boost::asio::io_context& io) {
    socket_ = std::move(net::UdpSocket::Bind(io, LoopbackAny())).value();
    socket_->StartReceiving([this](std::span<const uint8_t> datagram, const net::IpEndpoint& from) {
      ++received_;
      socket_->SendTo(from, base::Buffer::Copy(datagram));
    });
  }
  const net::IpEndpoint& endpoint() const { return socket_->local_endpoint(); }
  int received() const { return received_; }
  void Close() { socket_.reset(); }  // on the io thread

 private:
  std::unique_ptr<net::UdpSocket> socket_;
  std::atomic<int> received_{0};
};

// Echoes bytes on every accepted connection and answers a FIN with a FIN.
class TcpEcho {
 public:
  explicit TcpEcho(boost::asio::io_context& io)
      : listener_(io, {}, [this](std::shared_ptr<net::TcpStream> stream) {
          std::lock_guard lock(mu_);
          streams_.push_back(stream);
          net::TcpStream* raw = stream.get();
          net::TcpStreamEvents events;
          events.on_data = [raw, this](std::span<const uint8_t> bytes) {
            received_ += bytes.size();
            raw->Send(base::Buffer::Copy(bytes));
          };
          events.on_peer_closed = [raw] { raw->ShutdownSend(); };
          events.on_closed = [this](base::Status status) {
            if (!status.ok()) ++resets_;
          };
          stream->Start(std::move(events));
        }) {
    endpoint_ = listener_.Listen(LoopbackAny()).value();
  }
  const net::IpEndpoint& endpoint() const { return endpoint_; }
  size_t received() const { return received_; }
  int resets() const { return resets_; }
  void Stop() {  // on the io thread
    listener_.Stop();
    std::lock_guard lock(mu_);
    for (auto& stream : streams_) stream->Reset();
    streams_.clear();
  }

 private:
  net::TcpListener listener_;
  net::IpEndpoint endpoint_;
  std::mutex mu_;
  std::vector<std::shared_ptr<net::TcpStream>> streams_;
  std::atomic<size_t> received_{0};
  std::atomic<int> resets_{0};
};

inline RelayOptions LoopbackOptions(RelayProtocol protocol, const net::IpEndpoint& to) {
  RelayOptions options;
  options.protocol = protocol;
  options.listen = {"127.0.0.1", 0};
  options.to = {"127.0.0.1", to.port()};
  options.seed = 1;
  return options;
}

// A relay living on the io thread: created, started, queried and destroyed there.
class RelayOnThread {
 public:
  RelayOnThread(net::testing::IoThread& io, const RelayOptions& options) : io_(io) {
    io_.Run([&] {
      relay_ = MakeRelay(io_.io(), options, base::Clock::Real());
      auto bound = relay_->Start();
      if (bound.ok()) {
        endpoint_ = *bound;
      } else {
        error_ = bound.status();
      }
    });
  }
  ~RelayOnThread() {
    io_.Run([&] { relay_.reset(); });
  }
  bool ok() const { return error_.ok(); }
  const base::Status& error() const { return error_; }
  const net::IpEndpoint& endpoint() const { return endpoint_; }
  RelayStats Stats() {
    RelayStats stats;
    io_.Run([&] { stats = relay_->Stats(); });
    return stats;
  }

 private:
  net::testing::IoThread& io_;
  std::unique_ptr<Relay> relay_;
  net::IpEndpoint endpoint_;
  base::Status error_;
};

}  // namespace steadycast::lab::testing
