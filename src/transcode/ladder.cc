#include "transcode/ladder.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace steadycast::transcode {
namespace {

using nlohmann::json;

constexpr double kFrameRateEpsilon = 0.5;  // 30.0 and 29.97 are both "30 fps"

base::Status RungError(size_t index, std::string_view what) {
  return base::InvalidArgument(fmt::format("ladder[{}]: {}", index, what));
}

// Reads an integer member within [min, max] without throwing (nlohmann::get throws on a type
// mismatch, so the type is checked first).
base::Result<int> ReadInt(const json& rung, size_t index, const char* key, int min, int max) {
  const auto it = rung.find(key);
  if (it == rung.end()) return RungError(index, fmt::format("{} is required", key));
  if (!it->is_number_integer()) return RungError(index, fmt::format("{} must be an integer", key));
  const bool negative = it->is_number_unsigned() ? false : it->get<int64_t>() < 0;
  const uint64_t magnitude = negative ? 0 : it->get<uint64_t>();
  if (negative || magnitude < static_cast<uint64_t>(min) ||
      magnitude > static_cast<uint64_t>(max)) {
    return RungError(index, fmt::format("{} must be from {} to {}", key, min, max));
  }
  return static_cast<int>(magnitude);
}

base::Result<LadderSetting> ParseRungs(const json& array) {
  if (array.empty() || array.size() > kMaxLadderRungs) {
    return base::InvalidArgument(fmt::format("ladder must have 1 to {} rungs", kMaxLadderRungs));
  }
  LadderSetting setting{.kind = LadderKind::kCustom, .rungs = {}};
  std::set<int> heights;
  for (size_t i = 0; i < array.size(); ++i) {
    const json& rung = array[i];
    if (!rung.is_object()) return RungError(i, "must be an object with height and video_kbps");
    SC_ASSIGN_OR_RETURN(const int height,
                        ReadInt(rung, i, "height", kMinRungHeight, kMaxRungHeight));
    SC_ASSIGN_OR_RETURN(const int kbps, ReadInt(rung, i, "video_kbps", kMinRungKbps, kMaxRungKbps));
    if (!heights.insert(height).second) return RungError(i, "duplicates another rung's height");
    setting.rungs.push_back({height, kbps});
  }
  std::sort(setting.rungs.begin(), setting.rungs.end(),
            [](const RungSpec& a, const RungSpec& b) { return a.height > b.height; });
  return setting;
}

int RoundEven(double value) { return std::max(2, 2 * static_cast<int>(std::lround(value / 2))); }

// The source's display aspect ratio (width / height after SAR), or nullopt if implausible.
std::optional<double> DisplayAspect(const media::VideoTrackConfig& source) {
  if (source.width <= 0 || source.height <= 0) return std::nullopt;
  const int sar_num = source.sar_num > 0 ? source.sar_num : 1;
  const int sar_den = source.sar_den > 0 ? source.sar_den : 1;
  const double dar =
      static_cast<double>(source.width) * sar_num / (static_cast<double>(source.height) * sar_den);
  if (!(dar > 0.05 && dar < 20)) return std::nullopt;  // rejects NaN too
  return dar;
}

// Rounds the long side to an even number; `short_side` is already even.
RenditionPlan SizedRung(int short_side, double dar) {
  RenditionPlan r;
  const bool portrait = dar < 1.0;
  const int long_side = RoundEven(portrait ? short_side / dar : short_side * dar);
  r.width = portrait ? short_side : long_side;
  r.height = portrait ? long_side : short_side;
  r.name = fmt::format("{}p", short_side);
  return r;
}

void ApplyRate(RenditionPlan& r, int kbps, const LadderDefaults& defaults) {
  r.video_kbps = kbps;
  r.maxrate_kbps = static_cast<int>(std::lround(kbps * defaults.maxrate_factor));
  r.bufsize_kbits = static_cast<int>(std::lround(r.maxrate_kbps * defaults.bufsize_seconds));
}

void ApplyFrameRate(RenditionPlan& r, int short_side, const media::VideoTrackConfig& source,
                    const LadderDefaults& defaults) {
  if (!source.frame_rate || !(*source.frame_rate > 0)) return;
  const double fps = *source.frame_rate;
  if (short_side <= defaults.frame_rate_cap_max_height &&
      fps > defaults.frame_rate_cap + kFrameRateEpsilon) {
    r.frame_rate_divisor =
        static_cast<int>(std::ceil(fps / defaults.frame_rate_cap - kFrameRateEpsilon / fps));
    r.frame_rate_divisor = std::clamp(r.frame_rate_divisor, 1, 16);
  }
  r.frame_rate = fps / r.frame_rate_divisor;
}

// Why the source cannot be passed through aligned with transcoded renditions (empty if it can).
std::string CadenceProblem(const SourceCadence& cadence, const LadderDefaults& defaults) {
  if (cadence.keyframe_interval_seconds &&
      *cadence.keyframe_interval_seconds > defaults.max_keyframe_interval_seconds) {
    return fmt::format("source keyframe interval {:.1f} s is longer than {:.0f} s",
                       *cadence.keyframe_interval_seconds, defaults.max_keyframe_interval_seconds);
  }
  if (cadence.irregular) return "source keyframe interval is irregular";
  return {};
}

RenditionPlan PassthroughRendition(const media::VideoTrackConfig& source) {
  RenditionPlan r;
  r.name = "src";
  r.passthrough = true;
  r.width = source.width;
  r.height = source.height;
  r.frame_rate = source.frame_rate;
  return r;
}

}  // namespace

