#pragma once
// The worker link: the framed protocol between the server and a transcoder worker process
// (`steadycast worker transcode`) over a socketpair. Pure and sans-I/O: messages are encoded
// into bytes, and bytes (in any split) are decoded into messages; no sockets, no globals.
// Compressed media only crosses it (source access units in, each rendition's encoded access
// units out), never decoded pictures.
//
// Frame (all integers big-endian):
//   magic  u32  "SCWK"
//   version u8  kWorkerLinkVersion
//   type   u8   FrameType
//   flags  u16  0 (reserved: a frame with flags set is rejected)
//   length u32  payload bytes, ≤ WorkerLinkLimits::max_payload
//   payload     type-specific (worker_link.cc), consumed exactly
// A decoder that meets an unknown type, a wrong magic or version, a payload over the limits or
// a payload that does not parse exactly fails for good: the peer is broken or hostile, and the
// supervisor kills the worker (or the worker exits). Both sides start with a Hello naming the
// protocol version; the version in every frame header makes a mismatch fail at once.
//
// Threading: a decoder is used by one thread at a time; encoding is a free function.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "base/status.h"
#include "media/access_unit.h"
#include "media/track.h"

namespace steadycast::formats::worker_link {

inline constexpr uint32_t kWorkerLinkMagic = 0x5343574B;  // "SCWK"
inline constexpr uint8_t kWorkerLinkVersion = 1;
inline constexpr size_t kFrameHeaderSize = 12;
// The rendition field of a message about the source (the publisher's media, server → worker).
inline constexpr uint8_t kSourceTrack = 0xFF;

enum class FrameType : uint8_t {
  kHello = 1,        // both ways, first: protocol version and role
  kConfigure = 2,    // server → worker: the ladder and options (JSON text)
  kVideoConfig = 3,  // source config (server → worker) or a rendition's output config (back)
  kAudioConfig = 4,
  kAccessUnit = 5,  // a source unit (server → worker) or a rendition's unit (back)
  kControl = 6,     // server → worker: hold, resume, flush, stop
  kEvent = 7,       // worker → server: rendition paused/resumed, source changed, flushed
  kHeartbeat = 8,   // both ways: liveness and counters
  kStats = 9,       // worker → server: the transcoder's statistics (JSON text)
};

struct Hello {
  uint32_t version = kWorkerLinkVersion;
  std::string role;  // "server" or "transcode"
  bool operator==(const Hello&) const = default;
};

struct Configure {
  std::string json;
  bool operator==(const Configure&) const = default;
};

struct VideoConfig {
  uint8_t rendition = kSourceTrack;
  media::VideoTrackConfig config;
  bool operator==(const VideoConfig&) const = default;
};

struct AudioConfig {
  uint8_t rendition = kSourceTrack;
  media::AudioTrackConfig config;
  bool operator==(const AudioConfig&) const = default;
};

struct AccessUnit {
  uint8_t rendition = kSourceTrack;
  media::AccessUnit unit;
};

enum class Command : uint8_t {
  kHold = 1,    // the publisher is gone: keep the encoders, start the slate when configured
  kResume = 2,  // the publisher is back (its config follows)
  kFlush = 3,   // end of input: drain every encoder, then answer with Event kFlushed
  kStop = 4,    // exit now, without draining
};

struct Control {
  Command command = Command::kHold;
  bool operator==(const Control&) const = default;
};

enum class EventKind : uint8_t {
  kRenditionPaused = 1,   // the degrader stopped the rendition (its segment is complete)
  kRenditionResumed = 2,  // it starts again (before its resuming IDR)
  kSourceChanged = 3,     // all output for the previous source config of the rendition is out
  kFlushed = 4,           // answer to Command kFlush: every encoder drained
  kFailed = 5,            // the worker cannot go on (detail says why); it exits after this
};

struct Event {
  EventKind kind = EventKind::kFlushed;
  uint8_t rendition = 0;
  std::string detail;
  bool operator==(const Event&) const = default;
};

struct Heartbeat {
  uint64_t sequence = 0;
  uint64_t units_in = 0;   // access units received so far
  uint64_t units_out = 0;  // access units sent so far
  bool operator==(const Heartbeat&) const = default;
};

struct Stats {
  std::string json;
  bool operator==(const Stats&) const = default;
};

using Message = std::variant<Hello, Configure, VideoConfig, AudioConfig, AccessUnit, Control, Event,
                             Heartbeat, Stats>;

struct WorkerLinkLimits {
  size_t max_payload = 32 * 1024 * 1024;  // one access unit (a large IDR) plus its header
  size_t max_text = 256 * 1024;           // Configure and Stats JSON, Hello role, Event detail
  size_t max_codec_config = 64 * 1024;    // avcC / AudioSpecificConfig
};

// Appends the frame for `message` to `out`. Fails (and appends nothing) when a field does not
// fit the wire format or `limits` (a message the peer's decoder would reject).
base::Status Encode(const Message& message, std::vector<uint8_t>& out,
                    const WorkerLinkLimits& limits = {});

class Decoder {
 public:
  explicit Decoder(WorkerLinkLimits limits = {}) : limits_(limits) {}

  // Consumes all of `data`, appending every complete message to `out`. After an error the
  // decoder stays failed and returns that error again (messages decoded before it are kept).
  base::Status Feed(std::span<const uint8_t> data, std::vector<Message>& out);

  // Bytes of an incomplete frame held (at most the header plus max_payload).
  size_t buffered() const { return pending_.size(); }
  uint64_t frames() const { return frames_; }

 private:
  base::Status TakeFrame(std::span<const uint8_t> frame, std::vector<Message>& out);

  WorkerLinkLimits limits_;
  std::vector<uint8_t> pending_;
  size_t needed_ = kFrameHeaderSize;  // bytes of the current frame (header, then whole)
  uint64_t frames_ = 0;
  base::Status failed_;
};

// Decodes one frame's payload (exposed for tests).
base::Result<Message> DecodePayload(FrameType type, std::span<const uint8_t> payload,
                                    const WorkerLinkLimits& limits = {});

}  // namespace steadycast::formats::worker_link
