#include "package/dash_manifest.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <string_view>
#include <type_traits>

#include "base/clock.h"

namespace steadycast::package {
namespace {

constexpr std::string_view kProfiles =
    "urn:mpeg:dash:profile:isoff-live:2011,urn:mpeg:dash:profile:cmaf:2019";
constexpr std::string_view kUtcTimingScheme = "urn:mpeg:dash:utc:http-iso:2014";
constexpr std::string_view kRoleScheme = "urn:mpeg:dash:role:2011";
constexpr std::string_view kChannelScheme = "urn:mpeg:mpegB:cicp:ChannelConfiguration";
// AdaptationSet@id per content type: fixed, so it never changes across updates or periods.
constexpr std::string_view kVideoSetId = "1";
constexpr std::string_view kAudioSetId = "2";
// Largest integer ECMAScript numbers hold exactly (timing model "Large timescales").
constexpr int64_t kMaxSafeInteger = int64_t{1} << 53;
constexpr uint64_t kMaxUnsignedInt = std::numeric_limits<uint32_t>::max();

// Length of the valid UTF-8 sequence (RFC 3629) of an XML 1.0 Char at text[i]; 0 if invalid.
size_t Utf8CharLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  const size_t len = lead < 0x80           ? 1
                     : (lead >> 5) == 0x6  ? 2
                     : (lead >> 4) == 0xE  ? 3
                     : (lead >> 3) == 0x1E ? 4
                                           : 0;
  if (len == 0 || i + len > text.size()) return 0;
  uint32_t cp = len == 1 ? lead : lead & (0x7Fu >> len);
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3Fu);
  }
  constexpr uint32_t kShortest[] = {0, 0, 0x80, 0x800, 0x10000};
  const bool excluded = (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF;
  return cp < kShortest[len] || cp > 0x10FFFF || excluded ? 0 : len;
}

// Appends text escaped for XML 1.0 attribute values and character data. Tab, LF and CR become
// character references (a parser turns them into spaces inside an attribute); other C0
// controls and invalid UTF-8 are not XML characters and become U+FFFD.
void AppendEscaped(std::string& out, std::string_view text) {
  constexpr std::string_view kSpecial = "&<>\"'\t\n\r";
  constexpr std::string_view kEscaped[] = {"&amp;",  "&lt;", "&gt;",  "&quot;",
                                           "&apos;", "&#9;", "&#10;", "&#13;"};
  for (size_t i = 0; i < text.size();) {
    const size_t len = Utf8CharLength(text, i);
    const size_t special = kSpecial.find(text[i]);
    if (special != std::string_view::npos) {
      out += kEscaped[special];
    } else if (len == 0 || static_cast<unsigned char>(text[i]) < 0x20) {
      out += "\xEF\xBF\xBD";
    } else {
      out += text.substr(i, len);
    }
    i += std::max<size_t>(len, 1);
  }
}

// Writes one element per line, indented two spaces per level. Open() starts a tag, Attr()
// adds to it, then Enter() (children follow, closed by Leave()) or Empty() ("/>").
class XmlWriter {
 public:
  explicit XmlWriter(std::string& out) : out_(out) {}
  XmlWriter& Open(std::string_view name) {
    out_.append(depth_ * 2, ' ');
    out_ += '<';
    out_ += name;
    return *this;
  }
  XmlWriter& Attr(std::string_view name, std::string_view value) {
    out_ += ' ';
    out_ += name;
    out_ += "=\"";
    AppendEscaped(out_, value);
    out_ += '"';
    return *this;
  }
  template <typename Int>
  requires std::is_integral_v<Int> XmlWriter& Attr(std::string_view name, Int value) {
    out_ += fmt::format(" {}=\"{}\"", name, value);
    return *this;
  }
  void Enter() {
    out_ += ">\n";
    ++depth_;
  }
  void Empty() { out_ += "/>\n"; }
  void Leave(std::string_view name) {
    --depth_;
    out_.append(depth_ * 2, ' ');
    out_ += fmt::format("</{}>\n", name);
  }

 private:
  std::string& out_;
  size_t depth_ = 0;
};

