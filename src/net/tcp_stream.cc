#include "net/tcp_stream.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include "base/log.h"
#include "net/ip_endpoint_asio.h"

namespace steadycast::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace internal {

using Strand = asio::strand<asio::io_context::executor_type>;
using StrandSocket = asio::basic_stream_socket<tcp, Strand>;

namespace {
constexpr size_t kMaxGather = 64;  // buffers per gather write
}  // namespace

// The one TcpStream implementation; see tcp_stream.h for the contract. All state below the
// atomics is touched only on the socket's strand.
class TcpStreamImpl final : public TcpStream, public std::enable_shared_from_this<TcpStreamImpl> {
 public:
  TcpStreamImpl(StrandSocket socket, TcpStreamOptions options)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), options_(options) {}

  void BeginConnect(const IpEndpoint& peer, std::chrono::milliseconds timeout,
                    TcpStreamEvents events) {
    asio::dispatch(socket_.get_executor(), [self = shared_from_this(), peer, timeout,
                                            events = std::move(events)]() mutable {
      self->events_ = std::move(events);
      self->phase_ = Phase::kConnecting;
      self->remote_address_ = peer.ToString();
      self->timer_.expires_after(timeout);
      self->timer_.async_wait([self](error_code ec) {
        if (ec || self->phase_ != Phase::kConnecting) return;
        self->connect_timed_out_ = true;
        error_code ignored;
        self->socket_.close(ignored);  // the connect completes with operation_aborted
      });
      self->socket_.async_connect(internal::ToTcp(peer),
                                  [self](error_code e) { self->OnConnect(e); });
    });
  }

  void Start(TcpStreamEvents events) override {
    asio::dispatch(socket_.get_executor(),
                   [self = shared_from_this(), events = std::move(events)]() mutable {
                     if (self->phase_ != Phase::kIdle) return;
                     self->events_ = std::move(events);
                     self->Open();
                   });
  }

  void Send(base::Buffer bytes) override {
    if (bytes.empty() || silent_) return;
    asio::dispatch(socket_.get_executor(),
                   [self = shared_from_this(), bytes = std::move(bytes)]() mutable {
                     self->DoSend(std::move(bytes));
                   });
  }

