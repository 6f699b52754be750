#include "net/tcp_connection.h"

#include <algorithm>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "base/log.h"

namespace steadycast::net::internal {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
// Buffers gathered into one write: enough to batch small RTMP chunks, small enough to keep
// the iovec array on a short leash.
constexpr size_t kMaxGather = 64;
}  // namespace

template <typename Stream>
TcpConnectionImpl<Stream>::TcpConnectionImpl(std::shared_ptr<TcpServerContext> context,
                                             Stream stream, std::string remote_address)
    : context_(std::move(context)),
      stream_(std::move(stream)),
      deadline_(stream_.get_executor()),
      remote_address_(std::move(remote_address)) {}

template <typename Stream>
TcpSocket& TcpConnectionImpl<Stream>::socket() {
  if constexpr (kTls) {
    return stream_.next_layer();
  } else {
    return stream_;
  }
}

template <typename Stream>
void TcpConnectionImpl<Stream>::Start() {
  deadline_.Bind(this->weak_from_this(), [this] { OnDeadline(); });
  {
    std::lock_guard lock(context_->mu);
    context_->connections.emplace(this, this->weak_from_this());
  }
  if (context_->options.establish_timeout.count() > 0) {
    establish_until_ = Clock::now() + context_->options.establish_timeout;
  }
  asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
    if constexpr (kTls) {
      // The handshake is bounded like silence (a peer that connects and says nothing) and by
      // the establish deadline.
      self->deadline_.Set(
          std::min(Clock::now() + self->context_->options.idle_timeout, self->establish_until_));
      self->stream_.async_handshake(asio::ssl::stream_base::server, [self](error_code ec) {
        if (self->state_ != State::kHandshake) return;
        if (ec) {
          SC_LOG_DEBUG("tcp: TLS handshake with {} failed: {}", self->remote_address_,
                       ec.message());
          self->Finish();
          return;
        }
        self->Open();
      });
    } else {
      self->Open();
    }
  });
}

template <typename Stream>
void TcpConnectionImpl<Stream>::Open() {
  state_ = State::kOpen;
  read_buffer_.resize(std::max<size_t>(context_->options.read_buffer_bytes, 512));
  last_receive_ = Clock::now();
  deadline_.Set(NextDeadline());
  handler_ = context_->factory(this->shared_from_this());
  if (!handler_) {  // the factory refused the connection
    Finish();
    return;
  }
  if (state_ == State::kOpen || state_ == State::kFlushing) DoRead();
}

template <typename Stream>
void TcpConnectionImpl<Stream>::DoRead() {
  reading_ = true;
  stream_.async_read_some(
      asio::buffer(read_buffer_),
      [self = this->shared_from_this()](error_code ec, size_t n) { self->OnRead(ec, n); });
}

template <typename Stream>
void TcpConnectionImpl<Stream>::OnRead(error_code ec, size_t n) {
  reading_ = false;
  if (state_ == State::kClosed) return;
  if (state_ == State::kShuttingDown && kTls) {
    StartTlsShutdown();  // the read was cancelled so that the shutdown may read
    return;
  }
  if (ec) {
    // EOF while open: the peer is done sending; flush what we still owe, then close.
    if (ec == asio::error::eof && state_ == State::kOpen) {
      BeginClose();
    } else {
      Finish();
    }
    return;
  }
  if (state_ == State::kOpen) {
    last_receive_ = Clock::now();
    handler_->OnData(std::span<const uint8_t>(read_buffer_.data(), n));
  }
  // While closing, bytes are read and dropped so the peer's EOF is seen.
  if (state_ != State::kClosed) DoRead();
}

template <typename Stream>
void TcpConnectionImpl<Stream>::Send(base::Buffer bytes) {
  if (bytes.empty()) return;
  // dispatch: runs inline when the handler sends from its own callback (the common case).
  asio::dispatch(stream_.get_executor(),
                 [self = this->shared_from_this(), bytes = std::move(bytes)]() mutable {
                   self->DoSend(std::move(bytes));
                 });
}

template <typename Stream>
void TcpConnectionImpl<Stream>::DoSend(base::Buffer bytes) {
  if (state_ != State::kOpen) return;  // closing: nothing new is queued
  queued_bytes_ += bytes.size();
  if (queued_bytes_ > context_->options.max_send_queue_bytes) {
    SC_LOG_WARN("tcp: {} is not reading ({} bytes queued, limit {}); closing", remote_address_,
                queued_bytes_, context_->options.max_send_queue_bytes);
    Finish();
    return;
  }
  queue_.push_back(std::move(bytes));
  if (!writing_) DoWrite();
}

