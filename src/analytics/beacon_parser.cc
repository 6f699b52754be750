#include "analytics/beacon_parser.h"

#include <algorithm>
#include <array>
#include <functional>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/json_nesting.h"

namespace steadycast::analytics {
namespace {

using nlohmann::json;
using Errors = std::vector<BeaconFieldError>;

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

bool AllOf(std::string_view text, bool (*ok)(char)) {
  return std::all_of(text.begin(), text.end(), ok);
}

bool IsCodeChar(char c) { return IsIdChar(c) || c == '.' || c == '/' || c == ':'; }

bool IsValidViewId(std::string_view id) {
  return id.size() >= kMinViewIdLength && id.size() <= kMaxViewIdLength && AllOf(id, IsIdChar);
}

// Printable ASCII or any UTF-8 (nlohmann has already refused invalid UTF-8); no controls.
bool IsShortText(std::string_view text) {
  return text.size() <= kMaxShortStringLength && std::none_of(text.begin(), text.end(), [](char c) {
           return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
         });
}

// Reads the members of one JSON object, recording an error per bad field (names prefixed
// with `prefix`) and counting members nobody asked for as ignored.
class ObjectFields {
 public:
  ObjectFields(const json& object, std::string prefix, Errors& errors)
      : object_(object), prefix_(std::move(prefix)), errors_(errors) {}

  std::string Name(std::string_view name) const { return prefix_ + std::string(name); }
  void Error(std::string_view name, std::string message) {
    errors_.push_back({Name(name), std::move(message)});
  }

  // The member, or nullptr (then "is required" is recorded when `required`).
  const json* Member(std::string_view name, bool required) {
    known_.push_back(name);
    auto it = object_.find(name);
    if (it != object_.end()) return &*it;
    if (required) Error(name, "is required");
    return nullptr;
  }

  std::optional<int64_t> Int(std::string_view name, int64_t min, int64_t max, bool required) {
    const json* value = Member(name, required);
    if (value == nullptr) return std::nullopt;
    if (value->is_number_unsigned() && value->get<uint64_t>() <= static_cast<uint64_t>(max)) {
      const auto v = static_cast<int64_t>(value->get<uint64_t>());
      if (v >= min) return v;
    } else if (value->is_number_integer() && !value->is_number_unsigned()) {
      const auto v = value->get<int64_t>();
      if (v >= min && v <= max) return v;
    }
    Error(name, fmt::format("must be an integer between {} and {}", min, max));
    return std::nullopt;
  }

  std::optional<bool> Bool(std::string_view name, bool required) {
    const json* value = Member(name, required);
    if (value == nullptr) return std::nullopt;
    if (value->is_boolean()) return value->get<bool>();
    Error(name, "must be a boolean");
    return std::nullopt;
  }

  // A string member accepted by `valid`, else `message` is recorded.
  std::optional<std::string> String(std::string_view name, bool required,
                                    const std::function<bool(std::string_view)>& valid,
                                    std::string_view message) {
    const json* value = Member(name, required);
    if (value == nullptr) return std::nullopt;
    if (value->is_string() && valid(value->get_ref<const std::string&>())) {
      return value->get<std::string>();
    }
    Error(name, std::string(message));
    return std::nullopt;
  }

  // Members no reader asked for.
  int64_t Unknown() const {
    int64_t n = 0;
    for (const auto& item : object_.items()) {
      if (std::find(known_.begin(), known_.end(), item.key()) == known_.end()) ++n;
    }
    return n;
  }

