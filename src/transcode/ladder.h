#pragma once
// Ladder planning: which renditions a stream gets. Pure functions
// and one small pure class; no FFmpeg, no threads, no clock.
//
// - ParseLadderSetting: the stream's stored `ladder` setting (JSON text as the API stores it:
//   "default", "passthrough", or [{"height":720,"video_kbps":3000},...]) → LadderSetting.
// - PlanLadder: setting + source VideoTrackConfig (+ measured keyframe cadence) → LadderPlan,
//   one RenditionPlan per output, highest first (the passthrough "src" first when present).
// - KeyframeCadenceMeter: measures the source keyframe interval and its regularity from the
//   keyframe dts values, so the plan can decide whether a passthrough rendition can stay
//   aligned with the transcoded ones.
//
// Rules (documented in README.md):
// - A rung's `height` is the output's short side (the height of a landscape picture, the width
//   of a portrait one), so portrait phone streams get the same ladder. Rungs above the source's
//   short side are skipped (never upscale); the long side follows the source display aspect
//   ratio (SAR applied); both sides are rounded to even numbers (4:2:0 chroma).
// - Rungs whose short side ≤ `frame_rate_cap_max_height` (480) keep the source frame rate up to
//   `frame_rate_cap` (30): a 50/60 fps source is halved there (every other frame), a 120 fps
//   source quartered.
// - Constrained VBR: maxrate = `maxrate_factor` (1.1) × video_kbps, bufsize = `bufsize_seconds`
//   (2 s) at maxrate, so a segment of 2 s never exceeds about 1.1 × the nominal rate and the
//   master playlist BANDWIDTH stays meaningful.
// - "default" = passthrough of the source (H.264 only, short side ≤ 1080) + the default rungs.
//   A custom list = exactly the listed rungs (all transcoded). "passthrough" = only the source.
// - A passthrough rendition can be aligned with transcoded ones only when the source has a
//   keyframe at least every `max_keyframe_interval_seconds` (4 s) on a stable cadence: else the
//   plan drops it (warning), and the transcoder forces IDRs on a fixed cadence instead.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "media/track.h"

namespace steadycast::transcode {

// Limits of a custom ladder (the API validates the same ranges).
inline constexpr size_t kMaxLadderRungs = 8;
inline constexpr int kMinRungHeight = 144;
inline constexpr int kMaxRungHeight = 2160;
inline constexpr int kMinRungKbps = 100;
inline constexpr int kMaxRungKbps = 50'000;
inline constexpr size_t kMaxLadderJsonBytes = 4096;

struct RungSpec {
  int height = 0;  // short side of the output picture, in pixels
  int video_kbps = 0;
  bool operator==(const RungSpec&) const = default;
};

enum class LadderKind { kDefault, kPassthrough, kCustom };

struct LadderSetting {
  LadderKind kind = LadderKind::kDefault;
  std::vector<RungSpec> rungs;  // kCustom only, sorted by height, highest first
  bool operator==(const LadderSetting&) const = default;
};

// Parses the stored setting. Accepts the JSON strings "default" / "passthrough" (also without
// quotes, and empty text = default) or a JSON array of 1..kMaxLadderRungs objects with integer
// `height` (144..2160) and `video_kbps` (100..50000), distinct heights; other members are
// ignored (forward compatible). Input longer than kMaxLadderJsonBytes is rejected unread.
base::Result<LadderSetting> ParseLadderSetting(std::string_view text);

// Configurable defaults (server config may override them).
struct LadderDefaults {
  std::vector<RungSpec> rungs = {{720, 3000}, {480, 1200}, {360, 700}, {240, 350}};
  bool passthrough = true;              // the default ladder includes the source
  int passthrough_max_height = 1080;    // short side; larger sources are not passed through
  double maxrate_factor = 1.1;          // maxrate = factor × video_kbps
  double bufsize_seconds = 2.0;         // VBV buffer = this many seconds at maxrate
  int frame_rate_cap_max_height = 480;  // rungs with short side ≤ this get the cap below
  double frame_rate_cap = 30.0;         // frames per second
  double max_keyframe_interval_seconds = 4.0;
};

// What is known about the source's keyframes (KeyframeCadenceMeter measures it).
struct SourceCadence {
  std::optional<double> keyframe_interval_seconds;  // longest recent interval, when measured
  bool irregular = false;                           // intervals not on a stable cadence
};

struct RenditionPlan {
  std::string name;          // "src" for the passthrough, else "<short side>p" ("720p")
  bool passthrough = false;  // forwarded unchanged (no decode, no encode)
  int width = 0;             // output picture (passthrough: the source's display size)
  int height = 0;
  int video_kbps = 0;  // 0 for passthrough (the packager measures it)
  int maxrate_kbps = 0;
  int bufsize_kbits = 0;
  int frame_rate_divisor = 1;        // keep every Nth source frame (1 = all)
  std::optional<double> frame_rate;  // output rate when the source rate is known
  bool operator==(const RenditionPlan&) const = default;
};

struct LadderPlan {
  std::vector<RenditionPlan> renditions;  // passthrough first, then by height, highest first
  // Human-readable reasons for anything the plan left out or could not honour (passthrough
  // dropped, nothing fit); the health module raises them as warnings.
  std::vector<std::string> warnings;
  bool has_passthrough() const;
  size_t transcoded_count() const;
};

// Plans the renditions. Fails only when the source size is unknown (0) for a ladder that
// needs it, or the source config is implausible.
base::Result<LadderPlan> PlanLadder(const LadderSetting& setting,
                                    const media::VideoTrackConfig& source,
                                    const SourceCadence& cadence,
                                    const LadderDefaults& defaults = LadderDefaults());

// Measures the source keyframe cadence from keyframe dts values (90 kHz, decode order).
// Keeps the last `window` intervals. Regular = every interval within 10 % (at least 50 ms) of
// their median. Not thread-safe; pure (no clock).
class KeyframeCadenceMeter {
 public:
  explicit KeyframeCadenceMeter(size_t window = 8) : window_(window < 1 ? 1 : window) {}

  void AddKeyframe(int64_t dts);
  // Timeline break (dts went backwards): forget the history.
  void Reset();
  size_t intervals() const { return intervals_.size(); }
  // Unknown (no interval yet) until two keyframes were seen.
  SourceCadence Cadence() const;

 private:
  size_t window_;
  std::optional<int64_t> last_dts_;
  std::deque<int64_t> intervals_;
};

}  // namespace steadycast::transcode
