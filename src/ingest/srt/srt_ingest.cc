#include "ingest/srt/srt_ingest.h"

#include <utility>

#include "base/log.h"
#include "ingest/srt/streamid.h"

namespace steadycast::ingest::srt {

struct SrtIngest::State {
  State(SrtIngestOptions o, StreamLookup l, media::PublishAuthorizer a)
      : options(o), lookup(std::move(l)), authorizer(std::move(a)) {}

  const SrtIngestOptions options;
  const StreamLookup lookup;
  const media::PublishAuthorizer authorizer;
  std::atomic<int64_t> accepted{0};
  std::atomic<int64_t> bad_stream_id{0};
  std::atomic<int64_t> not_found{0};
  std::atomic<int64_t> disabled{0};
  std::atomic<int64_t> locked_out{0};
  std::atomic<int64_t> unauthorized{0};
  std::atomic<int64_t> demux_errors{0};
};

net::SrtAcceptDecision DecideSrtAccept(const net::SrtAcceptRequest& request,
                                       const SrtIngestOptions& options,
                                       const StreamLookup& lookup) {
  using net::SrtAcceptDecision;
  auto parsed = ParseStreamId(request.stream_id);
  if (!parsed.ok()) {
    // The parser's messages never quote the stream ID.
    SC_LOG_INFO("srt {}: refused: {}", request.remote_address, parsed.status().message());
    return SrtAcceptDecision::Reject(net::kSrtRejectBadRequest);
  }
  const std::string redacted = base::RedactSecret(parsed->resource);
  switch (CheckPublish(*parsed)) {
    case PublishCheck::kOk:
      break;
    case PublishCheck::kBadMode:
      SC_LOG_INFO("srt {}: refused key {}: only m=publish is served", request.remote_address,
                  redacted);
      return SrtAcceptDecision::Reject(net::kSrtRejectBadMode);
    case PublishCheck::kUnsupportedType:
      SC_LOG_INFO("srt {}: refused key {}: only t=stream is served", request.remote_address,
                  redacted);
      return SrtAcceptDecision::Reject(net::kSrtRejectUnsupportedMedia);
  }
  const StreamLookupResult stream = lookup(parsed->resource, request.remote_address);
  if (stream.locked_out) {
    SC_LOG_DEBUG("srt {}: refused key {}: address locked out", request.remote_address, redacted);
    return SrtAcceptDecision::Reject(net::kSrtRejectOverload);
  }
  if (!stream.found) {
    SC_LOG_INFO("srt {}: refused unknown key {}", request.remote_address, redacted);
    return SrtAcceptDecision::Reject(net::kSrtRejectNotFound);
  }
  if (stream.disabled) {
    SC_LOG_INFO("srt {}: refused key {}: stream disabled", request.remote_address, redacted);
    return SrtAcceptDecision::Reject(net::kSrtRejectForbidden);
  }
  SrtAcceptDecision decision = SrtAcceptDecision::Accept();
  decision.passphrase = stream.passphrase;
  decision.pbkeylen = options.pbkeylen;
  decision.latency = stream.latency;
  return decision;
}

SrtIngest::SrtIngest(SrtIngestOptions options, StreamLookup lookup,
                     media::PublishAuthorizer authorizer)
    : state_(std::make_shared<State>(options, std::move(lookup), std::move(authorizer))) {}

SrtIngest::~SrtIngest() = default;

net::SrtAcceptDecider SrtIngest::Decider() const {
  return [state = state_](const net::SrtAcceptRequest& request) {
    net::SrtAcceptDecision decision = DecideSrtAccept(request, state->options, state->lookup);
    if (decision.accept) {
      state->accepted.fetch_add(1);
    } else if (decision.reject_code == net::kSrtRejectNotFound) {
      state->not_found.fetch_add(1);
    } else if (decision.reject_code == net::kSrtRejectForbidden) {
      state->disabled.fetch_add(1);
    } else if (decision.reject_code == net::kSrtRejectOverload) {
      state->locked_out.fetch_add(1);
    } else {
      state->bad_stream_id.fetch_add(1);
    }
    return decision;
  };
}

net::SrtHandlerFactory SrtIngest::HandlerFactory() const {
  return [state = state_](std::shared_ptr<net::SrtConnection> connection)
             -> std::unique_ptr<net::SrtConnectionHandler> {
    return std::make_unique<SrtIngestConnection>(std::move(connection), state);
  };
}

SrtIngestCounters SrtIngest::Counters() const {
  return {.accepted = state_->accepted.load(),
          .bad_stream_id = state_->bad_stream_id.load(),
          .not_found = state_->not_found.load(),
          .disabled = state_->disabled.load(),
          .locked_out = state_->locked_out.load(),
          .unauthorized = state_->unauthorized.load(),
          .demux_errors = state_->demux_errors.load()};
}

SrtIngestConnection::SrtIngestConnection(std::shared_ptr<net::SrtConnection> connection,
                                         std::shared_ptr<SrtIngest::State> state)
    : connection_(std::move(connection)),
      state_(std::move(state)),
      demuxer_(*this, state_->options.demuxer) {
  Authorize();
}

SrtIngestConnection::~SrtIngestConnection() = default;

void SrtIngestConnection::Authorize() {
  auto parsed = ParseStreamId(connection_->stream_id());
  if (!parsed.ok()) {
    // The decision accepted this stream ID, so this cannot happen unless the decider changed.
    Close("stream id no longer parses");
    return;
  }
  redacted_key_ = base::RedactSecret(parsed->resource);
  media::PublishRequest request;
  request.protocol = "srt";
  request.stream_key = std::move(parsed->resource);
  request.remote_address = connection_->remote_address();
  request.disconnect = [weak = std::weak_ptr<net::SrtConnection>(connection_)] {
    if (auto connection = weak.lock()) connection->Close();
  };
  auto session = state_->authorizer(request);
  if (!session.ok()) {
    state_->unauthorized.fetch_add(1);
    SC_LOG_WARN("srt {}: publish refused (key {}): {}", request.remote_address, redacted_key_,
                session.status().ToString());
    Close("publish refused");
    return;
  }
  publish_ = std::move(session).value();
  SC_LOG_INFO("srt {}: publishing to {} (key {})", request.remote_address, publish_->stream_id(),
              redacted_key_);
}

void SrtIngestConnection::OnData(std::span<const uint8_t> bytes) {
  if (closing_ || publish_ == nullptr) return;
  base::Status status = demuxer_.Feed(bytes);
  if (!status.ok()) {
    state_->demux_errors.fetch_add(1);
    SC_LOG_WARN("srt {}: closing: {}", connection_->remote_address(), status.ToString());
    Close("not MPEG-TS");
  }
}

void SrtIngestConnection::OnStats(const net::SrtLinkStats& stats) {
  if (publish_ != nullptr) publish_->OnLinkStats(ToLinkStats(stats));
}

void SrtIngestConnection::OnClosed() {
  // No demuxer_.Finish(): an SRT publication always ends with a cut stream (when the caller
  // hangs up, libsrt discards what waits in the receive buffer), so the video PES in
  // progress (PES_packet_length 0, ended only by the next one) is a truncated frame. It is
  // dropped rather than forwarded as a frame that fails to decode.
  closing_ = true;
  EndPublication("connection closed");
}

void SrtIngestConnection::Close(std::string_view why) {
  closing_ = true;
  EndPublication(why);
  connection_->Close();
}

void SrtIngestConnection::EndPublication(std::string_view why) {
  if (publish_ == nullptr) return;
  const auto& stats = demuxer_.stats();
  SC_LOG_INFO(
      "srt {}: publisher of {} gone ({}); ts: {} packets, {} cc errors, {} video / {} audio "
      "units",
      connection_->remote_address(), publish_->stream_id(), why, stats.packets, stats.cc_errors,
      stats.video_units, stats.audio_units);
  publish_.reset();
}

void SrtIngestConnection::OnVideoConfig(const media::VideoTrackConfig& config) {
  if (publish_ != nullptr) publish_->OnVideoConfig(config);
}

void SrtIngestConnection::OnAudioConfig(const media::AudioTrackConfig& config) {
  if (publish_ != nullptr) publish_->OnAudioConfig(config);
}

void SrtIngestConnection::OnAccessUnit(const media::AccessUnit& unit) {
  if (publish_ != nullptr) publish_->OnAccessUnit(unit);
}

void SrtIngestConnection::OnUnsupportedStream(uint8_t stream_type, uint16_t pid,
                                              std::string_view reason) {
  SC_LOG_WARN("srt {}: ignoring stream type 0x{:02x} on PID {}: {}", connection_->remote_address(),
              stream_type, pid, reason);
}

void SrtIngestConnection::OnTimestampJump(media::TrackKind track, int64_t previous_dts,
                                          int64_t dts) {
  SC_LOG_INFO("srt {}: {} timestamps jump from {} to {}", connection_->remote_address(),
              track == media::TrackKind::kVideo ? "video" : "audio", previous_dts, dts);
}

media::LinkStats ToLinkStats(const net::SrtLinkStats& stats) {
  return {.rtt_ms = stats.rtt_ms,
          .receive_rate_mbps = stats.receive_rate_mbps,
          .link_bandwidth_mbps = stats.link_bandwidth_mbps,
          .packets_received = stats.packets_received,
          .packets_lost = stats.packets_lost,
          .packets_retransmitted = stats.packets_retransmitted,
          .packets_dropped = stats.packets_dropped,
          .packets_belated = stats.packets_belated,
          .packets_undecrypted = stats.packets_undecrypted,
          .bytes_received = stats.bytes_received,
          .receive_buffer_ms = stats.receive_buffer_ms,
          .flight_size = stats.flight_size,
          .latency_ms = stats.latency_ms,
          .connected_ms = stats.connected_ms};
}

}  // namespace steadycast::ingest::srt
