#pragma once
// The seam between ingest (RTMP, SRT) and the rest of the pipeline. Ingest depends only on
// this header; session/ implements it. See docs/architecture.md.
//
// Threading: a PublishSession is called from the publisher connection's strand only (never
// concurrently). The `disconnect` callback of PublishRequest may be called from any thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "media/access_unit.h"
#include "media/track.h"

namespace steadycast::media {

// Transport health of one publisher's link, as the ingest protocol measures it (SRT: libsrt
// receiver statistics, sampled about once per second). Counters are totals since the
// publisher connected; rates and buffer figures are the latest sample. Plain numbers so that
// session/ and health/ never see protocol types.
struct LinkStats {
  double rtt_ms = 0;                  // smoothed round-trip time
  double receive_rate_mbps = 0;       // over the last sampling interval
  double link_bandwidth_mbps = 0;     // estimated link capacity
  int64_t packets_received = 0;       // retransmissions included
  int64_t packets_lost = 0;           // detected missing (may be recovered by retransmission)
  int64_t packets_retransmitted = 0;  // retransmitted copies received
  int64_t packets_dropped = 0;        // never recovered in time: unrecovered loss
  int64_t packets_belated = 0;        // arrived too late, ignored
  int64_t packets_undecrypted = 0;    // could not be decrypted
  int64_t bytes_received = 0;
  int receive_buffer_ms = 0;  // media buffered at the receiver
  int flight_size = 0;        // packets in flight
  int latency_ms = 0;         // negotiated receive latency
  int64_t connected_ms = 0;   // time since the publisher connected

  bool operator==(const LinkStats&) const = default;
};

// Receives one publisher's media in decode order per track.
class MediaSink {
 public:
  virtual ~MediaSink() = default;
  // Called again when the configuration changes mid-stream (new SPS, new resolution).
  virtual void OnVideoConfig(const VideoTrackConfig& config) = 0;
  virtual void OnAudioConfig(const AudioTrackConfig& config) = 0;
  virtual void OnAccessUnit(const AccessUnit& unit) = 0;
  // A link health sample (SRT only for now); ignored unless overridden.
  virtual void OnLinkStats([[maybe_unused]] const LinkStats& stats) {}
};

struct PublishRequest {
  std::string protocol;        // "rtmp", "rtmps", "srt"
  std::string app;             // RTMP application ("live"); empty for SRT
  std::string stream_key;      // secret: never log in full (base::RedactSecret)
  std::string remote_address;  // "ip:port"
  // Asks the ingest connection to close (key reset, stream deleted, takeover). Thread-safe,
  // idempotent, and safe to call after the connection is gone.
  std::function<void()> disconnect;
};

// One accepted publisher. Destroying it means the publisher is gone (socket closed, error,
// unpublish); the stream's lifecycle reacts to that.
class PublishSession : public MediaSink {
 public:
  // Stream id the publisher was attached to ("ls_..."), for logs.
  virtual const std::string& stream_id() const = 0;
};

// Decides whether a publisher may publish, and attaches it to its stream. Returns
// kNotFound for an unknown key, kPermissionDenied for a disabled stream, kFailedPrecondition
// when a healthy publisher holds the stream and takeover is not allowed.
using PublishAuthorizer =
    std::function<base::Result<std::unique_ptr<PublishSession>>(const PublishRequest& request)>;

}  // namespace steadycast::media
