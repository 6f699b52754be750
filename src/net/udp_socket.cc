#include "net/udp_socket.h"

#include <atomic>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "base/log.h"
#include "net/ip_endpoint_asio.h"

namespace steadycast::net {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using boost::system::error_code;

class UdpSocket::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, UdpSocketOptions options)
      : options_(options), socket_(asio::make_strand(io)) {}

  base::Status Open(const IpEndpoint& local, const std::optional<IpEndpoint>& peer) {
    const udp::endpoint endpoint = internal::ToUdp(local);
    error_code ec;
    socket_.open(endpoint.protocol(), ec);
    if (!ec) socket_.non_blocking(true, ec);
    if (!ec) SetBufferSizes();
    if (!ec) socket_.bind(endpoint, ec);
    if (!ec && peer) socket_.connect(internal::ToUdp(*peer), ec);
    if (ec) {
      error_code ignored;
      socket_.close(ignored);
      return base::Unavailable(fmt::format("udp {} {}: {}", peer ? "connect to" : "bind",
                                           (peer ? *peer : local).ToString(), ec.message()));
    }
    local_ = internal::FromUdp(socket_.local_endpoint(ec));
    return base::Status::Ok();
  }

  // Hints: the kernel caps them (net.core.rmem_max / wmem_max); failure is not an error.
  void SetBufferSizes() {
    error_code ignored;
    if (options_.socket_receive_buffer_bytes > 0) {
      socket_.set_option(
          asio::socket_base::receive_buffer_size(options_.socket_receive_buffer_bytes), ignored);
    }
    if (options_.socket_send_buffer_bytes > 0) {
      socket_.set_option(asio::socket_base::send_buffer_size(options_.socket_send_buffer_bytes),
                         ignored);
    }
  }

  void StartReceiving(ReceiveHandler handler) {
    asio::post(socket_.get_executor(), [self = shared_from_this(),
                                        handler = std::move(handler)]() mutable {
      if (self->closed_ || self->receiving_) return;
      self->receiving_ = true;
      self->handler_ = std::move(handler);
      self->receive_buffer_.resize(std::max<size_t>(self->options_.max_datagram_bytes, 1));
      self->DoReceive();
    });
  }

  void Send(std::optional<IpEndpoint> to, base::Buffer datagram) {
    if (closed_) return;
    asio::dispatch(socket_.get_executor(),
                   [self = shared_from_this(), to, datagram = std::move(datagram)]() mutable {
                     self->DoSend(to, std::move(datagram));
                   });
  }

  void Close() {
    if (closed_.exchange(true)) return;
    // Posted, never inline: Close() may be called from the handler, which must not be
    // destroyed under itself.
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      error_code ignored;
      self->socket_.close(ignored);
      self->handler_ = nullptr;
      self->queue_.clear();
      self->queued_bytes_ = 0;
    });
  }

  const IpEndpoint& local() const { return local_; }
  uint64_t send_drops() const { return send_drops_.load(std::memory_order_relaxed); }

 private:
  struct Pending {
    std::optional<IpEndpoint> to;
    base::Buffer datagram;
  };

  void DoReceive() {
    socket_.async_receive_from(
        asio::buffer(receive_buffer_), sender_,
        [self = shared_from_this()](error_code ec, size_t n) { self->OnReceive(ec, n); });
  }

  void OnReceive(error_code ec, size_t n) {
    if (closed_ || ec == asio::error::operation_aborted) return;
    if (ec) {
      // ECONNREFUSED and friends come from ICMP about an earlier send; the socket is fine.
      SC_LOG_DEBUG("udp {}: receive: {}", local_.ToString(), ec.message());
    } else if (handler_) {
      handler_(std::span<const uint8_t>(receive_buffer_.data(), n), internal::FromUdp(sender_));
    }
    if (!closed_) DoReceive();
  }

  // Tries the kernel now; queues only when it would block.
  void DoSend(const std::optional<IpEndpoint>& to, base::Buffer datagram) {
    if (closed_) return;
    if (!queue_.empty()) {
      Enqueue(to, std::move(datagram));
      return;
    }
    if (TrySend(to, datagram) == asio::error::would_block) Enqueue(to, std::move(datagram));
  }

  error_code TrySend(const std::optional<IpEndpoint>& to, const base::Buffer& datagram) {
    error_code ec;
    for (int attempt = 0; attempt < 2; ++attempt) {
      const auto bytes = asio::buffer(datagram.data(), datagram.size());
      if (to) {
        socket_.send_to(bytes, internal::ToUdp(*to), 0, ec);
      } else {
        socket_.send(bytes, 0, ec);
      }
      // A refused error reports an ICMP about an earlier datagram; this one was not sent.
      if (ec != asio::error::connection_refused) break;
    }
    if (ec && ec != asio::error::would_block) {
      send_drops_.fetch_add(1, std::memory_order_relaxed);
      SC_LOG_DEBUG("udp {}: send: {}", local_.ToString(), ec.message());
    }
    return ec;
  }

  void Enqueue(const std::optional<IpEndpoint>& to, base::Buffer datagram) {
    if (queued_bytes_ + datagram.size() > options_.max_send_queue_bytes) {
      send_drops_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    queued_bytes_ += datagram.size();
    queue_.push_back({to, std::move(datagram)});
    if (waiting_) return;
    waiting_ = true;
    socket_.async_wait(udp::socket::wait_write,
                       [self = shared_from_this()](error_code ec) { self->OnWritable(ec); });
  }

  void OnWritable(error_code ec) {
    waiting_ = false;
    if (closed_ || ec) return;
    while (!queue_.empty()) {
      Pending& front = queue_.front();
      if (TrySend(front.to, front.datagram) == asio::error::would_block) {
        waiting_ = true;
        socket_.async_wait(udp::socket::wait_write,
                           [self = shared_from_this()](error_code e) { self->OnWritable(e); });
        return;
      }
      queued_bytes_ -= front.datagram.size();
      queue_.pop_front();
    }
  }

  const UdpSocketOptions options_;
  udp::socket socket_;
  IpEndpoint local_;
  std::atomic<bool> closed_{false};
  std::atomic<uint64_t> send_drops_{0};
  // Strand-only state.
  ReceiveHandler handler_;
  bool receiving_ = false;
  std::vector<uint8_t> receive_buffer_;
  udp::endpoint sender_;
  std::deque<Pending> queue_;
  size_t queued_bytes_ = 0;
  bool waiting_ = false;
};