  void ShutdownSend() override {
    asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
      if (self->phase_ == Phase::kClosed || self->shutdown_requested_) return;
      self->shutdown_requested_ = true;
      if (self->phase_ == Phase::kOpen && !self->writing_) self->DoShutdownSend();
    });
  }

  void Close() override {
    closing_.store(true);
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->BeginClose(); });
  }

  void Reset() override {
    if (silent_.exchange(true)) return;
    // Posted, never inline: Reset() may be called from this stream's own event, whose
    // std::function must not be destroyed under it.
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      if (self->phase_ != Phase::kClosed) self->Abort(base::Status::Ok());
      self->events_ = {};
    });
  }

  void PauseReading() override {
    asio::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->paused_ = true; });
  }

  void ResumeReading() override {
    asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
      self->paused_ = false;
      if (self->phase_ == Phase::kOpen && !self->reading_ && !self->read_eof_) self->DoRead();
    });
  }

  size_t queued_bytes() const override { return queued_bytes_.load(std::memory_order_relaxed); }
  const std::string& remote_address() const override { return remote_address_; }

  // Accepted sockets: remember the peer before the stream is handed out.
  void SetAccepted() {
    error_code ec;
    const auto remote = socket_.remote_endpoint(ec);
    remote_address_ = ec ? std::string("unknown") : FromTcp(remote).ToString();
    socket_.set_option(tcp::no_delay(true), ec);
  }

 private:
  enum class Phase { kIdle, kConnecting, kOpen, kClosed };

  bool Deliverable() const { return !silent_ && !closing_; }

  void OnConnect(error_code ec) {
    if (phase_ != Phase::kConnecting) return;
    timer_.cancel();
    if (ec) {
      Finish(base::Unavailable(fmt::format("connect to {}: {}", remote_address_,
                                           connect_timed_out_ ? "timeout" : ec.message())));
      return;
    }
    socket_.set_option(tcp::no_delay(true), ec);
    Open();
    if (phase_ == Phase::kOpen && !silent_ && events_.on_connected) events_.on_connected();
  }

  void Open() {
    phase_ = Phase::kOpen;
    read_buffer_.resize(std::max<size_t>(options_.read_buffer_bytes, 512));
    if (closing_) {
      BeginClose();
      return;
    }
    if (!paused_) DoRead();
    if (!queue_.empty()) {
      DoWrite();
    } else if (shutdown_requested_) {
      DoShutdownSend();
    }
  }

  void DoRead() {
    reading_ = true;
    socket_.async_read_some(
        asio::buffer(read_buffer_),
        [self = shared_from_this()](error_code ec, size_t n) { self->OnRead(ec, n); });
  }

  void OnRead(error_code ec, size_t n) {
    reading_ = false;
    if (phase_ != Phase::kOpen) return;
    if (ec == asio::error::eof) {
      read_eof_ = true;
      if (Deliverable() && events_.on_peer_closed) events_.on_peer_closed();
      if (phase_ == Phase::kOpen && shutdown_done_) Finish(base::Status::Ok());
      return;
    }
    if (ec) {
      Finish(ErrorStatus(ec));
      return;
    }
    if (Deliverable() && events_.on_data) {
      events_.on_data(std::span<const uint8_t>(read_buffer_.data(), n));
    }
    // While closing, bytes are read and dropped so that the peer's FIN is seen.
    if (phase_ == Phase::kOpen && !reading_ && (!paused_ || closing_)) DoRead();
  }

  void DoSend(base::Buffer bytes) {
    if (phase_ == Phase::kClosed || shutdown_requested_) return;
    const size_t queued = queued_bytes_.load(std::memory_order_relaxed) + bytes.size();
    if (queued > options_.max_send_queue_bytes) {
      SC_LOG_WARN("tcp {}: peer not reading ({} bytes queued, limit {}); resetting",
                  remote_address_, queued, options_.max_send_queue_bytes);
      Abort(base::ResourceExhausted(fmt::format("tcp {}: send queue over {} bytes", remote_address_,
                                                options_.max_send_queue_bytes)));
      return;
    }
    queued_bytes_.store(queued, std::memory_order_relaxed);
    queue_.push_back(std::move(bytes));
    if (phase_ == Phase::kOpen && !writing_) DoWrite();
  }

  void DoWrite() {
    writing_count_ = std::min(queue_.size(), kMaxGather);
    write_buffers_.clear();
    for (size_t i = 0; i < writing_count_; ++i) {
      write_buffers_.emplace_back(queue_[i].data(), queue_[i].size());
    }
    writing_ = true;
    asio::async_write(socket_, write_buffers_,
                      [self = shared_from_this()](error_code ec, size_t) { self->OnWrite(ec); });
  }

  void OnWrite(error_code ec) {
    writing_ = false;
    if (phase_ != Phase::kOpen) return;
    if (ec) {
      Finish(ErrorStatus(ec));
      return;
    }
    size_t written = 0;
    for (size_t i = 0; i < writing_count_; ++i) {
      written += queue_.front().size();
      queue_.pop_front();
    }
    queued_bytes_.fetch_sub(written, std::memory_order_relaxed);
    writing_count_ = 0;
    if (!queue_.empty()) {
      DoWrite();
    } else if (shutdown_requested_) {
      DoShutdownSend();
    } else if (!silent_ && events_.on_drained) {
      events_.on_drained();
    }
  }

  void DoShutdownSend() {
    error_code ignored;
    socket_.shutdown(asio::socket_base::shutdown_send, ignored);
    shutdown_done_ = true;
    if (read_eof_) Finish(base::Status::Ok());
  }

  void BeginClose() {
    if (phase_ == Phase::kClosed || phase_ == Phase::kConnecting) return;  // Open() resumes
    if (phase_ != Phase::kOpen) {  // accepted but never started: nothing to flush
      Finish(base::Status::Ok());
      return;
    }
    shutdown_requested_ = true;
    if (!writing_ && !queue_.empty()) {
      DoWrite();  // OnWrite sends the FIN once the queue is flushed
    } else if (!writing_ && !shutdown_done_) {
      DoShutdownSend();
      if (phase_ != Phase::kOpen) return;
    }
    if (!reading_ && !read_eof_) DoRead();
    timer_.expires_after(options_.close_linger);
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec && self->phase_ == Phase::kOpen) self->Abort(base::Status::Ok());
    });
  }

  // RST instead of FIN: SO_LINGER with a zero timeout, then close.
  void Abort(base::Status status) {
    error_code ignored;
    socket_.set_option(asio::socket_base::linger(true, 0), ignored);
    Finish(std::move(status));
  }

  void Finish(base::Status status) {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    timer_.cancel();
    error_code ignored;
    socket_.close(ignored);
    queue_.clear();
    queued_bytes_.store(0, std::memory_order_relaxed);
    // Posted: Finish() may run inside one of the user's events.
    asio::post(socket_.get_executor(), [self = shared_from_this(), status = std::move(status)] {
      if (!self->silent_ && self->events_.on_closed) self->events_.on_closed(status);
      self->events_ = {};
    });
  }

  base::Status ErrorStatus(error_code ec) const {
    if (ec == asio::error::connection_reset) {
      return base::Unavailable(fmt::format("tcp {}: connection reset by peer", remote_address_));
    }
    return base::Unavailable(fmt::format("tcp {}: {}", remote_address_, ec.message()));
  }

  StrandSocket socket_;
  asio::steady_timer timer_;  // connect timeout, close linger
  const TcpStreamOptions options_;
  std::string remote_address_;
  std::atomic<bool> silent_{false};   // Reset(): no more events
  std::atomic<bool> closing_{false};  // Close(): no more data events
  std::atomic<size_t> queued_bytes_{0};
  // Strand-only state.
  TcpStreamEvents events_;
  Phase phase_ = Phase::kIdle;
  bool connect_timed_out_ = false;
  bool paused_ = false;
  bool reading_ = false;
  bool read_eof_ = false;
  bool shutdown_requested_ = false;
  bool shutdown_done_ = false;
  bool writing_ = false;
  std::vector<uint8_t> read_buffer_;
  std::deque<base::Buffer> queue_;
  size_t writing_count_ = 0;
  std::vector<asio::const_buffer> write_buffers_;
};

}  // namespace internal

