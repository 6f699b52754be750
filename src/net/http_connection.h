#pragma once
// Internal to net/: one HTTP/1.1 connection of HttpServer (RFC 9112). Requests are read with
// Beast's parser, dispatched to the router, and answered strictly in order, one at a time, so
// pipelined requests are safe: the next request is parsed only after the previous response is
// written. Responses are written as header + shared body buffer in one gather write, except
// bodies backed by a file (memfd segments, base::Buffer::file_range()): their head is sent with
// MSG_MORE and the body with sendfile(2), so the kernel sends the bytes straight from the page
// cache instead of copying them from user space on every request.
//
// Ownership: shared_ptr, kept alive by its pending socket/timer operations and by outstanding
// HttpResponders of the request in flight. Threading: everything runs on the connection's
// strand; Respond() and Stop() may be called from any thread (they post to the strand).
//
// Streamed responses (HttpResponse::stream, e.g. Server-Sent Events): after the head the
// connection enters kStreaming; bytes queued through the HttpBodyStream are written in order,
// a read stays pending so that a client that goes away is noticed at once, and Stop() ends the
// body after what is queued (clean close on shutdown). The connection closes at the end.

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/deadline_timer.h"
#include "net/http_router.h"
#include "net/http_server.h"

namespace steadycast::net::internal {

class HttpConnection;
class HttpStreamWriter;

// State shared by an HttpServer and its connections (connections may outlive the server
// object while they finish in-flight responses after Stop()).
struct HttpServerContext {
  HttpServerContext(HttpServerOptions o, const HttpRouter& r) : options(std::move(o)), router(r) {}

  const HttpServerOptions options;
  const HttpRouter& router;
  std::atomic<bool> stopping{false};
  std::mutex mu;  // guards `connections` (touched on connect/close only, never per request)
  std::unordered_map<HttpConnection*, std::weak_ptr<HttpConnection>> connections;
};

class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  using Socket =
      boost::asio::basic_stream_socket<boost::asio::ip::tcp,
                                       boost::asio::strand<boost::asio::io_context::executor_type>>;

  HttpConnection(std::shared_ptr<HttpServerContext> context, Socket socket,
                 std::string remote_address);
  // Registers with the context and starts reading. Call once, right after construction.
  void Start();
  // Server shutdown: an idle connection closes now, a busy one after its response.
  void Stop();
  // Delivers the response of the request in flight (from any thread).
  void Respond(HttpResponse response);
  // Writes what the stream writer has queued (from any thread; posts to the strand).
  void FlushStreamSoon();

 private:
  enum class State { kReading, kHandling, kWriting, kStreaming, kLingering, kClosed };
  using Clock = std::chrono::steady_clock;

  void DoRead();
  void OnHeader(boost::system::error_code ec);
  void ReadBody();
  void OnRead(boost::system::error_code ec);
  void HandleReadError(boost::system::error_code ec);
  void HandleRequest();
  void WriteResponse(HttpResponse response);
  void OnWrite(boost::system::error_code ec);
  void StartStream();
  void FlushStream();
  void WatchStreamPeer();
  // The sendfile(2) path: sends what the socket takes, waits for it to drain, repeats.
  enum class SendState { kDone, kWouldBlock, kFailed };
  bool UseSendfile();
  void SendFileBody();
  SendState SendHead(boost::system::error_code& ec);
  SendState SendBodyFromFile(boost::system::error_code& ec);
  void RespondError(int status, std::string_view detail);
  void Linger();
  void Drain();
  void Close();
  bool IdleBetweenRequests() const;
  void OnDeadline();

  std::shared_ptr<HttpServerContext> context_;
  Socket socket_;
  DeadlineTimer deadline_;
  std::string remote_address_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  State state_ = State::kReading;
  bool stopping_ = false;
  bool timed_out_ = false;
  bool reading_body_ = false;  // the header is in; the deadline is the body's
  bool close_after_response_ = false;
  // The request in flight, for the response head.
  bool head_request_ = false;
  bool http10_request_ = false;
  bool request_keep_alive_ = true;
  // The response being written: both must stay alive until the write completes.
  std::string head_out_;
  base::Buffer body_out_;
  bool keep_alive_after_write_ = false;
  // Progress of a response sent with sendfile(2).
  size_t head_sent_ = 0;
  size_t body_sent_ = 0;
  bool native_non_blocking_ = false;  // set once, before the first sendfile(2)
  // A streamed response: the start callback (until the head is written), the writer, the
  // bytes being written, and a scratch buffer for the read that notices the client leaving.
  HttpStreamStart stream_start_;
  std::shared_ptr<HttpStreamWriter> stream_;
  std::string stream_out_;
  bool stream_writing_ = false;
  std::array<char, 256> stream_peek_{};
};

}  // namespace steadycast::net::internal
