#pragma once
// BeaconParser: the pure parser of player QoE beacons (`POST /v1/playback/beacons`), bytes in,
// a Beacon or the list of what is wrong out. Beacons are anonymous network input, so every
// known field is strictly typed and ranged, sizes are bounded before any parsing, and nothing
// from the input is echoed except inside the field errors' fixed messages (which quote no
// values). Wire format (version 1, JSON, usually sent by navigator.sendBeacon as text/plain):
//
//   {"v": 1, "playback_id": "pb_...", "view_id": "16-64 of [A-Za-z0-9_-]",
//    "token": "JWT (signed playback ids; may come as ?token= instead)", "seq": 0,
//    "player": {"name": "...", "version": "...", "engine": "..."},        (optional)
//    "events": [{"type": "view_start", "at_ms": 0}, ...]}                  (1-64, oldest first)
//
// Event types and their fields (at_ms: ms since the view started, 0 ... 7 days, never earlier
// than the previous event's):
//   view_start                                       -
//   first_frame        startup_ms (0 ... 600 000)    required
//   rebuffer_start                                   -
//   rebuffer_end       duration_ms                   optional
//   rendition_switch   bitrate_kbps (required), height (optional)
//   error              fatal (bool, required), code (optional, ≤ 64 of [A-Za-z0-9_./:-])
//   heartbeat, view_end  playing_ms, rebuffer_ms, rebuffer_count (required: the view's
//                      cumulative totals so far), bitrate_kbps (optional: before the first
//                      frame there is none)
//
// Unknown top-level keys, unknown keys inside the player object and inside events, and unknown
// event types are ignored and counted (players newer than the server keep working); a known
// field of the wrong type or out of range is an error naming it ("events[3].at_ms").
//
// Ownership/threading: immutable after construction; Parse() is const, allocates only its
// result, and may be called from any number of threads at once.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace steadycast::analytics {

enum class BeaconEventType {
  kViewStart,
  kFirstFrame,
  kRebufferStart,
  kRebufferEnd,
  kRenditionSwitch,
  kError,
  kHeartbeat,
  kViewEnd,
};

// One event of a beacon. Fields that its type does not carry stay at their defaults.
struct BeaconEvent {
  BeaconEventType type = BeaconEventType::kViewStart;
  int64_t at_ms = 0;
  int64_t startup_ms = 0;               // first_frame
  std::optional<int64_t> duration_ms;   // rebuffer_end
  std::optional<int64_t> bitrate_kbps;  // rendition_switch, heartbeat, view_end
  std::optional<int64_t> height;        // rendition_switch
  bool fatal = false;                   // error
  std::string code;                     // error (may be empty)
  int64_t playing_ms = 0;               // heartbeat, view_end: cumulative totals
  int64_t rebuffer_ms = 0;
  int64_t rebuffer_count = 0;
};

struct PlayerInfo {
  std::string name;
  std::string version;
  std::string engine;
};

struct Beacon {
  std::string playback_id;
  std::string view_id;
  std::string token;  // empty when the body carries none
  int64_t seq = 0;
  PlayerInfo player;
  std::vector<BeaconEvent> events;  // known types only, in the order sent
  int64_t ignored_keys = 0;         // unknown keys at any level
  int64_t ignored_events = 0;       // events of an unknown type
};

struct BeaconLimits {
  size_t max_body_bytes = size_t{16} * 1024;
  size_t max_events = 64;
  int max_nesting = 8;  // a beacon nests 3 deep; unknown members may use the rest
  int64_t max_at_ms = int64_t{7} * 24 * 3600 * 1000;
  int64_t max_startup_ms = 600'000;
  int64_t max_seq = 1'000'000'000;
  int64_t max_bitrate_kbps = 1'000'000;
  int64_t max_height = 8640;
  int64_t max_rebuffer_count = 1'000'000;
  size_t max_token_bytes = 4096;
};

inline constexpr int kBeaconVersion = 1;
inline constexpr size_t kMinViewIdLength = 16;
inline constexpr size_t kMaxViewIdLength = 64;
inline constexpr size_t kMaxPlaybackIdLength = 64;
inline constexpr size_t kMaxShortStringLength = 64;  // player strings, error codes

struct BeaconFieldError {
  std::string field;  // "events[3].at_ms"; "" for the body as a whole
  std::string message;
  bool operator==(const BeaconFieldError&) const = default;
};

struct BeaconParseResult {
  enum class Failure { kNone, kTooLarge, kMalformedJson, kInvalidFields };
  Failure failure = Failure::kNone;
  std::optional<Beacon> beacon;          // set exactly when failure == kNone
  std::vector<BeaconFieldError> errors;  // kInvalidFields: every problem found
  bool ok() const { return failure == Failure::kNone; }
};

class BeaconParser {
 public:
  explicit BeaconParser(BeaconLimits limits = {}) : limits_(limits) {}

  BeaconParseResult Parse(std::string_view body) const;

  const BeaconLimits& limits() const { return limits_; }

 private:
  BeaconLimits limits_;
};

// The beacon wire name of an event type ("rebuffer_end").
std::string_view BeaconEventTypeName(BeaconEventType type);

// Checks shared with the route for values that may also arrive outside the body.
bool IsValidPlaybackId(std::string_view id);                        // 1-64 of [A-Za-z0-9_-]
bool IsValidToken(std::string_view token, size_t max_token_bytes);  // JWS compact charset

}  // namespace steadycast::analytics
