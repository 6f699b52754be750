#pragma once
// The seam between ingest (RTMP, SRT) and the rest of the pipeline. Ingest depends only on
// this header; session/ implements it. See ARCHITECTURE.md.
//
// Threading: a PublishSession is called from the publisher connection's strand only (never
// concurrently). The `disconnect` callback of PublishRequest may be called from any thread.

#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "media/access_unit.h"
#include "media/track.h"

namespace steadycast::media {

// Receives one publisher's media in decode order per track.
class MediaSink {
 public:
  virtual ~MediaSink() = default;
  // Called again when the configuration changes mid-stream (new SPS, new resolution).
  virtual void OnVideoConfig(const VideoTrackConfig& config) = 0;
  virtual void OnAudioConfig(const AudioTrackConfig& config) = 0;
  virtual void OnAccessUnit(const AccessUnit& unit) = 0;
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
