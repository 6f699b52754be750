#include "net/http_connection.h"

#include <pthread.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <ctime>
#include <utility>

#include <fmt/format.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include "base/log.h"
#include "net/http_framing.h"
#include "net/http_wire.h"

namespace steadycast::net::internal {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

// After the last response on a connection we half-close and read until the client closes, at
// most this long: closing with unread request bytes would make the kernel send RST and could
// destroy the response (e.g. a 413) before the client reads it (RFC 9112 §9.6).
constexpr std::chrono::milliseconds kMaxLinger{2000};

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// Shared by every copy of one request's HttpResponder: the first call wins, later calls are
// logged and dropped, and if every copy is dropped without a call the client gets a 500
// instead of hanging until its timeout.
class ResponderState {
 public:
  explicit ResponderState(std::shared_ptr<HttpConnection> connection)
      : connection_(std::move(connection)) {}
  ResponderState(const ResponderState&) = delete;
  ResponderState& operator=(const ResponderState&) = delete;
  ~ResponderState() {
    if (done_.exchange(true)) return;
    SC_LOG_ERROR("http: handler dropped its responder without responding; sending 500");
    connection_->Respond(ProblemResponse(500, "the request was not answered"));
  }

  void Respond(HttpResponse response) {
    if (done_.exchange(true)) {
      SC_LOG_WARN("http: responder called more than once; extra response dropped");
      return;
    }
    connection_->Respond(std::move(response));
  }

 private:
  std::shared_ptr<HttpConnection> connection_;
  std::atomic<bool> done_{false};
};

// Blocks SIGPIPE in the calling thread while it lives: sendfile(2) has no MSG_NOSIGNAL, and a
// viewer that reset its connection must cost an EPIPE, not the process. The signal is sent to
// the writing thread (signal(7)), so a SIGPIPE raised meanwhile is taken off this thread's
// pending set before the old mask comes back. Nothing changes for threads that block SIGPIPE
// already.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigemptyset(&sigpipe_);
    sigaddset(&sigpipe_, SIGPIPE);
    blocked_ = pthread_sigmask(SIG_BLOCK, &sigpipe_, &old_mask_) == 0 &&
               sigismember(&old_mask_, SIGPIPE) == 0;
  }
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;
  ~ScopedSigpipeBlock() {
    if (!blocked_) return;
    if (saw_epipe_) {
      const timespec no_wait{};
      while (sigtimedwait(&sigpipe_, nullptr, &no_wait) < 0 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  void SawEpipe() { saw_epipe_ = true; }

 private:
  sigset_t sigpipe_;
  sigset_t old_mask_;
  bool blocked_ = false;
  bool saw_epipe_ = false;
};

}  // namespace

// The HttpBodyStream handed to a streaming handler: a bounded byte queue shared with the
// connection, which drains it on its strand.
class HttpStreamWriter final : public HttpBodyStream {
 public:
  HttpStreamWriter(std::weak_ptr<HttpConnection> connection, size_t max_bytes)
      : connection_(std::move(connection)), max_bytes_(max_bytes) {}

  bool Write(std::string bytes) override {
    {
      std::lock_guard lock(mu_);
      if (!open_) return false;
      if (pending_.size() + bytes.size() > max_bytes_) {
        // The client does not keep up: end the stream rather than buffer without bound.
        open_ = false;
        closing_ = true;
      } else {
        pending_ += bytes;
      }
    }
    if (auto connection = connection_.lock()) connection->FlushStreamSoon();
    return IsOpen();
  }

  void Close() override {
    {
      std::lock_guard lock(mu_);
      if (closing_) return;
      open_ = false;
      closing_ = true;
    }
    if (auto connection = connection_.lock()) connection->FlushStreamSoon();
  }

  bool IsOpen() const override {
    std::lock_guard lock(mu_);
    return open_;
  }

  // Connection side (strand): what to write next, and whether the body ends after it.
  std::string TakePending(bool& closing) {
    std::lock_guard lock(mu_);
    closing = closing_;
    return std::exchange(pending_, {});
  }
  void MarkClosed() {
    std::lock_guard lock(mu_);
    open_ = false;
    closing_ = true;
    pending_.clear();
  }

 private:
  const std::weak_ptr<HttpConnection> connection_;
  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::string pending_;
  bool open_ = true;
  bool closing_ = false;
};

namespace {

error_code LastError() { return error_code(errno, boost::system::system_category()); }

bool WouldBlock() { return errno == EAGAIN || errno == EWOULDBLOCK; }

}  // namespace

HttpConnection::HttpConnection(std::shared_ptr<HttpServerContext> context, Socket socket,
                               std::string remote_address)
    : context_(std::move(context)),
      socket_(std::move(socket)),
      deadline_(socket_.get_executor()),
      remote_address_(std::move(remote_address)) {}

void HttpConnection::Start() {
  deadline_.Bind(weak_from_this(), [this] { OnDeadline(); });
  {
    std::lock_guard lock(context_->mu);
    context_->connections.emplace(this, weak_from_this());
  }
  asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
    if (self->context_->stopping.load()) {
      self->Close();
      return;
    }
    self->DoRead();
  });
}

