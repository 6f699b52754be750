#include "ingest/rtmp/rtmp_session.h"

#include <algorithm>
#include <utility>

#include "base/bytes.h"

namespace steadycast::ingest::rtmp {
namespace {

using formats::amf0::Value;

constexpr size_t kMaxNameInReply = 64;  // of an unknown command echoed back in _error

// "live?x=1" → "live", "live/" → "live".
std::string CleanAppName(std::string_view app) {
  app = StripQuery(app);
  while (!app.empty() && app.back() == '/') app.remove_suffix(1);
  return std::string(app);
}

bool IsMedia(uint8_t type_id) {
  return type_id == static_cast<uint8_t>(MessageType::kAudio) ||
         type_id == static_cast<uint8_t>(MessageType::kVideo);
}

}  // namespace

RtmpServerSession::RtmpServerSession(RtmpSessionListener& listener, RtmpSessionOptions options)
    : listener_(listener),
      options_(std::move(options)),
      amf0_(options_.amf0_limits),
      handshake_(options_.handshake),
      reader_(options_.chunk_limits) {
  options_.out_chunk_size = std::clamp<uint32_t>(options_.out_chunk_size, 128, 0xFFFFFF);
}

std::vector<uint8_t> RtmpServerSession::TakeOutput() { return std::exchange(output_, {}); }

base::Status RtmpServerSession::Feed(std::span<const uint8_t> bytes) {
  if (failed_) return base::FailedPrecondition("rtmp: session already failed");
  if (state_ == SessionState::kClosing) return base::Status::Ok();
  if (!handshake_.done()) {
    auto used = handshake_.Feed(bytes, output_);
    if (!used.ok()) {
      failed_ = true;
      return std::move(used).status();
    }
    bytes = bytes.subspan(*used);
    handshake_bytes_ += *used;
    if (!handshake_.done()) return base::Status::Ok();
    state_ = SessionState::kConnecting;
  }
  base::Status status = reader_.Feed(bytes, [this](RtmpMessage message) {
    if (state_ == SessionState::kClosing) return base::Status::Ok();  // draining
    SC_RETURN_IF_ERROR(HandleMessage(std::move(message)));
    // Checked per message rather than per read so the output does not depend on how the
    // bytes were split; a message bigger than the window is acknowledged when complete.
    if (auto sequence = acks_.OnTotalBytes(bytes_received())) {
      Send(MakeAcknowledgement(*sequence));
    }
    return base::Status::Ok();
  });
  if (!status.ok()) failed_ = true;
  return status;
}

base::Status RtmpServerSession::HandleMessage(RtmpMessage message) {
  switch (static_cast<MessageType>(message.type_id)) {
    case MessageType::kWindowAckSize: {
      SC_ASSIGN_OR_RETURN(uint32_t window,
                          ParseU32Payload(message.payload.span(), "Window Ack Size"));
      acks_.set_window(window);
      return base::Status::Ok();
    }
    case MessageType::kUserControl:
      return HandleUserControl(message);
    case MessageType::kCommandAmf0:
    case MessageType::kCommandAmf3:
      return HandleCommand(message);
    case MessageType::kDataAmf0:
    case MessageType::kDataAmf3:
      return HandleData(message);
    case MessageType::kAudio:
    case MessageType::kVideo:
      return HandleMedia(std::move(message));
    case MessageType::kAggregate:
      return HandleAggregate(message);
    default:
      // Acknowledgements, Set Peer Bandwidth (we send little), shared objects: nothing to do.
      return base::Status::Ok();
  }
}

base::Status RtmpServerSession::HandleUserControl(const RtmpMessage& message) {
  SC_ASSIGN_OR_RETURN(UserControl event, ParseUserControl(message.payload.span()));
  if (event.event == static_cast<uint16_t>(UserControlEvent::kPingRequest)) {
    Send(MakeUserControl(UserControlEvent::kPingResponse, event.value));
  }
  return base::Status::Ok();
}

base::Status RtmpServerSession::HandleCommand(const RtmpMessage& message) {
  SC_ASSIGN_OR_RETURN(Command command, ParseCommand(message, amf0_));
  if (command.name == "connect") return OnConnectCommand(command);
  if (!connect_.has_value()) {
    return base::FailedPrecondition("rtmp: command before connect");
  }
  if (command.name == "createStream") {
    OnCreateStream(command);
  } else if (command.name == "publish") {
    return OnPublish(command, message.stream_id);
  } else if (command.name == "FCUnpublish" || command.name == "deleteStream" ||
             command.name == "closeStream") {
    OnEndPublish(command);
  } else {
    OnOtherCommand(command, message.stream_id);
  }
  return base::Status::Ok();
}

base::Status RtmpServerSession::OnConnectCommand(const Command& command) {
  if (connect_.has_value()) return base::FailedPrecondition("rtmp: second connect");
  const Value& object = command.command_object;
  if (!object.has_properties()) {
    return base::InvalidArgument("rtmp: connect without a command object");
  }
  ConnectInfo info;
  info.app = CleanAppName(object.FindString("app").value_or(""));
  info.tc_url = std::string(object.FindString("tcUrl").value_or(""));
  info.flash_version = std::string(object.FindString("flashVer").value_or(""));
  info.object_encoding = object.FindNumber("objectEncoding").value_or(0);

  Send(MakeWindowAckSize(options_.window_ack_size));
  Send(MakeSetPeerBandwidth(options_.peer_bandwidth, PeerBandwidthLimit::kDynamic));
  Send(MakeSetChunkSize(options_.out_chunk_size));
  writer_.set_chunk_size(options_.out_chunk_size);
  Value properties = Value::Object()
                         .Add("fmsVer", Value::String("FMS/3,0,1,123"))
                         .Add("capabilities", Value::Number(31))
                         .Add("mode", Value::Number(1));
  Value status = StatusObject("status", "NetConnection.Connect.Success", "Connection succeeded.");
  // We speak AMF0 only; a client asking for AMF3 (3) is told to use AMF0, which Flash-era
  // clients follow and FFmpeg/OBS never ask otherwise.
  status.Add("objectEncoding", Value::Number(0));
  SendCommand(kCommandChunkStream, 0,
              {Value::String("_result"), Value::Number(command.transaction_id),
               std::move(properties), std::move(status)});
  connect_ = std::move(info);
  state_ = SessionState::kConnected;
  listener_.OnConnect(*connect_);
  return base::Status::Ok();
}

void RtmpServerSession::OnCreateStream(const Command& command) {
  const Value txid = Value::Number(command.transaction_id);
  if (streams_created_ >= options_.max_streams) {
    SendCommand(kCommandChunkStream, 0,
                {Value::String("_error"), txid, Value::Null(),
                 StatusObject("error", "NetConnection.Call.Failed", "Too many streams.")});
    return;
  }
  ++streams_created_;
  SendCommand(kCommandChunkStream, 0,
              {Value::String("_result"), txid, Value::Null(), Value::Number(streams_created_)});
}

base::Status RtmpServerSession::OnPublish(const Command& command, uint32_t stream_id) {
  if (state_ == SessionState::kPublishPending || state_ == SessionState::kPublishing) {
    return base::FailedPrecondition("rtmp: publish while already publishing");
  }
  if (stream_id == 0 || stream_id > streams_created_) {
    return base::InvalidArgument("rtmp: publish on message stream " + std::to_string(stream_id) +
                                 ", which createStream did not return");
  }
  publish_stream_id_ = stream_id;
  state_ = SessionState::kPublishPending;
  PublishInfo info;
  info.app = connect_->app;
  info.stream_key = std::string(StripQuery(command.StringArgument(0).value_or("")));
  info.publish_type = std::string(command.StringArgument(1).value_or("live"));
  info.stream_id = stream_id;
  if (info.stream_key.empty()) {
    RefusePublish("A stream key is required.");
    return base::Status::Ok();
  }
  listener_.OnPublishRequest(info);
  return base::Status::Ok();
}

base::Status RtmpServerSession::AcceptPublish(media::MediaSink& sink) {
  if (state_ != SessionState::kPublishPending) return base::Status::Ok();
  state_ = SessionState::kPublishing;
  mapper_.emplace(sink);
  if (metadata_.has_value()) mapper_->set_metadata_frame_rate(metadata_->frame_rate);
  Send(MakeUserControl(UserControlEvent::kStreamBegin, publish_stream_id_));
  SendOnStatus(publish_stream_id_, "status", "NetStream.Publish.Start", "Publishing.");
  std::vector<RtmpMessage> held = std::exchange(pending_media_, {});
  pending_media_bytes_ = 0;
  for (const RtmpMessage& message : held) {
    base::Status status = DeliverMedia(message);
    if (!status.ok()) {
      failed_ = true;
      return status;
    }
  }
  return base::Status::Ok();
}

void RtmpServerSession::RefusePublish(std::string_view description) {
  if (state_ != SessionState::kPublishPending) return;
  SendOnStatus(publish_stream_id_, "error", "NetStream.Publish.BadName", description);
  pending_media_.clear();
  pending_media_bytes_ = 0;
  state_ = SessionState::kClosing;
}

void RtmpServerSession::OnEndPublish(const Command& command) {
  // deleteStream names the stream it deletes; only ours ends the publication.
  if (command.name == "deleteStream") {
    const std::optional<double> id = command.NumberArgument(0);
    if (id.has_value() && *id != publish_stream_id_) return;
  }
  StopPublishing();
}

void RtmpServerSession::StopPublishing() {
  if (state_ != SessionState::kPublishing && state_ != SessionState::kPublishPending) return;
  mapper_.reset();
  pending_media_.clear();
  pending_media_bytes_ = 0;
  publish_stream_id_ = 0;
  state_ = SessionState::kConnected;
  listener_.OnUnpublish();
}

void RtmpServerSession::OnOtherCommand(const Command& command, uint32_t stream_id) {
  const Value txid = Value::Number(command.transaction_id);
  if (command.name == "releaseStream") {
    if (command.transaction_id != 0) {
      SendCommand(kCommandChunkStream, 0,
                  {Value::String("_result"), txid, Value::Null(), Value::Undefined()});
    }
  } else if (command.name == "FCPublish") {
    SendCommand(kCommandChunkStream, 0,
                {Value::String("onFCPublish"), Value::Number(0), Value::Null(),
                 StatusObject("status", "NetStream.Publish.Start", "FCPublish")});
  } else if (command.name == "play") {
    SendOnStatus(stream_id, "error", "NetStream.Play.Failed",
                 "Playback over RTMP is not supported.");
    StopPublishing();
    state_ = SessionState::kClosing;
  } else if (command.transaction_id != 0) {
    // getStreamLength, _checkbw and anything else that expects an answer.
    const std::string name = command.name.substr(0, kMaxNameInReply);
    SendCommand(
        kCommandChunkStream, 0,
        {Value::String("_error"), txid, Value::Null(),
         StatusObject("error", "NetConnection.Call.Failed", "Method not supported: " + name)});
  }
}

base::Status RtmpServerSession::HandleData(const RtmpMessage& message) {
  // Metadata is optional information: a data message we cannot read is ignored.
  auto values = amf0_.DecodeAll(Amf0Body(message));
  if (!values.ok()) return base::Status::Ok();
  std::optional<StreamMetadata> metadata = ParseMetadata(*values);
  if (!metadata.has_value()) return base::Status::Ok();
  metadata_ = std::move(metadata);
  if (mapper_.has_value()) mapper_->set_metadata_frame_rate(metadata_->frame_rate);
  listener_.OnMetadata(*metadata_);
  return base::Status::Ok();
}

base::Status RtmpServerSession::HandleMedia(RtmpMessage message) {
  if (message.payload.empty()) return base::Status::Ok();  // some encoders send empty frames
  if (message.stream_id != publish_stream_id_) return base::Status::Ok();
  if (state_ == SessionState::kPublishing) return DeliverMedia(message);
  if (state_ != SessionState::kPublishPending) return base::Status::Ok();
  if (pending_media_bytes_ + message.payload.size() > options_.max_pending_media_bytes) {
    return base::ResourceExhausted("rtmp: more than " +
                                   std::to_string(options_.max_pending_media_bytes) +
                                   " bytes of media while the publish is being authorised");
  }
  pending_media_bytes_ += message.payload.size();
  pending_media_.push_back(std::move(message));
  return base::Status::Ok();
}

base::Status RtmpServerSession::DeliverMedia(const RtmpMessage& message) {
  if (static_cast<MessageType>(message.type_id) == MessageType::kVideo) {
    return mapper_->OnVideo(message.timestamp, message.payload);
  }
  return mapper_->OnAudio(message.timestamp, message.payload);
}

// Aggregate messages (§7.1.6) pack FLV tags: type(1) size(3) timestamp(3+1) stream(3) body
// back-pointer(4). Sub-message times are offsets from the first tag, applied to the
// aggregate's own timestamp.
base::Status RtmpServerSession::HandleAggregate(const RtmpMessage& message) {
  base::ByteReader reader(message.payload.span());
  std::optional<uint32_t> first_timestamp;
  while (!reader.empty()) {
    uint8_t type = 0;
    uint32_t size = 0;
    uint32_t low = 0;
    uint8_t high = 0;
    std::span<const uint8_t> body;
    if (!reader.ReadU8(type) || !reader.ReadU24(size) || !reader.ReadU24(low) ||
        !reader.ReadU8(high) || !reader.Skip(3) || !reader.ReadBytes(size, body) ||
        !reader.Skip(4)) {
      return base::InvalidArgument("rtmp: truncated aggregate message");
    }
    const uint32_t timestamp = low | (uint32_t{high} << 24);
    if (!first_timestamp.has_value()) first_timestamp = timestamp;
    RtmpMessage sub;
    sub.chunk_stream_id = message.chunk_stream_id;
    sub.type_id = type & 0x1F;
    sub.stream_id = message.stream_id;
    sub.timestamp = message.timestamp + (timestamp - *first_timestamp);
    sub.payload = message.payload.Slice(static_cast<size_t>(body.data() - message.payload.data()),
                                        body.size());
    if (IsMedia(sub.type_id)) {
      SC_RETURN_IF_ERROR(HandleMedia(std::move(sub)));
    } else if (sub.type_id == static_cast<uint8_t>(MessageType::kDataAmf0)) {
      SC_RETURN_IF_ERROR(HandleData(sub));
    }
  }
  return base::Status::Ok();
}

void RtmpServerSession::Send(const RtmpMessage& message) { writer_.Write(message, output_); }

void RtmpServerSession::SendCommand(uint32_t chunk_stream_id, uint32_t stream_id,
                                    std::vector<Value> values) {
  Send(MakeCommandMessage(chunk_stream_id, stream_id, values));
}

void RtmpServerSession::SendOnStatus(uint32_t stream_id, std::string_view level,
                                     std::string_view code, std::string_view description) {
  SendCommand(kStreamChunkStream, stream_id,
              {Value::String("onStatus"), Value::Number(0), Value::Null(),
               StatusObject(level, code, description)});
}

}  // namespace steadycast::ingest::rtmp
