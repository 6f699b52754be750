#include "ingest/rtmp/rtmp_connection.h"

#include <algorithm>
#include <utility>

#include "base/log.h"

namespace steadycast::ingest::rtmp {
namespace {

// What the client is told in onStatus: enough to act on, nothing about other streams.
std::string_view RefusalDescription(const base::Status& status) {
  switch (status.code()) {
    case base::ErrorCode::kNotFound:
    case base::ErrorCode::kPermissionDenied:
      return "Publishing refused: invalid or disabled stream key.";
    case base::ErrorCode::kFailedPrecondition:
      return "Publishing refused: the stream already has an active publisher.";
    case base::ErrorCode::kResourceExhausted:
      return "Publishing refused: too many invalid stream keys from this address; retry later.";
    default:
      return "Publishing refused.";
  }
}

RtmpSessionOptions SessionOptions(const RtmpOptions& options) {
  RtmpSessionOptions session = options.session;
  session.chunk_limits.max_message_size = options.max_message_bytes;
  session.chunk_limits.max_buffered_bytes =
      std::max(session.chunk_limits.max_buffered_bytes, 2 * options.max_message_bytes);
  return session;
}

}  // namespace

RtmpConnection::RtmpConnection(std::shared_ptr<net::TcpConnection> connection,
                               const RtmpOptions& options, media::PublishAuthorizer authorizer)
    : connection_(std::move(connection)),
      authorizer_(std::move(authorizer)),
      protocol_(options.protocol),
      session_(*this, SessionOptions(options)) {
  SC_LOG_DEBUG("{} {}: connected", protocol_, connection_->remote_address());
}

RtmpConnection::~RtmpConnection() = default;

void RtmpConnection::OnData(std::span<const uint8_t> bytes) {
  if (closing_) return;
  base::Status status = session_.Feed(bytes);
  // The handshake deadline (TcpServerOptions::establish_timeout) ends with C2.
  if (session_.state() != SessionState::kHandshake) connection_->MarkEstablished();
  if (status.ok() && !deferred_error_.ok()) status = std::exchange(deferred_error_, {});
  Flush();
  if (!status.ok()) {
    CloseWithError(status);
    return;
  }
  if (session_.close_requested()) {
    closing_ = true;
    EndPublication("session closed");
    connection_->Close();  // flushes the refusal first
  }
}

void RtmpConnection::OnClosed() {
  closing_ = true;
  EndPublication("connection closed");
  SC_LOG_DEBUG("{} {}: closed", protocol_, connection_->remote_address());
}

void RtmpConnection::OnConnect([[maybe_unused]] const ConnectInfo& info) {
  SC_LOG_DEBUG("{} {}: connect app '{}'", protocol_, connection_->remote_address(), info.app);
}

void RtmpConnection::OnPublishRequest(const PublishInfo& info) {
  redacted_key_ = base::RedactSecret(info.stream_key);
  media::PublishRequest request;
  request.protocol = protocol_;
  request.app = info.app;
  request.stream_key = info.stream_key;
  request.remote_address = connection_->remote_address();
  request.disconnect = [weak = std::weak_ptr<net::TcpConnection>(connection_)] {
    if (auto connection = weak.lock()) connection->Close();
  };
  auto session = authorizer_(request);
  if (!session.ok()) {
    // A locked-out address is refused quietly: an attacker must not be able to flood the log.
    if (session.status().code() == base::ErrorCode::kResourceExhausted) {
      SC_LOG_DEBUG("{} {}: publish refused: address locked out", protocol_, request.remote_address);
      session_.RefusePublish(RefusalDescription(session.status()));
      return;
    }
    SC_LOG_WARN("{} {}: publish refused (app '{}', key {}): {}", protocol_, request.remote_address,
                info.app, redacted_key_, session.status().ToString());
    session_.RefusePublish(RefusalDescription(session.status()));
    return;
  }
  publish_ = std::move(session).value();
  SC_LOG_INFO("{} {}: publishing to {} (key {})", protocol_, request.remote_address,
              publish_->stream_id(), redacted_key_);
  base::Status accepted = session_.AcceptPublish(*publish_);
  if (!accepted.ok()) deferred_error_ = std::move(accepted);
}

void RtmpConnection::OnMetadata([[maybe_unused]] const StreamMetadata& metadata) {
  SC_LOG_DEBUG("{} {}: metadata {}x{} @ {} fps, encoder '{}'", protocol_,
               connection_->remote_address(), metadata.width.value_or(0),
               metadata.height.value_or(0), metadata.frame_rate.value_or(0), metadata.encoder);
}

void RtmpConnection::OnUnpublish() { EndPublication("unpublished"); }

void RtmpConnection::Flush() {
  if (!session_.has_output()) return;
  connection_->Send(base::Buffer::Take(session_.TakeOutput()));
}

void RtmpConnection::CloseWithError(const base::Status& status) {
  closing_ = true;
  // Session errors describe the protocol, never the stream key.
  SC_LOG_WARN("{} {}: closing: {}", protocol_, connection_->remote_address(), status.ToString());
  EndPublication("protocol error");
  connection_->Close();
}

void RtmpConnection::EndPublication(std::string_view why) {
  if (publish_ == nullptr) return;
  SC_LOG_INFO("{} {}: publisher of {} gone ({})", protocol_, connection_->remote_address(),
              publish_->stream_id(), why);
  publish_.reset();
}

net::TcpHandlerFactory MakeRtmpHandlerFactory(RtmpOptions options,
                                              media::PublishAuthorizer authorizer) {
  return [options = std::move(options),
          authorizer = std::move(authorizer)](std::shared_ptr<net::TcpConnection> connection)
             -> std::unique_ptr<net::TcpConnectionHandler> {
    return std::make_unique<RtmpConnection>(std::move(connection), options, authorizer);
  };
}

}  // namespace steadycast::ingest::rtmp