void HttpConnection::Stop() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->stopping_ = true;
    if (self->state_ == State::kStreaming) self->stream_->Close();  // ends after what is queued
    if (self->state_ == State::kReading && self->IdleBetweenRequests()) {
      error_code ignored;
      self->socket_.cancel(ignored);  // the pending read completes and closes
    }
  });
}

void HttpConnection::Respond(HttpResponse response) {
  asio::dispatch(socket_.get_executor(),
                 [self = shared_from_this(), response = std::move(response)]() mutable {
                   self->WriteResponse(std::move(response));
                 });
}

bool HttpConnection::IdleBetweenRequests() const {
  return (!parser_ || !parser_->got_some()) && buffer_.size() == 0;
}

void HttpConnection::DoRead() {
  state_ = State::kReading;
  timed_out_ = false;
  reading_body_ = false;
  parser_.emplace();
  parser_->header_limit(
      static_cast<uint32_t>(std::min<size_t>(context_->options.max_header_bytes, UINT32_MAX)));
  parser_->body_limit(context_->options.max_body_bytes);
  deadline_.Set(Clock::now() + context_->options.header_timeout);
  http::async_read_header(
      socket_, buffer_, *parser_,
      [self = shared_from_this()](error_code ec, size_t) { self->OnHeader(ec); });
}

void HttpConnection::OnHeader(error_code ec) {
  if (state_ == State::kClosed) return;
  if (ec) {
    HandleReadError(ec);
    return;
  }
  // Before any body byte is read: an ambiguous framing must not leave bytes that would be
  // parsed as the next request.
  if (const FramingCheck framing = CheckRequestFraming(parser_->get(), parser_->chunked());
      !framing.ok()) {
    RespondError(framing.status, framing.detail);
    return;
  }
  if (parser_->is_done()) {
    HandleRequest();
    return;
  }
  // RFC 9110 §10.1.1: a client that sent "Expect: 100-continue" waits for this before
  // sending the body (curl waits a second otherwise). The body limit was already checked
  // against Content-Length by the parser.
  if (beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
    asio::async_write(socket_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](error_code ec, size_t) {
                        if (self->state_ == State::kClosed) return;
                        if (ec) {
                          self->Close();
                          return;
                        }
                        self->ReadBody();
                      });
    return;
  }
  ReadBody();
}

void HttpConnection::ReadBody() {
  reading_body_ = true;
  deadline_.Set(Clock::now() + context_->options.body_timeout);
  http::async_read(socket_, buffer_, *parser_,
                   [self = shared_from_this()](error_code ec, size_t) { self->OnRead(ec); });
}

void HttpConnection::OnRead(error_code ec) {
  if (state_ == State::kClosed) return;
  if (ec) {
    HandleReadError(ec);
    return;
  }
  HandleRequest();
}

void HttpConnection::HandleReadError(error_code ec) {
  if (ec == asio::error::operation_aborted && timed_out_ && !IdleBetweenRequests()) {
    if (reading_body_) {
      RespondError(408, fmt::format("the request body was not complete within {} ms",
                                    context_->options.body_timeout.count()));
    } else {
      RespondError(408, fmt::format("the request header was not complete within {} ms",
                                    context_->options.header_timeout.count()));
    }
    return;
  }
  if (ec.category() != make_error_code(http::error::end_of_stream).category() ||
      ec == http::error::end_of_stream || ec == http::error::partial_message) {
    Close();  // network error, peer closed, idle timeout, or Stop()
    return;
  }
  if (ec == http::error::body_limit) {
    RespondError(
        413, fmt::format("the request body exceeds {} bytes", context_->options.max_body_bytes));
  } else if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    RespondError(431, fmt::format("the request header exceeds {} bytes",
                                  context_->options.max_header_bytes));
  } else {
    RespondError(400, "malformed request: " + ec.message());
  }
}

