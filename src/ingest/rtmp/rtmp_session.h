#pragma once
// RtmpServerSession: the whole server side of one RTMP publishing connection as a pure
// protocol object ("sans-I/O"). Bytes in through Feed(), bytes out through TakeOutput(),
// events to an RtmpSessionListener and media to a media::MediaSink. No sockets, no clock.
//
//   bytes → ServerHandshake (§5.2) → ChunkReader (§5.3) → messages
//           ├─ protocol control / user control (§5.4, §6.2) → acks, ping responses
//           ├─ commands (§7.2): connect, releaseStream, FCPublish, createStream, publish,
//           │   FCUnpublish, deleteStream, closeStream, play (refused), others → _error
//           ├─ data (§7.1.2): @setDataFrame / onMetaData → listener (optional info)
//           └─ audio / video (§7.1.5) → MediaMapper → MediaSink
//   replies → ChunkWriter (4096-byte chunks after connect) → TakeOutput()
//
// Publishing is authorised by the listener: OnPublishRequest() is called and the answer comes
// through AcceptPublish() or RefusePublish(), synchronously from inside the callback or later.
// Media that arrives meanwhile is held (bounded by max_pending_media_bytes) and replayed on
// acceptance. A refusal sends onStatus NetStream.Publish.BadName (level "error") and asks for
// the connection to be closed (close_requested()).
//
// Threading: one owner thread (the connection's strand); listener callbacks run synchronously
// inside Feed/AcceptPublish. Spans passed to Feed are only read during the call.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "formats/amf0/amf0_decoder.h"
#include "ingest/rtmp/chunk_reader.h"
#include "ingest/rtmp/chunk_writer.h"
#include "ingest/rtmp/command.h"
#include "ingest/rtmp/control.h"
#include "ingest/rtmp/handshake.h"
#include "ingest/rtmp/media_mapper.h"
#include "media/media_sink.h"

namespace steadycast::ingest::rtmp {

// Limits and protocol values of one session, fixed at construction.
struct RtmpSessionOptions {
  ChunkReaderLimits chunk_limits;
  formats::amf0::DecoderLimits amf0_limits{.max_depth = 64,
                                           .max_string_length = size_t{64} * 1024,
                                           .max_elements = 1024,
                                           .max_total_values = 8192};
  HandshakeOptions handshake;
  uint32_t out_chunk_size = 4096;
  uint32_t window_ack_size = 2'500'000;  // sent to the client after connect
  uint32_t peer_bandwidth = 2'500'000;
  size_t max_pending_media_bytes =
      size_t{4} * 1024 * 1024;  // held while a publish is being decided
  uint32_t max_streams = 8;     // createStream calls honoured
};

// What the client said in connect (§7.2.1.1).
struct ConnectInfo {
  std::string app;  // query and trailing slashes removed
  std::string tc_url;
  std::string flash_version;
  double object_encoding = 0;
};

// A publish request (§7.2.2.6) with the names cleaned up, as given to the listener.
struct PublishInfo {
  std::string app;
  std::string stream_key;    // publish name without "?query": a secret, never log it in full
  std::string publish_type;  // "live" (default), "record", "append"
  uint32_t stream_id = 0;
};

// Receives a session's events. Called synchronously from Feed/AcceptPublish on the session's
// thread; implementations may call AcceptPublish/RefusePublish from inside the callbacks.
class RtmpSessionListener {
 public:
  virtual ~RtmpSessionListener() = default;
  virtual void OnConnect(const ConnectInfo& info) { (void)info; }
  // Must be answered with AcceptPublish or RefusePublish, now or later.
  virtual void OnPublishRequest(const PublishInfo& info) = 0;
  virtual void OnMetadata(const StreamMetadata& metadata) { (void)metadata; }
  // The client stopped publishing (FCUnpublish, deleteStream, closeStream), or withdrew a
  // pending request. The sink given to AcceptPublish is no longer used.
  virtual void OnUnpublish() {}
};

enum class SessionState {
  kHandshake,       // waiting for C0/C1/C2
  kConnecting,      // chunk stream up, waiting for connect
  kConnected,       // connect answered; createStream / publish may follow
  kPublishPending,  // publish asked, waiting for AcceptPublish / RefusePublish
  kPublishing,      // media flows to the sink
  kClosing,         // refused or failed: flush the output and close
};

class RtmpServerSession {
 public:
  explicit RtmpServerSession(RtmpSessionListener& listener, RtmpSessionOptions options = {});

  // Processes bytes from the client. An error is final (the connection should be closed
  // after flushing the output); input after close_requested() is ignored.
  base::Status Feed(std::span<const uint8_t> bytes);

  // Bytes to send to the client, in order; empties the queue.
  std::vector<uint8_t> TakeOutput();
  bool has_output() const { return !output_.empty(); }

  // Answers a pending OnPublishRequest; ignored when no publish is pending. `sink` receives
  // the media until OnUnpublish or the session's destruction and must outlive that. Fails if
  // held media cannot be mapped (the session is then failed).
  base::Status AcceptPublish(media::MediaSink& sink);
  // `description` goes to the client in onStatus: keep secrets out of it.
  void RefusePublish(std::string_view description);

  bool close_requested() const { return state_ == SessionState::kClosing; }
  SessionState state() const { return state_; }
  const std::optional<ConnectInfo>& connect_info() const { return connect_; }
  const std::optional<StreamMetadata>& metadata() const { return metadata_; }
  uint64_t bytes_received() const { return handshake_bytes_ + reader_.bytes_consumed(); }

 private:
  base::Status HandleMessage(RtmpMessage message);
  base::Status HandleUserControl(const RtmpMessage& message);
  base::Status HandleCommand(const RtmpMessage& message);
  base::Status HandleData(const RtmpMessage& message);
  base::Status HandleMedia(RtmpMessage message);
  base::Status HandleAggregate(const RtmpMessage& message);
  base::Status DeliverMedia(const RtmpMessage& message);

  base::Status OnConnectCommand(const Command& command);
  void OnCreateStream(const Command& command);
  base::Status OnPublish(const Command& command, uint32_t stream_id);
  void OnEndPublish(const Command& command);
  void OnOtherCommand(const Command& command, uint32_t stream_id);

  void Send(const RtmpMessage& message);
  void SendCommand(uint32_t chunk_stream_id, uint32_t stream_id,
                   std::vector<formats::amf0::Value> values);
  void SendOnStatus(uint32_t stream_id, std::string_view level, std::string_view code,
                    std::string_view description);
  void StopPublishing();

  RtmpSessionListener& listener_;
  RtmpSessionOptions options_;
  formats::amf0::Decoder amf0_;
  ServerHandshake handshake_;
  ChunkReader reader_;
  ChunkWriter writer_;
  AckCounter acks_;
  uint64_t handshake_bytes_ = 0;
  SessionState state_ = SessionState::kHandshake;
  bool failed_ = false;
  std::vector<uint8_t> output_;

  std::optional<ConnectInfo> connect_;
  std::optional<StreamMetadata> metadata_;
  uint32_t streams_created_ = 0;
  uint32_t publish_stream_id_ = 0;
  std::optional<MediaMapper> mapper_;
  std::vector<RtmpMessage> pending_media_;
  size_t pending_media_bytes_ = 0;
};

}  // namespace steadycast::ingest::rtmp