// RFC 3986 §3.1 scheme ("https:"), or a network-path reference ("//host/..."): another origin,
// which never gets the playback token.
bool IsAbsoluteUrl(std::string_view url) {
  if (url.substr(0, 2) == "//") return true;
  for (size_t i = 0; i < url.size(); ++i) {
    const char c = url[i];
    if (c == ':') return i > 0;
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool later = (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
    if (!alpha && !(i > 0 && later)) return false;
  }
  return false;
}

// `url` + the query suffix ("?token=..."), joined with '&' when `url` already has a query.
// In a template every '$' of the suffix is doubled (23009-1 5.3.9.4.4 "$$" escape), so a
// token can never open a template identifier.
std::string WithQuery(std::string_view url, std::string_view suffix, bool is_template) {
  std::string out(url);
  if (suffix.empty()) return out;
  if (suffix.front() == '?' && url.find('?') != std::string_view::npos) {
    out += '&';
    suffix.remove_prefix(1);
  }
  for (const char c : suffix) {
    if (c == '$' && is_template) out += '$';
    out += c;
  }
  return out;
}

// CICP ChannelConfiguration (ISO/IEC 23091-3) of AAC's default layout for a channel count
// (ISO/IEC 14496-3 channelConfiguration 1..7); 0 when there is none.
int CicpChannelConfiguration(int channels) {
  if (channels >= 1 && channels <= 6) return channels;
  return channels == 8 ? 7 : 0;
}

// S@t on the first entry and wherever the timeline jumps; S@r for runs of equal durations.
void RenderTimeline(XmlWriter& xml, const std::vector<DashSegment>& segments) {
  xml.Open("SegmentTimeline");
  if (segments.empty()) return xml.Empty();
  xml.Enter();
  std::optional<int64_t> expected_time;  // end of the previous S run
  for (size_t i = 0; i < segments.size();) {
    const DashSegment& first = segments[i];
    size_t run = 1;
    int64_t end = first.time + first.duration;
    while (i + run < segments.size() && segments[i + run].duration == first.duration &&
           segments[i + run].time == end) {
      end += first.duration;
      ++run;
    }
    xml.Open("S");
    if (expected_time != first.time) xml.Attr("t", first.time);
    xml.Attr("d", first.duration);
    if (run > 1) xml.Attr("r", run - 1);
    xml.Empty();
    expected_time = end;
    i += run;
  }
  xml.Leave("SegmentTimeline");
}

void RenderSegmentTemplate(XmlWriter& xml, const DashRepresentation& rep, int64_t pto,
                           std::string_view suffix) {
  xml.Open("SegmentTemplate")
      .Attr("timescale", rep.timescale)
      .Attr("presentationTimeOffset", pto)
      .Attr("initialization", WithQuery(rep.init_uri, suffix, true))
      .Attr("media", WithQuery(rep.media_template, suffix, true));
  if (!rep.segments.empty()) xml.Attr("startNumber", rep.segments.front().number);
  xml.Enter();
  RenderTimeline(xml, rep.segments);
  xml.Leave("SegmentTemplate");
}

void RenderAdaptationSetHead(XmlWriter& xml, std::string_view id, std::string_view type) {
  xml.Open("AdaptationSet")
      .Attr("id", id)
      .Attr("contentType", type)
      .Attr("mimeType", fmt::format("{}/mp4", type));
}

void RenderRoleMain(XmlWriter& xml) {
  xml.Open("Role").Attr("schemeIdUri", kRoleScheme).Attr("value", "main").Empty();
}

void RenderVideoSet(XmlWriter& xml, const DashPeriod& period, std::string_view suffix) {
  int max_width = 0;
  int max_height = 0;
  std::optional<double> max_rate;
  for (const DashRepresentation& rep : period.video) {
    max_width = std::max(max_width, rep.width);
    max_height = std::max(max_height, rep.height);
    if (rep.frame_rate && (!max_rate || *rep.frame_rate > *max_rate)) max_rate = rep.frame_rate;
  }
  RenderAdaptationSetHead(xml, kVideoSetId, "video");
  xml.Attr("segmentAlignment", "true").Attr("startWithSAP", 1);
  xml.Attr("maxWidth", max_width).Attr("maxHeight", max_height);
  if (max_rate) xml.Attr("maxFrameRate", FormatDashFrameRate(*max_rate));
  xml.Enter();
  RenderRoleMain(xml);
  for (const DashRepresentation& rep : period.video) {
    xml.Open("Representation").Attr("id", rep.id).Attr("bandwidth", rep.bandwidth);
    xml.Attr("codecs", rep.codecs).Attr("width", rep.width).Attr("height", rep.height);
    if (rep.frame_rate) xml.Attr("frameRate", FormatDashFrameRate(*rep.frame_rate));
    xml.Enter();
    RenderSegmentTemplate(xml, rep, period.presentation_time_offset_video, suffix);
    xml.Leave("Representation");
  }
  xml.Leave("AdaptationSet");
}

void RenderAudioSet(XmlWriter& xml, const DashPeriod& period, std::string_view suffix) {
  const DashRepresentation& rep = *period.audio;
  RenderAdaptationSetHead(xml, kAudioSetId, "audio");
  if (!rep.lang.empty()) xml.Attr("lang", rep.lang);
  xml.Attr("segmentAlignment", "true").Attr("startWithSAP", 1);
  xml.Enter();
  RenderRoleMain(xml);
  xml.Open("Representation").Attr("id", rep.id).Attr("bandwidth", rep.bandwidth);
  xml.Attr("codecs", rep.codecs).Attr("audioSamplingRate", rep.sampling_rate);
  xml.Enter();
  if (const int cicp = CicpChannelConfiguration(rep.channels); cicp > 0) {
    xml.Open("AudioChannelConfiguration").Attr("schemeIdUri", kChannelScheme);
    xml.Attr("value", cicp).Empty();
  }
  RenderSegmentTemplate(xml, rep, period.presentation_time_offset_audio, suffix);
  xml.Leave("Representation");
  xml.Leave("AdaptationSet");
}

// Period@duration of the last period: always for static MPDs (timing model §8.1), only once
// the broadcast ended for dynamic ones (§8.2).
std::optional<int64_t> LastPeriodDuration(const DashManifestModel& model) {
  const DashPeriod& last = model.periods.back();
  if (!model.dynamic && model.media_presentation_duration_ms) {
    return *model.media_presentation_duration_ms - last.start_ms;
  }
  return last.duration_ms;
}

void RenderMpdHead(XmlWriter& xml, const DashManifestModel& model) {
  xml.Open("MPD")
      .Attr("xmlns", "urn:mpeg:dash:schema:mpd:2011")
      .Attr("profiles", kProfiles)
      .Attr("type", model.dynamic ? "dynamic" : "static")
      .Attr("availabilityStartTime", base::FormatRfc3339(model.availability_start_ms))
      .Attr("publishTime", base::FormatRfc3339(model.publish_ms));
  if (model.dynamic) {
    // The final snapshot of a live MPD has no minimumUpdatePeriod (timing model "End of live
    // content"); its last period then has a fixed duration.
    if (model.periods.empty() || !model.periods.back().duration_ms) {
      xml.Attr("minimumUpdatePeriod", FormatDashDuration(model.minimum_update_period_ms));
    }
    xml.Attr("timeShiftBufferDepth", FormatDashDuration(model.time_shift_buffer_depth_ms));
    xml.Attr("suggestedPresentationDelay",
             FormatDashDuration(model.suggested_presentation_delay_ms));
  } else if (!model.periods.empty() && LastPeriodDuration(model)) {
    xml.Attr("mediaPresentationDuration",
             FormatDashDuration(model.periods.back().start_ms + *LastPeriodDuration(model)));
  }
  xml.Attr("maxSegmentDuration", FormatDashDuration(model.max_segment_duration_ms));
  xml.Attr("minBufferTime", FormatDashDuration(model.min_buffer_time_ms));
  xml.Enter();
}

// ---- validation ----

using base::InvalidArgument;

base::Status Invalid(std::string_view where, std::string_view what) {
  return InvalidArgument(fmt::format("{}: {}", where, what));
}

// Control characters or invalid UTF-8.
bool HasControlChar(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t len = Utf8CharLength(s, i);
    if (len == 0 || static_cast<unsigned char>(s[i]) < 0x20 || s[i] == 0x7F) return true;
    i += len;
  }
  return false;
}