base::Result<std::unique_ptr<UdpSocket>> UdpSocket::Bind(asio::io_context& io,
                                                         const IpEndpoint& local,
                                                         UdpSocketOptions options) {
  auto impl = std::make_shared<Impl>(io, options);
  SC_RETURN_IF_ERROR(impl->Open(local, std::nullopt));
  return std::unique_ptr<UdpSocket>(new UdpSocket(std::move(impl)));
}

base::Result<std::unique_ptr<UdpSocket>> UdpSocket::Connect(asio::io_context& io,
                                                            const IpEndpoint& peer,
                                                            UdpSocketOptions options) {
  auto impl = std::make_shared<Impl>(io, options);
  const IpEndpoint any = peer.is_v6() ? IpEndpoint::V6({}, 0) : IpEndpoint::V4({}, 0);
  SC_RETURN_IF_ERROR(impl->Open(any, peer));
  return std::unique_ptr<UdpSocket>(new UdpSocket(std::move(impl)));
}

UdpSocket::UdpSocket(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

UdpSocket::~UdpSocket() { impl_->Close(); }

void UdpSocket::StartReceiving(ReceiveHandler handler) {
  impl_->StartReceiving(std::move(handler));
}

void UdpSocket::SendTo(const IpEndpoint& to, base::Buffer datagram) {
  impl_->Send(to, std::move(datagram));
}

void UdpSocket::Send(base::Buffer datagram) { impl_->Send(std::nullopt, std::move(datagram)); }

void UdpSocket::Close() { impl_->Close(); }

const IpEndpoint& UdpSocket::local_endpoint() const { return impl_->local(); }

uint64_t UdpSocket::send_drops() const { return impl_->send_drops(); }

}  // namespace steadycast::net