template <typename Stream>
void TcpConnectionImpl<Stream>::DoWrite() {
  writing_count_ = std::min(queue_.size(), kMaxGather);
  write_buffers_.clear();
  for (size_t i = 0; i < writing_count_; ++i) {
    write_buffers_.emplace_back(queue_[i].data(), queue_[i].size());
  }
  writing_ = true;
  asio::async_write(
      stream_, write_buffers_,
      [self = this->shared_from_this()](error_code ec, size_t) { self->OnWrite(ec); });
}

template <typename Stream>
void TcpConnectionImpl<Stream>::OnWrite(error_code ec) {
  writing_ = false;
  if (state_ == State::kClosed) return;
  if (ec) {
    Finish();
    return;
  }
  for (size_t i = 0; i < writing_count_; ++i) {
    queued_bytes_ -= queue_.front().size();
    queue_.pop_front();
  }
  writing_count_ = 0;
  if (!queue_.empty()) {
    DoWrite();
  } else if (state_ == State::kFlushing) {
    Shutdown();
  }
}

template <typename Stream>
void TcpConnectionImpl<Stream>::Close() {
  // post, not dispatch: a handler calling Close() from OnData must not see its own
  // connection change state under it.
  asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->BeginClose(); });
}

template <typename Stream>
void TcpConnectionImpl<Stream>::BeginClose() {
  if (state_ == State::kHandshake) {
    Finish();
    return;
  }
  if (state_ != State::kOpen) return;
  state_ = State::kFlushing;
  deadline_.Set(Clock::now() + context_->options.close_linger);
  if (!writing_) Shutdown();
}

template <typename Stream>
void TcpConnectionImpl<Stream>::Shutdown() {
  state_ = State::kShuttingDown;
  if constexpr (kTls) {
    if (reading_) {
      error_code ignored;
      socket().cancel(ignored);  // OnRead then starts the TLS shutdown
    } else {
      StartTlsShutdown();
    }
  } else {
    // Half-close and keep reading until the peer's EOF (or the linger deadline): closing with
    // unread bytes would send RST and could destroy the data just flushed.
    error_code ignored;
    socket().shutdown(asio::socket_base::shutdown_send, ignored);
    if (!reading_) DoRead();
  }
}

template <typename Stream>
void TcpConnectionImpl<Stream>::StartTlsShutdown() {
  if constexpr (kTls) {
    // Sends close_notify and waits for the peer's (bounded by the linger deadline).
    stream_.async_shutdown([self = this->shared_from_this()](error_code) { self->Finish(); });
  }
}

template <typename Stream>
void TcpConnectionImpl<Stream>::Finish() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  deadline_.Cancel();
  error_code ignored;
  socket().shutdown(asio::socket_base::shutdown_both, ignored);
  socket().close(ignored);
  queue_.clear();
  queued_bytes_ = 0;
  {
    std::lock_guard lock(context_->mu);
    context_->connections.erase(this);
  }
  // Posted: Finish() may run inside the handler's own OnData (e.g. a Send that overflowed),
  // and the handler must not be destroyed under itself.
  asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
    if (auto handler = std::move(self->handler_)) handler->OnClosed();
  });
}

template <typename Stream>
void TcpConnectionImpl<Stream>::OnDeadline() {
  switch (state_) {
    case State::kOpen: {
      const Clock::time_point now = Clock::now();
      if (!established_ && now >= establish_until_) {
        SC_LOG_DEBUG("tcp: {} not established within {} ms; closing", remote_address_,
                     context_->options.establish_timeout.count());
        BeginClose();
        return;
      }
      if (now < last_receive_ + context_->options.idle_timeout) {
        deadline_.Set(NextDeadline());
        return;
      }
      SC_LOG_DEBUG("tcp: {} idle for {} ms; closing", remote_address_,
                   context_->options.idle_timeout.count());
      BeginClose();
      return;
    }
    case State::kHandshake:
    case State::kFlushing:
    case State::kShuttingDown:
      Finish();
      return;
    case State::kClosed:
      return;
  }
}

template <typename Stream>
typename TcpConnectionImpl<Stream>::Clock::time_point TcpConnectionImpl<Stream>::NextDeadline()
    const {
  const Clock::time_point idle_until = last_receive_ + context_->options.idle_timeout;
  return established_ ? idle_until : std::min(idle_until, establish_until_);
}

template class TcpConnectionImpl<TcpSocket>;
template class TcpConnectionImpl<TlsStream>;

}  // namespace steadycast::net::internal