bool HasSpace(std::string_view s) {
  return HasControlChar(s) || s.find(' ') != std::string_view::npos;
}

// a * b <= c * d without overflow (every factor fits int64).
bool ProductLessEqual(int64_t a, int64_t b, int64_t c, int64_t d) {
  return static_cast<__int128>(a) * b <= static_cast<__int128>(c) * d;
}

// Template syntax of 23009-1 5.3.9.4.4: "$$", or $Name$ / $Name%0Nd$ for a known name.
// Counts $Number$ and $Time$ (with or without a format tag).
base::Status CheckTemplate(std::string_view tmpl, int& number_or_time) {
  number_or_time = 0;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '$') continue;
    const size_t close = tmpl.find('$', i + 1);
    if (close == std::string_view::npos) return InvalidArgument("unterminated '$' in template");
    const std::string_view ident = tmpl.substr(i + 1, close - i - 1);
    i = close;
    if (ident.empty()) continue;  // "$$": a literal '$'
    const size_t percent = ident.find('%');
    const std::string_view name = ident.substr(0, percent);
    if (name != "RepresentationID" && name != "Number" && name != "Bandwidth" && name != "Time" &&
        name != "SubNumber") {
      return InvalidArgument(fmt::format("unknown template identifier ${}$", ident));
    }
    if (percent != std::string_view::npos) {
      const std::string_view tag = ident.substr(percent + 1);
      const bool digits =
          tag.size() >= 3 && tag.front() == '0' && tag.back() == 'd' &&
          std::all_of(tag.begin() + 1, tag.end() - 1, [](char c) { return c >= '0' && c <= '9'; });
      if (name == "RepresentationID" || !digits) {
        return InvalidArgument(fmt::format("bad format tag in ${}$", ident));
      }
    }
    if (name == "Number" || name == "Time") ++number_or_time;
  }
  return base::Status::Ok();
}