void HttpConnection::HandleRequest() {
  state_ = State::kHandling;
  deadline_.Set(Clock::time_point::max());
  auto& message = parser_->get();
  HttpRequest request;
  if (const base::Status status = FillRequest(message, request); !status.ok()) {
    RespondError(400, status.message());
    return;
  }
  request.remote_address = remote_address_;
  head_request_ = message.method() == http::verb::head;
  http10_request_ = message.version() < 11;
  request_keep_alive_ = request.keep_alive;
  parser_.reset();

  auto state = std::make_shared<ResponderState>(shared_from_this());
  context_->router.Dispatch(std::move(request), [state = std::move(state)](HttpResponse r) {
    state->Respond(std::move(r));
  });
}

void HttpConnection::WriteResponse(HttpResponse response) {
  if (state_ != State::kHandling) return;  // closed while the handler worked
  ResponseHeadParams params;
  params.head_request = head_request_;
  params.keep_alive = request_keep_alive_ && !close_after_response_ && !stopping_;
  params.http10_request = http10_request_;
  params.server_header = context_->options.server_header;
  params.date = HttpDate();
  const ResponseHead head = SerializeResponseHead(response, params, head_out_);
  keep_alive_after_write_ = head.keep_alive;
  body_out_ = head.send_body ? std::move(response.body) : base::Buffer();
  if (response.stream && head.send_body) {
    stream_start_ = std::move(response.stream);
    body_out_ = base::Buffer();
  }
  state_ = State::kWriting;
  deadline_.Set(Clock::now() + context_->options.write_timeout);
  if (UseSendfile()) {
    head_sent_ = 0;
    body_sent_ = 0;
    // Like asio's own writes, never complete inside the caller (which may be the handler).
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->SendFileBody(); });
    return;
  }
  const std::array<asio::const_buffer, 2> buffers = {
      asio::buffer(head_out_), asio::buffer(body_out_.data(), body_out_.size())};
  asio::async_write(socket_, buffers,
                    [self = shared_from_this()](error_code ec, size_t) { self->OnWrite(ec); });
}

void HttpConnection::OnWrite(error_code ec) {
  body_out_ = base::Buffer();  // release the segment as soon as it is written
  if (state_ == State::kClosed) return;
  if (ec) {
    Close();
    return;
  }
  if (stream_start_) {
    StartStream();
    return;
  }
  if (keep_alive_after_write_ && !stopping_) {
    DoRead();
  } else {
    Linger();
  }
}

void HttpConnection::FlushStreamSoon() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->FlushStream(); });
}

void HttpConnection::StartStream() {
  state_ = State::kStreaming;
  deadline_.Set(Clock::time_point::max());  // armed only while a write is in flight
  stream_ = std::make_shared<HttpStreamWriter>(weak_from_this(),
                                               context_->options.max_stream_buffer_bytes);
  HttpStreamStart start = std::move(stream_start_);
  stream_start_ = nullptr;
  WatchStreamPeer();
  if (stopping_) stream_->Close();
  start(stream_);
}

void HttpConnection::FlushStream() {
  if (state_ != State::kStreaming || stream_writing_) return;
  bool closing = false;
  stream_out_ = stream_->TakePending(closing);
  if (stream_out_.empty()) {
    if (closing) Close();
    return;
  }
  stream_writing_ = true;
  deadline_.Set(Clock::now() + context_->options.write_timeout);
  asio::async_write(socket_, asio::buffer(stream_out_),
                    [self = shared_from_this()](error_code ec, size_t) {
                      self->stream_writing_ = false;
                      if (self->state_ == State::kClosed) return;
                      if (ec) {
                        self->Close();
                        return;
                      }
                      self->deadline_.Set(Clock::time_point::max());
                      self->FlushStream();
                    });
}

// A streaming client sends nothing more; a completed read means it closed (or broke) the
// connection, and anything it does send is discarded.
void HttpConnection::WatchStreamPeer() {
  socket_.async_read_some(asio::buffer(stream_peek_),
                          [self = shared_from_this()](error_code ec, size_t) {
                            if (self->state_ == State::kClosed) return;
                            if (ec) {
                              self->Close();
                              return;
                            }
                            self->WatchStreamPeer();
                          });
}

bool HttpConnection::UseSendfile() {
  if (!body_out_.file_range()) return false;
  if (!native_non_blocking_) {
    error_code ec;
    socket_.native_non_blocking(true, ec);  // sendfile(2) must return EAGAIN, not block
    native_non_blocking_ = !ec;
  }
  return native_non_blocking_;
}

