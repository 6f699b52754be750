#pragma once
// RtmpConnection: the thin glue between one TCP (or TLS) connection from net/ and an
// RtmpServerSession. Feeds received bytes to the session, sends its output, asks the
// media::PublishAuthorizer when the client publishes and forwards media to the returned
// PublishSession. Closes the connection on a protocol error (the reason is logged; stream
// keys only ever appear redacted) and after a refused publish.
//
// Threading: OnData/OnClosed run on the connection's strand (net/tcp_server.h), and so do the
// authorizer and the PublishSession calls. The `disconnect` callback handed to the authorizer
// may be called from any thread, also after this handler is gone: it holds only a weak_ptr to
// the TcpConnection and calls its thread-safe Close().
//
// Ownership: the TcpConnection owns this handler until OnClosed; this handler owns the
// session and the PublishSession (destroying it tells the stream its publisher is gone).

#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "base/status.h"
#include "ingest/rtmp/rtmp_session.h"
#include "media/media_sink.h"
#include "net/tcp_server.h"

namespace steadycast::ingest::rtmp {

struct RtmpOptions {
  std::string protocol = "rtmp";  // reported to the authorizer; "rtmps" behind TLS
  // Largest message accepted; bigger lengths and chunk sizes close the connection.
  size_t max_message_bytes = size_t{16} * 1024 * 1024;
  // Everything else (chunk size, windows, held media, AMF0 limits). Its max_message_size
  // is replaced by max_message_bytes.
  RtmpSessionOptions session;
};

class RtmpConnection final : public net::TcpConnectionHandler, private RtmpSessionListener {
 public:
  RtmpConnection(std::shared_ptr<net::TcpConnection> connection, const RtmpOptions& options,
                 media::PublishAuthorizer authorizer);
  ~RtmpConnection() override;

  void OnData(std::span<const uint8_t> bytes) override;
  void OnClosed() override;

 private:
  void OnConnect(const ConnectInfo& info) override;
  void OnPublishRequest(const PublishInfo& info) override;
  void OnMetadata(const StreamMetadata& metadata) override;
  void OnUnpublish() override;

  void Flush();
  void CloseWithError(const base::Status& status);
  void EndPublication(std::string_view why);

  std::shared_ptr<net::TcpConnection> connection_;
  media::PublishAuthorizer authorizer_;
  std::string protocol_;
  std::string redacted_key_;  // for logs only
  RtmpServerSession session_;
  std::unique_ptr<media::PublishSession> publish_;
  base::Status deferred_error_;  // an error raised inside a session callback
  bool closing_ = false;
};

// The factory net::TcpServer calls for each accepted RTMP connection.
net::TcpHandlerFactory MakeRtmpHandlerFactory(RtmpOptions options,
                                              media::PublishAuthorizer authorizer);

}  // namespace steadycast::ingest::rtmp