struct PeriodFrame {
  int64_t pto = 0;
  std::optional<int64_t> length_ms;  // known end: the next start, or the final duration
};

base::Status CheckRepresentation(const DashManifestModel& model, const DashRepresentation& rep,
                                 bool video, const PeriodFrame& frame) {
  if (rep.id.empty() || HasSpace(rep.id)) return InvalidArgument("id empty or has whitespace");
  if (rep.codecs.empty() || rep.codecs.find(',') != std::string::npos || HasSpace(rep.codecs)) {
    return InvalidArgument("codecs must name exactly one codec (one track per representation)");
  }
  if (rep.bandwidth == 0 || rep.bandwidth > kMaxUnsignedInt) {
    return InvalidArgument("bandwidth must be 1..2^32-1 (xs:unsignedInt)");
  }
  if (rep.timescale == 0) return InvalidArgument("timescale must be positive");
  if (video) {
    if (rep.width <= 0 || rep.height <= 0) return InvalidArgument("video needs width and height");
    if (rep.frame_rate &&
        (!std::isfinite(*rep.frame_rate) || *rep.frame_rate <= 0 || *rep.frame_rate > 1000)) {
      return InvalidArgument("frame rate out of range");
    }
  } else {
    if (rep.sampling_rate <= 0) return InvalidArgument("audio needs sampling_rate");
    if (rep.timescale != static_cast<uint32_t>(rep.sampling_rate)) {
      return InvalidArgument("audio timescale must equal the sampling rate (init segment mdhd)");
    }
    if (CicpChannelConfiguration(rep.channels) == 0) {
      return InvalidArgument("channels must be 1..6 or 8");
    }
    if (!std::all_of(rep.lang.begin(), rep.lang.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
        })) {
      return InvalidArgument("lang is not a BCP 47 tag");
    }
  }
  int count = 0;
  if (rep.init_uri.empty() || HasSpace(rep.init_uri)) return InvalidArgument("init_uri empty");
  SC_RETURN_IF_ERROR(CheckTemplate(rep.init_uri, count).WithContext("init_uri"));
  if (count != 0) return InvalidArgument("init_uri must not use $Number$ or $Time$");
  if (HasSpace(rep.media_template)) return InvalidArgument("media_template has whitespace");
  SC_RETURN_IF_ERROR(CheckTemplate(rep.media_template, count).WithContext("media_template"));
  if (count != 1) return InvalidArgument("media_template needs exactly one $Number$ or $Time$");

  if (rep.segments.empty()) return InvalidArgument("no segments");
  if (rep.segments.front().number > kMaxUnsignedInt) {
    return InvalidArgument("first segment number exceeds startNumber's xs:unsignedInt");
  }
  const int64_t ts = rep.timescale;
  for (size_t i = 0; i < rep.segments.size(); ++i) {
    const DashSegment& s = rep.segments[i];
    const std::string at = fmt::format("segment {}", s.number);
    if (s.time < 0 || s.duration <= 0 || s.time > kMaxSafeInteger - s.duration) {
      return Invalid(at, "needs time >= 0, duration > 0 and time + duration <= 2^53");
    }
    if (i > 0) {
      const DashSegment& prev = rep.segments[i - 1];
      if (s.number != prev.number + 1) return Invalid(at, "numbers not consecutive");
      if (s.time != prev.time + prev.duration) {
        return Invalid(at, fmt::format("timeline not contiguous: starts at {}, previous ends at {}",
                                       s.time, prev.time + prev.duration));
      }
    }
    if (!ProductLessEqual(s.duration, 1000, model.max_segment_duration_ms, ts)) {
      return Invalid(at, "longer than maxSegmentDuration");
    }
    if (s.time + s.duration <= frame.pto) return Invalid(at, "ends before its period starts");
    if (frame.length_ms && ProductLessEqual(*frame.length_ms, ts, s.time - frame.pto, 1000)) {
      return Invalid(at, "starts after its period ends");
    }
  }
  return base::Status::Ok();
}