void HttpConnection::SendFileBody() {
  if (state_ == State::kClosed) {
    OnWrite(asio::error::operation_aborted);
    return;
  }
  error_code ec;
  SendState sent = SendHead(ec);
  if (sent == SendState::kDone) sent = SendBodyFromFile(ec);
  switch (sent) {
    case SendState::kDone:
      OnWrite({});
      return;
    case SendState::kFailed:
      OnWrite(ec);
      return;
    case SendState::kWouldBlock:
      // Close() (write timeout, error) cancels the wait: it completes with operation_aborted.
      socket_.async_wait(Socket::wait_write, [self = shared_from_this()](error_code ec) {
        if (ec || self->state_ == State::kClosed) {
          self->OnWrite(ec ? ec : asio::error::operation_aborted);
        } else {
          self->SendFileBody();
        }
      });
      return;
  }
}

// MSG_MORE holds the head back until the body follows, so both leave in the same packets.
HttpConnection::SendState HttpConnection::SendHead(error_code& ec) {
  const int fd = socket_.native_handle();
  while (head_sent_ < head_out_.size()) {
    const ssize_t n = ::send(fd, head_out_.data() + head_sent_, head_out_.size() - head_sent_,
                             MSG_NOSIGNAL | MSG_MORE);
    if (n >= 0) {
      head_sent_ += static_cast<size_t>(n);
    } else if (errno != EINTR) {
      if (WouldBlock()) return SendState::kWouldBlock;
      ec = LastError();
      return SendState::kFailed;
    }
  }
  return SendState::kDone;
}

HttpConnection::SendState HttpConnection::SendBodyFromFile(error_code& ec) {
  const std::optional<base::FileRange> range = body_out_.file_range();
  const int fd = socket_.native_handle();
  ScopedSigpipeBlock no_sigpipe;
  while (body_sent_ < range->length) {
    off_t offset = static_cast<off_t>(range->offset + body_sent_);
    const ssize_t n = ::sendfile(fd, range->fd, &offset, range->length - body_sent_);
    if (n > 0) {
      body_sent_ += static_cast<size_t>(n);
    } else if (n == 0) {
      ec = asio::error::eof;  // the file is shorter than the Buffer: cannot happen when sealed
      return SendState::kFailed;
    } else if (errno != EINTR) {
      if (WouldBlock()) return SendState::kWouldBlock;
      if (errno == EPIPE) no_sigpipe.SawEpipe();
      ec = LastError();
      return SendState::kFailed;
    }
  }
  return SendState::kDone;
}

void HttpConnection::RespondError(int status, std::string_view detail) {
  SC_LOG_DEBUG("http: {} from {}: {}", status, remote_address_, detail);
  close_after_response_ = true;
  head_request_ = false;
  http10_request_ = false;
  request_keep_alive_ = false;
  parser_.reset();
  state_ = State::kHandling;
  const auto& render = context_->options.error_response;
  WriteResponse(render ? render(status, detail) : ProblemResponse(status, detail));
}

void HttpConnection::Linger() {
  state_ = State::kLingering;
  error_code ignored;
  socket_.shutdown(asio::socket_base::shutdown_send, ignored);
  deadline_.Set(Clock::now() +
                std::min<std::chrono::milliseconds>(kMaxLinger, context_->options.header_timeout));
  head_out_.resize(4096);  // reused as the drain buffer
  Drain();
}

void HttpConnection::Drain() {
  socket_.async_read_some(asio::buffer(head_out_.data(), head_out_.size()),
                          [self = shared_from_this()](error_code ec, size_t) {
                            if (self->state_ == State::kClosed) return;
                            if (ec) {
                              self->Close();
                            } else {
                              self->Drain();
                            }
                          });
}

void HttpConnection::Close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  deadline_.Cancel();
  if (stream_) stream_->MarkClosed();
  error_code ignored;
  socket_.shutdown(asio::socket_base::shutdown_both, ignored);
  socket_.close(ignored);
  parser_.reset();
  buffer_.clear();
  buffer_.shrink_to_fit();
  std::lock_guard lock(context_->mu);
  context_->connections.erase(this);
}

void HttpConnection::OnDeadline() {
  const Clock::time_point now = Clock::now();
  switch (state_) {
    case State::kReading: {
      timed_out_ = true;
      boost::system::error_code ignored;
      socket_.cancel(ignored);  // the read completes with operation_aborted
      deadline_.Set(now + context_->options.write_timeout);  // bounds the 408 that may follow
      break;
    }
    case State::kWriting:
    case State::kStreaming:
    case State::kLingering:
      Close();
      break;
    case State::kHandling:
    case State::kClosed:
      break;
  }
}

}  // namespace steadycast::net::internal
