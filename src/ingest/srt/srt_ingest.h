#pragma once
// SRT ingest glue: the accept decision (stream ID → stream lookup → accept with the stream's
// passphrase and latency, or reject with an SRT reject code) and the per-connection handler
// that authorizes the publisher, feeds the MPEG-TS demuxer and forwards track configs, access
// units and link statistics to the media::PublishSession.
//
// Wiring (app/):
//   ingest::srt::SrtIngest ingest(options, lookup, authorizer);
//   net::SrtServer server(io, server_options, ingest.Decider(), ingest.HandlerFactory());
//   server.Listen(host, port);
//
// Reject codes the caller sees (srt_getrejectreason; SRT access-control guidelines):
//   stream ID syntax error → 1400 BAD_REQUEST, m= not publish → 1405 BAD_MODE,
//   t= not stream → 1415 NOTSUP_MEDIA, unknown key → 1404 NOTFOUND, disabled → 1403
//   FORBIDDEN; a wrong/missing passphrase → libsrt's own SRT_REJ_BADSECRET / SRT_REJ_UNSECURE.
// Repeated refusals from one address are throttled by net::SrtServer (srt_throttle.h).
//
// Threading: the decider runs on libsrt's receiver thread (so `lookup` must be quick and
// thread-safe); each connection handler runs on its connection's strand, and so do the
// authorizer and every PublishSession call (media/media_sink.h). SrtIngest may be destroyed
// before the server: the closures it hands out share its state.
//
// Secrets: stream keys appear in logs only through base::RedactSecret; passphrases never.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "formats/mpegts/ts_demuxer.h"
#include "media/media_sink.h"
#include "net/srt_server.h"

namespace steadycast::ingest::srt {

// What the app's store says about a stream key (looked up before accept).
struct StreamLookupResult {
  bool found = false;
  bool disabled = false;
  bool locked_out = false;  // the caller's address is locked out (too many refused keys)
  std::string passphrase;   // the stream's srt_passphrase; empty = no encryption
  std::optional<std::chrono::milliseconds> latency;  // per-stream receive latency
};
// Called with the key and the caller's "ip:port" (for brute-force protection).
using StreamLookup = std::function<StreamLookupResult(const std::string& stream_key,
                                                      const std::string& remote_address)>;

struct SrtIngestOptions {
  int pbkeylen = 32;  // AES key length for encrypted streams: 16, 24 or 32
  formats::mpegts::TsDemuxerLimits demuxer;
};

// Refusals by reason since start (for /metrics); accepted = handshakes let through.
struct SrtIngestCounters {
  int64_t accepted = 0;
  int64_t bad_stream_id = 0;  // syntax, mode or type
  int64_t not_found = 0;
  int64_t disabled = 0;
  int64_t locked_out = 0;    // refused without a lookup: the address guessed too many keys
  int64_t unauthorized = 0;  // accepted by the decision, then refused by the authorizer
  int64_t demux_errors = 0;  // connections closed because the payload was not MPEG-TS
};

class SrtIngest {
 public:
  SrtIngest(SrtIngestOptions options, StreamLookup lookup, media::PublishAuthorizer authorizer);
  ~SrtIngest();

  net::SrtAcceptDecider Decider() const;
  net::SrtHandlerFactory HandlerFactory() const;
  SrtIngestCounters Counters() const;

  struct State;  // shared with the closures

 private:
  std::shared_ptr<State> state_;
};

// Exposed for tests: the pure decision given a lookup.
net::SrtAcceptDecision DecideSrtAccept(const net::SrtAcceptRequest& request,
                                       const SrtIngestOptions& options, const StreamLookup& lookup);

// The handler of one SRT publisher. Owned by its net::SrtConnection until OnClosed.
class SrtIngestConnection final : public net::SrtConnectionHandler,
                                  private formats::mpegts::TsDemuxerListener {
 public:
  SrtIngestConnection(std::shared_ptr<net::SrtConnection> connection,
                      std::shared_ptr<SrtIngest::State> state);
  ~SrtIngestConnection() override;

  void OnData(std::span<const uint8_t> bytes) override;
  void OnStats(const net::SrtLinkStats& stats) override;
  void OnClosed() override;

 private:
  void Authorize();
  void Close(std::string_view why);
  void EndPublication(std::string_view why);

  // TsDemuxerListener.
  void OnVideoConfig(const media::VideoTrackConfig& config) override;
  void OnAudioConfig(const media::AudioTrackConfig& config) override;
  void OnAccessUnit(const media::AccessUnit& unit) override;
  void OnUnsupportedStream(uint8_t stream_type, uint16_t pid, std::string_view reason) override;
  void OnTimestampJump(media::TrackKind track, int64_t previous_dts, int64_t dts) override;

  std::shared_ptr<net::SrtConnection> connection_;
  std::shared_ptr<SrtIngest::State> state_;
  std::string redacted_key_;  // for logs only
  formats::mpegts::TsDemuxer demuxer_;
  std::unique_ptr<media::PublishSession> publish_;
  bool closing_ = false;
};

media::LinkStats ToLinkStats(const net::SrtLinkStats& stats);

}  // namespace steadycast::ingest::srt