// Segment N covers the same span in every video representation (segmentAlignment="true").
base::Status CheckAlignment(const std::vector<DashRepresentation>& video) {
  std::map<uint64_t, std::pair<int64_t, int64_t>> spans;  // number -> (time, duration)
  std::map<int64_t, uint64_t> numbers;                    // time -> number
  for (const DashRepresentation& rep : video) {
    if (rep.timescale != video.front().timescale) {
      return InvalidArgument(fmt::format("representation '{}': video timescale differs from '{}'",
                                         rep.id, video.front().id));
    }
    for (const DashSegment& s : rep.segments) {
      const auto [span, fresh_span] = spans.try_emplace(s.number, s.time, s.duration);
      const auto [number, fresh_time] = numbers.try_emplace(s.time, s.number);
      if ((!fresh_span && span->second != std::make_pair(s.time, s.duration)) ||
          (!fresh_time && number->second != s.number)) {
        return InvalidArgument(
            fmt::format("representation '{}': segment {} not aligned", rep.id, s.number));
      }
    }
  }
  return base::Status::Ok();
}

base::Status CheckMpd(const DashManifestModel& model) {
  if (model.periods.empty()) return InvalidArgument("no periods");
  if (model.min_buffer_time_ms <= 0) return InvalidArgument("minBufferTime must be positive");
  if (model.max_segment_duration_ms <= 0) {
    return InvalidArgument("maxSegmentDuration must be positive");
  }
  if (model.availability_start_ms < 0 || model.publish_ms < 0) {
    return InvalidArgument("availabilityStartTime and publishTime must not precede 1970");
  }
  if (HasControlChar(model.base_url)) return InvalidArgument("base_url has control characters");
  if (!model.query_suffix.empty() &&
      (model.query_suffix.front() != '?' || HasSpace(model.query_suffix) ||
       model.query_suffix.find('#') != std::string::npos)) {
    return InvalidArgument("query_suffix must be empty or '?...' without whitespace or '#'");
  }
  if (HasSpace(model.utc_timing_uri)) return InvalidArgument("utc_timing_uri has whitespace");
  if (model.dynamic) {
    if (model.utc_timing_uri.empty()) {
      return InvalidArgument("dynamic MPD needs a UTCTiming URL (DASH-IF timing model 13.1)");
    }
    if (model.minimum_update_period_ms < 0) return InvalidArgument("minimumUpdatePeriod < 0");
    if (model.time_shift_buffer_depth_ms <= 0 || model.suggested_presentation_delay_ms < 0 ||
        model.suggested_presentation_delay_ms >= model.time_shift_buffer_depth_ms) {
      return InvalidArgument(
          "need 0 <= suggestedPresentationDelay < timeShiftBufferDepth (the effective time "
          "shift buffer must not be empty)");
    }
  } else {
    const DashPeriod& last = model.periods.back();
    if (!model.media_presentation_duration_ms ||
        *model.media_presentation_duration_ms <= last.start_ms) {
      return InvalidArgument("static MPD needs mediaPresentationDuration after the last start");
    }
    if (last.duration_ms &&
        *last.duration_ms != *model.media_presentation_duration_ms - last.start_ms) {
      return InvalidArgument("last period's duration disagrees with mediaPresentationDuration");
    }
  }
  return base::Status::Ok();
}