std::shared_ptr<TcpStream> TcpStream::Connect(asio::io_context& io, const IpEndpoint& peer,
                                              std::chrono::milliseconds timeout,
                                              TcpStreamEvents events, TcpStreamOptions options) {
  auto stream = std::make_shared<internal::TcpStreamImpl>(
      internal::StrandSocket(asio::make_strand(io)), options);
  stream->BeginConnect(peer, timeout, std::move(events));
  return stream;
}

// The acceptor lives on its own strand; accepted sockets each get a fresh strand.
class TcpListener::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, TcpStreamOptions options, AcceptHandler on_accept)
      : io_(io),
        acceptor_(asio::make_strand(io)),
        options_(options),
        on_accept_(std::move(on_accept)) {}

  base::Result<IpEndpoint> Listen(const IpEndpoint& local) {
    if (stopped_) return base::FailedPrecondition("tcp listener was stopped");
    const tcp::endpoint endpoint = internal::ToTcp(local);
    error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      error_code ignored;
      acceptor_.close(ignored);
      return base::Unavailable(fmt::format("tcp listen on {}: {}", local.ToString(), ec.message()));
    }
    const IpEndpoint bound = internal::FromTcp(acceptor_.local_endpoint(ec));
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] { self->Accept(); });
    return bound;
  }

  void Stop() {
    if (stopped_.exchange(true)) return;
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      error_code ignored;
      self->acceptor_.close(ignored);
      self->on_accept_ = nullptr;
    });
  }

 private:
  void Accept() {
    if (stopped_) return;
    acceptor_.async_accept(asio::make_strand(io_),
                           [self = shared_from_this()](error_code ec, internal::StrandSocket s) {
                             self->OnAccept(ec, std::move(s));
                           });
  }

  void OnAccept(error_code ec, internal::StrandSocket socket) {
    if (stopped_ || ec == asio::error::operation_aborted) return;
    if (ec) {
      // EMFILE and friends: back off a little instead of spinning.
      SC_LOG_WARN("tcp: accept failed: {}", ec.message());
      auto timer = std::make_shared<asio::steady_timer>(acceptor_.get_executor());
      timer->expires_after(std::chrono::milliseconds(100));
      timer->async_wait([self = shared_from_this(), timer](error_code) { self->Accept(); });
      return;
    }
    auto stream = std::make_shared<internal::TcpStreamImpl>(std::move(socket), options_);
    stream->SetAccepted();
    if (on_accept_) on_accept_(std::move(stream));
    Accept();
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  const TcpStreamOptions options_;
  AcceptHandler on_accept_;
  std::atomic<bool> stopped_{false};
};

TcpListener::TcpListener(asio::io_context& io, TcpStreamOptions options, AcceptHandler on_accept)
    : impl_(std::make_shared<Impl>(io, options, std::move(on_accept))) {}

TcpListener::~TcpListener() { impl_->Stop(); }

base::Result<IpEndpoint> TcpListener::Listen(const IpEndpoint& local) {
  return impl_->Listen(local);
}

void TcpListener::Stop() { impl_->Stop(); }

}  // namespace steadycast::net