base::Result<LadderSetting> ParseLadderSetting(std::string_view text) {
  if (text.size() > kMaxLadderJsonBytes) {
    return base::InvalidArgument(fmt::format("ladder: longer than {} bytes", kMaxLadderJsonBytes));
  }
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return LadderSetting{};
  const std::string_view trimmed = text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
  if (trimmed == "default") return LadderSetting{};
  if (trimmed == "passthrough") return LadderSetting{.kind = LadderKind::kPassthrough, .rungs = {}};
  const json value = json::parse(trimmed, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return base::InvalidArgument("ladder: not valid JSON");
  if (value.is_string()) {
    const auto& name = value.get_ref<const std::string&>();
    if (name == "default") return LadderSetting{};
    if (name == "passthrough") return LadderSetting{.kind = LadderKind::kPassthrough, .rungs = {}};
  }
  if (!value.is_array()) {
    return base::InvalidArgument(
        "ladder: must be \"default\", \"passthrough\" or an array of {height, video_kbps}");
  }
  return ParseRungs(value);
}

bool LadderPlan::has_passthrough() const {
  return std::any_of(renditions.begin(), renditions.end(),
                     [](const RenditionPlan& r) { return r.passthrough; });
}

size_t LadderPlan::transcoded_count() const {
  return static_cast<size_t>(std::count_if(renditions.begin(), renditions.end(),
                                           [](const RenditionPlan& r) { return !r.passthrough; }));
}

base::Result<LadderPlan> PlanLadder(const LadderSetting& setting,
                                    const media::VideoTrackConfig& source,
                                    const SourceCadence& cadence, const LadderDefaults& defaults) {
  LadderPlan plan;
  const std::string cadence_problem = CadenceProblem(cadence, defaults);
  if (setting.kind == LadderKind::kPassthrough) {
    // The user asked for no re-encoding: the source is the only rendition, so there is
    // nothing to misalign with; a bad cadence only makes long segments.
    plan.renditions.push_back(PassthroughRendition(source));
    if (!cadence_problem.empty())
      plan.warnings.push_back(cadence_problem + ": segments will be long");
    return plan;
  }
  const std::optional<double> dar = DisplayAspect(source);
  if (!dar) {
    return base::FailedPrecondition(
        fmt::format("ladder: source size {}x{} (SAR {}:{}) unknown or implausible", source.width,
                    source.height, source.sar_num, source.sar_den));
  }
  const int source_short = std::min(source.width, source.height);
  const bool default_ladder = setting.kind == LadderKind::kDefault;
  if (default_ladder && defaults.passthrough) {
    if (source.codec != media::Codec::kH264) {
      plan.warnings.push_back("source is not H.264: no passthrough rendition");
    } else if (source_short > defaults.passthrough_max_height) {
      plan.warnings.push_back(
          fmt::format("source {}x{} is larger than {}p: no passthrough rendition", source.width,
                      source.height, defaults.passthrough_max_height));
    } else if (!cadence_problem.empty()) {
      plan.warnings.push_back(cadence_problem +
                              ": passthrough rendition dropped, IDRs forced on a fixed cadence");
    } else {
      plan.renditions.push_back(PassthroughRendition(source));
    }
  }
  const std::vector<RungSpec>& rungs = default_ladder ? defaults.rungs : setting.rungs;
  std::set<int> short_sides;
  for (const RungSpec& rung : rungs) {
    const int short_side = RoundEven(rung.height & ~1);
    if (rung.height > source_short) continue;  // never upscale
    if (!short_sides.insert(short_side).second) continue;
    RenditionPlan r = SizedRung(short_side, *dar);
    ApplyRate(r, rung.video_kbps, defaults);
    ApplyFrameRate(r, short_side, source, defaults);
    plan.renditions.push_back(std::move(r));
  }
  if (plan.renditions.empty() && !rungs.empty()) {
    // A source smaller than every rung (and not passed through): one rung at its own size,
    // at the lowest rung's rate, so the stream still plays.
    const RungSpec& lowest =
        *std::min_element(rungs.begin(), rungs.end(),
                          [](const RungSpec& a, const RungSpec& b) { return a.height < b.height; });
    const int short_side = RoundEven(source_short & ~1);
    RenditionPlan r = SizedRung(short_side, *dar);
    ApplyRate(r, lowest.video_kbps, defaults);
    ApplyFrameRate(r, short_side, source, defaults);
    plan.renditions.push_back(std::move(r));
    plan.warnings.push_back(fmt::format("source {}x{} is smaller than every rung: one rung at {}p",
                                        source.width, source.height, short_side));
  }
  std::stable_sort(plan.renditions.begin(), plan.renditions.end(),
                   [](const RenditionPlan& a, const RenditionPlan& b) {
                     if (a.passthrough != b.passthrough) return a.passthrough;
                     return std::min(a.width, a.height) > std::min(b.width, b.height);
                   });
  return plan;
}

void KeyframeCadenceMeter::AddKeyframe(int64_t dts) {
  if (last_dts_ && dts <= *last_dts_) {
    Reset();  // timeline break or duplicate: start over
  }
  if (last_dts_) {
    intervals_.push_back(dts - *last_dts_);
    while (intervals_.size() > window_) intervals_.pop_front();
  }
  last_dts_ = dts;
}

void KeyframeCadenceMeter::Reset() {
  last_dts_.reset();
  intervals_.clear();
}

SourceCadence KeyframeCadenceMeter::Cadence() const {
  SourceCadence cadence;
  if (intervals_.empty()) return cadence;
  std::vector<int64_t> sorted(intervals_.begin(), intervals_.end());
  std::sort(sorted.begin(), sorted.end());
  const int64_t median = sorted[sorted.size() / 2];
  const int64_t tolerance = std::max<int64_t>(median / 10, media::kTimescale / 20);
  cadence.keyframe_interval_seconds = static_cast<double>(sorted.back()) / media::kTimescale;
  cadence.irregular = sorted.back() - median > tolerance || median - sorted.front() > tolerance;
  return cadence;
}

}  // namespace steadycast::transcode