base::Status CheckPeriod(const DashManifestModel& model, size_t index) {
  const DashPeriod& period = model.periods[index];
  const bool last = index + 1 == model.periods.size();
  if (period.id.empty() || HasSpace(period.id)) return InvalidArgument("id empty or has spaces");
  if (period.start_ms < 0 || period.start_ms > kMaxSafeInteger) {
    return InvalidArgument("start out of range");
  }
  PeriodFrame video_frame{period.presentation_time_offset_video, std::nullopt};
  if (!last) {
    const int64_t next = model.periods[index + 1].start_ms;
    if (next <= period.start_ms) return InvalidArgument("next period does not start later");
    if (period.duration_ms && *period.duration_ms != next - period.start_ms) {
      return InvalidArgument("duration disagrees with the next period's start");
    }
    video_frame.length_ms = next - period.start_ms;
  } else if (!model.dynamic) {
    video_frame.length_ms = *model.media_presentation_duration_ms - period.start_ms;
  } else if (period.duration_ms) {
    if (*period.duration_ms <= 0) return InvalidArgument("duration must be positive");
    video_frame.length_ms = period.duration_ms;
  }
  if (period.video.empty() && !period.audio) return InvalidArgument("no representations");
  for (const int64_t pto :
       {period.presentation_time_offset_video, period.presentation_time_offset_audio}) {
    if (pto < 0 || pto > kMaxSafeInteger) {
      return InvalidArgument("presentationTimeOffset out of range");
    }
  }
  std::set<std::string> ids;
  for (const DashRepresentation& rep : period.video) {
    SC_RETURN_IF_ERROR(CheckRepresentation(model, rep, true, video_frame)
                           .WithContext(fmt::format("representation '{}'", rep.id)));
    if (!ids.insert(rep.id).second)
      return InvalidArgument(fmt::format("duplicate id '{}'", rep.id));
  }
  if (period.audio) {
    PeriodFrame audio_frame = video_frame;
    audio_frame.pto = period.presentation_time_offset_audio;
    SC_RETURN_IF_ERROR(CheckRepresentation(model, *period.audio, false, audio_frame)
                           .WithContext(fmt::format("representation '{}'", period.audio->id)));
    if (!ids.insert(period.audio->id).second) {
      return InvalidArgument(fmt::format("duplicate id '{}'", period.audio->id));
    }
  }
  return CheckAlignment(period.video);
}

}  // namespace