 private:
  const json& object_;
  std::string prefix_;
  Errors& errors_;
  std::vector<std::string_view> known_;
};

constexpr std::array<std::pair<std::string_view, BeaconEventType>, 8> kEventTypes = {{
    {"view_start", BeaconEventType::kViewStart},
    {"first_frame", BeaconEventType::kFirstFrame},
    {"rebuffer_start", BeaconEventType::kRebufferStart},
    {"rebuffer_end", BeaconEventType::kRebufferEnd},
    {"rendition_switch", BeaconEventType::kRenditionSwitch},
    {"error", BeaconEventType::kError},
    {"heartbeat", BeaconEventType::kHeartbeat},
    {"view_end", BeaconEventType::kViewEnd},
}};

std::optional<BeaconEventType> EventTypeOf(std::string_view name) {
  for (const auto& [text, type] : kEventTypes) {
    if (text == name) return type;
  }
  return std::nullopt;
}

// The fields of a known event type (its `type` and `at_ms` are read by the caller).
void ReadEventFields(const BeaconLimits& limits, ObjectFields& fields, BeaconEvent& event) {
  switch (event.type) {
    case BeaconEventType::kViewStart:
    case BeaconEventType::kRebufferStart:
      break;
    case BeaconEventType::kFirstFrame:
      event.startup_ms = fields.Int("startup_ms", 0, limits.max_startup_ms, true).value_or(0);
      break;
    case BeaconEventType::kRebufferEnd:
      event.duration_ms = fields.Int("duration_ms", 0, limits.max_at_ms, false);
      break;
    case BeaconEventType::kRenditionSwitch:
      event.bitrate_kbps = fields.Int("bitrate_kbps", 0, limits.max_bitrate_kbps, true);
      event.height = fields.Int("height", 0, limits.max_height, false);
      break;
    case BeaconEventType::kError:
      event.fatal = fields.Bool("fatal", true).value_or(false);
      event.code = fields
                       .String(
                           "code", false,
                           [](std::string_view c) {
                             return c.size() <= kMaxShortStringLength && AllOf(c, IsCodeChar);
                           },
                           "must be a string of at most 64 characters [A-Za-z0-9_./:-]")
                       .value_or("");
      break;
    case BeaconEventType::kHeartbeat:
    case BeaconEventType::kViewEnd:
      event.playing_ms = fields.Int("playing_ms", 0, limits.max_at_ms, true).value_or(0);
      event.rebuffer_ms = fields.Int("rebuffer_ms", 0, limits.max_at_ms, true).value_or(0);
      event.rebuffer_count =
          fields.Int("rebuffer_count", 0, limits.max_rebuffer_count, true).value_or(0);
      event.bitrate_kbps = fields.Int("bitrate_kbps", 0, limits.max_bitrate_kbps, false);
      break;
  }
}

// Reads events[index]; known events go to beacon.events, unknown types are counted.
// `last_at_ms`: the at_ms of the previous known event (events come oldest first).
void ReadEvent(const BeaconLimits& limits, const json& value, size_t index, Beacon& beacon,
               std::optional<int64_t>& last_at_ms, Errors& errors) {
  const std::string prefix = fmt::format("events[{}]", index);
  if (!value.is_object()) {
    errors.push_back({prefix, "must be an object"});
    return;
  }
  ObjectFields fields(value, prefix + ".", errors);
  const json* type_name = fields.Member("type", true);
  if (type_name == nullptr) return;
  if (!type_name->is_string()) return fields.Error("type", "must be a string");
  const std::optional<BeaconEventType> type = EventTypeOf(type_name->get_ref<const std::string&>());
  if (!type) {
    ++beacon.ignored_events;
    return;
  }
  const size_t errors_before = errors.size();
  BeaconEvent event;
  event.type = *type;
  const std::optional<int64_t> at_ms = fields.Int("at_ms", 0, limits.max_at_ms, true);
  if (at_ms && last_at_ms && *at_ms < *last_at_ms) {
    fields.Error("at_ms", "must not be earlier than the previous event's at_ms");
  }
  if (at_ms) last_at_ms = at_ms;
  ReadEventFields(limits, fields, event);
  beacon.ignored_keys += fields.Unknown();
  if (errors.size() != errors_before || !at_ms) return;
  event.at_ms = *at_ms;
  beacon.events.push_back(std::move(event));
}

void ReadEvents(const BeaconLimits& limits, ObjectFields& top, Beacon& beacon, Errors& errors) {
  const json* events = top.Member("events", true);
  if (events == nullptr) return;
  if (!events->is_array() || events->empty() || events->size() > limits.max_events) {
    return top.Error("events",
                     fmt::format("must be an array of 1 to {} events", limits.max_events));
  }
  std::optional<int64_t> last_at_ms;
  for (size_t i = 0; i < events->size(); ++i) {
    ReadEvent(limits, (*events)[i], i, beacon, last_at_ms, errors);
  }
}

void ReadPlayer(ObjectFields& top, Beacon& beacon, Errors& errors) {
  const json* player = top.Member("player", false);
  if (player == nullptr) return;
  if (!player->is_object()) return top.Error("player", "must be an object");
  ObjectFields fields(*player, "player.", errors);
  constexpr std::string_view kMessage = "must be a string of at most 64 characters";
  beacon.player.name = fields.String("name", false, IsShortText, kMessage).value_or("");
  beacon.player.version = fields.String("version", false, IsShortText, kMessage).value_or("");
  beacon.player.engine = fields.String("engine", false, IsShortText, kMessage).value_or("");
  beacon.ignored_keys += fields.Unknown();
}

void ReadBeacon(const BeaconLimits& limits, const json& body, Beacon& beacon, Errors& errors) {
  ObjectFields top(body, "", errors);
  if (const json* v = top.Member("v", true);
      v != nullptr && !(v->is_number_integer() && v->get<int64_t>() == kBeaconVersion)) {
    top.Error("v", fmt::format("must be {} (the only beacon version)", kBeaconVersion));
  }
  beacon.playback_id = top.String("playback_id", true, IsValidPlaybackId,
                                  "must be a playback id: 1 to 64 characters [A-Za-z0-9_-]")
                           .value_or("");
  beacon.view_id = top.String("view_id", true, IsValidViewId,
                              "must be a string of 16 to 64 characters [A-Za-z0-9_-]")
                       .value_or("");
  beacon.token =
      top.String(
             "token", false,
             [&limits](std::string_view t) { return IsValidToken(t, limits.max_token_bytes); },
             fmt::format("must be a JWT of at most {} characters", limits.max_token_bytes))
          .value_or("");
  beacon.seq = top.Int("seq", 0, limits.max_seq, true).value_or(0);
  ReadPlayer(top, beacon, errors);
  ReadEvents(limits, top, beacon, errors);
  beacon.ignored_keys += top.Unknown();
}

}  // namespace

BeaconParseResult BeaconParser::Parse(std::string_view body) const {
  BeaconParseResult result;
  if (body.size() > limits_.max_body_bytes) {
    result.failure = BeaconParseResult::Failure::kTooLarge;
    return result;
  }
  if (base::JsonNestingDepth(body) > limits_.max_nesting) {
    result.failure = BeaconParseResult::Failure::kInvalidFields;
    result.errors.push_back(
        {"", fmt::format("JSON nested deeper than {} levels", limits_.max_nesting)});
    return result;
  }
  const json parsed = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    result.failure = BeaconParseResult::Failure::kMalformedJson;
    return result;
  }
  if (!parsed.is_object()) {
    result.failure = BeaconParseResult::Failure::kInvalidFields;
    result.errors.push_back({"", "the beacon must be a JSON object"});
    return result;
  }
  Beacon beacon;
  ReadBeacon(limits_, parsed, beacon, result.errors);
  if (!result.errors.empty()) {
    result.failure = BeaconParseResult::Failure::kInvalidFields;
    return result;
  }
  result.beacon = std::move(beacon);
  return result;
}

std::string_view BeaconEventTypeName(BeaconEventType type) {
  for (const auto& [text, t] : kEventTypes) {
    if (t == type) return text;
  }
  return "unknown";
}

bool IsValidPlaybackId(std::string_view id) {
  return !id.empty() && id.size() <= kMaxPlaybackIdLength && AllOf(id, IsIdChar);
}

bool IsValidToken(std::string_view token, size_t max_token_bytes) {
  return !token.empty() && token.size() <= max_token_bytes &&
         AllOf(token, [](char c) { return IsIdChar(c) || c == '.'; });
}

}  // namespace steadycast::analytics