std::string FormatDashDuration(int64_t ms) {
  // Magnitude as unsigned, so INT64_MIN renders too.
  const uint64_t magnitude = ms < 0 ? 0 - static_cast<uint64_t>(ms) : static_cast<uint64_t>(ms);
  std::string out = ms < 0 ? "-PT" : "PT";
  out += fmt::format("{}", magnitude / 1000);
  if (const uint64_t frac = magnitude % 1000; frac != 0) {
    std::string digits = fmt::format("{:03}", frac);
    while (digits.back() == '0') digits.pop_back();
    out += '.';
    out += digits;
  }
  out += 'S';
  return out;
}

std::string FormatDashFrameRate(double fps) {
  if (!std::isfinite(fps) || fps <= 0 || fps > 1e6) return "0";
  const int64_t whole = std::llround(fps);
  if (whole > 0 && std::fabs(fps - static_cast<double>(whole)) <= 1e-3) {
    return fmt::format("{}", whole);
  }
  // NTSC-family rates (24000/1001, 30000/1001, 60000/1001) before any finer fraction, so
  // 29.97 becomes 30000/1001 rather than 2997/100.
  const int64_t ntsc = std::llround(fps * 1.001);
  if (ntsc > 0 && std::fabs(fps - static_cast<double>(ntsc) * 1000.0 / 1001.0) <= 1e-3) {
    return fmt::format("{}/1001", ntsc * 1000);
  }
  for (int64_t den = 2; den <= 1000; ++den) {
    const int64_t num = std::llround(fps * static_cast<double>(den));
    if (std::fabs(fps - static_cast<double>(num) / static_cast<double>(den)) <= 1e-6) {
      return fmt::format("{}/{}", num, den);
    }
  }
  const int64_t num = std::llround(fps * 1000.0);
  const int64_t divisor = std::gcd(num, int64_t{1000});
  return fmt::format("{}/{}", num / divisor, 1000 / divisor);
}

std::string RenderDashManifest(const DashManifestModel& model) {
  std::string out;
  size_t segment_count = 0;
  for (const DashPeriod& p : model.periods) {
    for (const DashRepresentation& r : p.video) segment_count += r.segments.size();
    if (p.audio) segment_count += p.audio->segments.size();
  }
  out.reserve(1024 + model.periods.size() * 1024 + segment_count * 16);
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  XmlWriter xml(out);
  RenderMpdHead(xml, model);
  if (!model.base_url.empty()) {
    out += "  <BaseURL>";
    AppendEscaped(out, model.base_url);
    out += "</BaseURL>\n";
  }
  for (size_t i = 0; i < model.periods.size(); ++i) {
    const DashPeriod& period = model.periods[i];
    xml.Open("Period").Attr("id", period.id).Attr("start", FormatDashDuration(period.start_ms));
    if (i + 1 == model.periods.size()) {
      if (const std::optional<int64_t> d = LastPeriodDuration(model)) {
        xml.Attr("duration", FormatDashDuration(*d));
      }
    }
    xml.Enter();
    if (!period.video.empty()) RenderVideoSet(xml, period, model.query_suffix);
    if (period.audio) RenderAudioSet(xml, period, model.query_suffix);
    xml.Leave("Period");
  }
  if (model.dynamic && !model.utc_timing_uri.empty()) {
    const std::string value = IsAbsoluteUrl(model.utc_timing_uri)
                                  ? model.utc_timing_uri
                                  : WithQuery(model.utc_timing_uri, model.query_suffix, false);
    xml.Open("UTCTiming").Attr("schemeIdUri", kUtcTimingScheme).Attr("value", value).Empty();
  }
  xml.Leave("MPD");
  return out;
}

base::Status ValidateDashModel(const DashManifestModel& model) {
  SC_RETURN_IF_ERROR(CheckMpd(model).WithContext("dash"));
  std::set<std::string> ids;
  for (size_t i = 0; i < model.periods.size(); ++i) {
    const DashPeriod& period = model.periods[i];
    const std::string where = fmt::format("period '{}'", period.id);
    SC_RETURN_IF_ERROR(CheckPeriod(model, i).WithContext(where).WithContext("dash"));
    if (!ids.insert(period.id).second) {
      return Invalid(where, "duplicate period id").WithContext("dash");
    }
  }
  return base::Status::Ok();
}

}  // namespace steadycast::package
