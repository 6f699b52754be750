#pragma once
// Test-only helpers for the DASH MPD writer: a tiny XML well-formedness checker (elements,
// attributes, entity and character references; no DTD, comments or CDATA, which the writer
// never emits), structural checks of a rendered MPD against its model, and the models behind
// the golden MPDs.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cctype>
#include <cstring>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "package/dash_manifest.h"
#include "package/playlist.h"

namespace steadycast::package::testing {

// ---- a tiny XML well-formedness checker (test only; elements, attributes, references) ----

struct XmlNode {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attrs;
  std::vector<XmlNode> children;
  const std::string* Attr(std::string_view key) const {
    for (const auto& [k, v] : attrs) {
      if (k == key) return &v;
    }
    return nullptr;
  }
  std::vector<const XmlNode*> All(std::string_view child) const {
    std::vector<const XmlNode*> out;
    for (const XmlNode& c : children) {
      if (c.name == child) out.push_back(&c);
    }
    return out;
  }
};

class XmlChecker {
 public:
  explicit XmlChecker(std::string_view in) : in_(in) {}
  // The root element, or nullopt with error() naming the first problem and its offset.
  std::optional<XmlNode> Parse() {
    const size_t decl_end = in_.find("?>");
    if (in_.substr(0, 6) != "<?xml " || decl_end == std::string_view::npos) {
      Fail("no XML declaration");
      return std::nullopt;
    }
    pos_ = decl_end + 2;
    SkipSpace();
    XmlNode root;
    if (!Element(root, 0)) return std::nullopt;
    SkipSpace();
    if (pos_ != in_.size()) Fail("content after the root element");
    return error_.empty() ? std::optional<XmlNode>(std::move(root)) : std::nullopt;
  }
  const std::string& error() const { return error_; }

 private:
  bool Fail(std::string_view what) {
    if (error_.empty()) error_ = fmt::format("{} at offset {}", what, pos_);
    return false;
  }
  bool At(std::string_view s) const { return in_.substr(pos_, s.size()) == s; }
  size_t SkipSpace() {
    const size_t start = pos_;
    while (pos_ < in_.size() && std::strchr(" \t\r\n", in_[pos_]) != nullptr) ++pos_;
    return pos_ - start;
  }
  bool Name(std::string& out) {
    const auto ok = [](char c, bool first) {
      return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':' ||
             (!first && (std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-'));
    };
    const size_t start = pos_;
    while (pos_ < in_.size() && ok(in_[pos_], pos_ == start)) ++pos_;
    out = std::string(in_.substr(start, pos_ - start));
    return !out.empty() || Fail("expected a name");
  }
  // Consumes one multi-byte UTF-8 sequence (RFC 3629: shortest form, no surrogates).
  bool Utf8Sequence(std::string& out) {
    const auto byte = [&](size_t k) {
      return pos_ + k < in_.size() ? static_cast<unsigned char>(in_[pos_ + k]) : 0;
    };
    const unsigned char lead = byte(0);
    const size_t len = (lead >> 5) == 0x6    ? 2
                       : (lead >> 4) == 0xE  ? 3
                       : (lead >> 3) == 0x1E ? 4
                                             : 0;
    if (len == 0) return false;
    uint32_t cp = lead & (0x7Fu >> len);
    for (size_t k = 1; k < len; ++k) {
      if ((byte(k) & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (byte(k) & 0x3Fu);
    }
    const uint32_t shortest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < shortest[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    out += in_.substr(pos_, len);
    pos_ += len;
    return true;
  }
  // Character data up to `end` ('<' for content, the quote for attributes), references decoded.
  bool Text(char end, std::string& out) {
    static const std::map<std::string, std::string> kEntities = {
        {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}};
    while (pos_ < in_.size() && in_[pos_] != end) {
      const char c = in_[pos_];
      if (c == '<') return Fail("'<' in an attribute value");
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
        return Fail("control character");
      }
      if (static_cast<unsigned char>(c) >= 0x80) {
        if (!Utf8Sequence(out)) return Fail("bad UTF-8");
        continue;
      }
      if (c != '&') {
        out += c;
        ++pos_;
        continue;
      }
      const size_t semi = in_.find(';', pos_);
      if (semi == std::string_view::npos) return Fail("unterminated reference");
      const std::string ref(in_.substr(pos_ + 1, semi - pos_ - 1));
      if (const auto it = kEntities.find(ref); it != kEntities.end()) {
        out += it->second;
      } else if (std::regex_match(ref, std::regex("#(9|10|13|[3-9][0-9]|[1-9][0-9]{2,5})"))) {
        out += '?';  // a character reference to an allowed character; the value is not needed
      } else {
        return Fail(fmt::format("bad reference &{};", ref));
      }
      pos_ = semi + 1;
    }
    return true;
  }
  bool Element(XmlNode& node, int depth) {
    if (depth > 32 || !At("<")) return Fail("expected an element");
    ++pos_;
    if (!Name(node.name)) return false;
    while (true) {
      const size_t spaces = SkipSpace();
      if (At("/>")) {
        pos_ += 2;
        return true;
      }
      if (At(">")) break;
      std::string key, value;
      if (spaces == 0 || !Name(key)) return Fail("expected whitespace and an attribute");
      SkipSpace();
      if (!At("=")) return Fail("expected '='");
      ++pos_;
      SkipSpace();
      const char quote = pos_ < in_.size() ? in_[pos_] : '\0';
      if (quote != '"' && quote != '\'') return Fail("expected a quote");
      ++pos_;
      if (!Text(quote, value) || !At(std::string(1, quote))) return Fail("unterminated value");
      ++pos_;
      if (node.Attr(key)) return Fail("duplicate attribute " + key);
      node.attrs.emplace_back(std::move(key), std::move(value));
    }
    ++pos_;
    while (true) {
      if (pos_ >= in_.size()) return Fail("unclosed element " + node.name);
      if (At("</")) {
        pos_ += 2;
        std::string end;
        if (!Name(end) || end != node.name) return Fail("mismatched end tag for " + node.name);
        SkipSpace();
        if (!At(">")) return Fail("expected '>'");
        ++pos_;
        return true;
      }
      if (At("<!") || At("<?")) return Fail("unsupported markup");
      if (At("<")) {
        node.children.emplace_back();
        if (!Element(node.children.back(), depth + 1)) return false;
      } else {
        std::string text;
        if (!Text('<', text)) return false;
      }
    }
  }

  std::string_view in_;
  size_t pos_ = 0;
  std::string error_;
};

// ---- structural checks of rendered MPDs against their model ----

inline int64_t ParseDurationMs(const std::string& text) {
  std::smatch m;
  if (!std::regex_match(text, m, std::regex(R"(PT(\d+)(?:\.(\d{1,3}))?S)"))) return -1;
  std::string frac = m[2].str();
  frac.resize(3, '0');
  return std::stoll(m[1].str()) * 1000 + std::stoll(frac);
}

// The S entries of one representation, expanded, against the model: startNumber is the first
// number, t + Σd is continuous, and every (number, time, duration) matches.
inline void ExpectTimeline(const XmlNode& tmpl, const DashRepresentation& rep,
                           int64_t max_segment_ms) {
  SCOPED_TRACE(rep.id);
  ASSERT_TRUE(tmpl.Attr("timescale") && tmpl.Attr("startNumber"));
  EXPECT_EQ(*tmpl.Attr("timescale"), std::to_string(rep.timescale));
  EXPECT_EQ(*tmpl.Attr("startNumber"), std::to_string(rep.segments.front().number));
  for (const char* forbidden : {"duration", "eptDelta", "endNumber"}) {
    EXPECT_FALSE(tmpl.Attr(forbidden)) << forbidden;
  }
  EXPECT_NE(tmpl.Attr("media")->find("$Number$"), std::string::npos);
  const std::vector<const XmlNode*> timelines = tmpl.All("SegmentTimeline");
  ASSERT_EQ(timelines.size(), 1u);
  std::vector<DashSegment> expanded;
  uint64_t number = std::stoull(*tmpl.Attr("startNumber"));
  std::optional<int64_t> next;
  for (const XmlNode& s : timelines[0]->children) {
    ASSERT_EQ(s.name, "S");
    EXPECT_FALSE(s.Attr("n"));
    ASSERT_TRUE(s.Attr("d"));
    ASSERT_TRUE(next || s.Attr("t")) << "the first S needs @t";
    int64_t t = s.Attr("t") ? std::stoll(*s.Attr("t")) : *next;
    EXPECT_FALSE(s.Attr("t") && next && t == *next) << "redundant @t";
    const int64_t d = std::stoll(*s.Attr("d"));
    const int64_t r = s.Attr("r") ? std::stoll(*s.Attr("r")) : 0;
    EXPECT_GE(r, 0);
    EXPECT_LE(d * 1000, max_segment_ms * static_cast<int64_t>(rep.timescale));
    for (int64_t i = 0; i <= r; ++i, t += d) expanded.push_back({number++, t, d});
    next = t;
  }
  ASSERT_EQ(expanded.size(), rep.segments.size());
  for (size_t i = 0; i < expanded.size(); ++i) {
    EXPECT_EQ(expanded[i].number, rep.segments[i].number);
    EXPECT_EQ(expanded[i].time, rep.segments[i].time);
    EXPECT_EQ(expanded[i].duration, rep.segments[i].duration);
  }
}

// Well-formed XML plus the ISO/IEC 23009-1 and DASH-IF rules the header lists.
inline void ExpectConformingMpd(const std::string& text, const DashManifestModel& model) {
  XmlChecker checker(text);
  const std::optional<XmlNode> root = checker.Parse();
  ASSERT_TRUE(root.has_value()) << checker.error();
  const XmlNode& mpd = *root;
  ASSERT_EQ(mpd.name, "MPD");
  EXPECT_EQ(*mpd.Attr("xmlns"), "urn:mpeg:dash:schema:mpd:2011");
  EXPECT_EQ(*mpd.Attr("type"), model.dynamic ? "dynamic" : "static");
  const std::regex date_time(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  for (const char* attr : {"availabilityStartTime", "publishTime"}) {
    EXPECT_TRUE(std::regex_match(*mpd.Attr(attr), date_time)) << attr;
  }
  for (const auto& [key, value] : mpd.attrs) {
    if (key.find("Time") == std::string::npos || key == "minBufferTime") continue;
    if (key == "availabilityStartTime" || key == "publishTime") continue;
    EXPECT_GE(ParseDurationMs(value), 0) << key << "=" << value;
  }
  EXPECT_GE(ParseDurationMs(*mpd.Attr("minBufferTime")), 1);
  const std::vector<const XmlNode*> periods = mpd.All("Period");
  const std::vector<const XmlNode*> utc = mpd.All("UTCTiming");
  ASSERT_EQ(periods.size(), model.periods.size());
  if (model.dynamic) {
    ASSERT_EQ(utc.size(), 1u);  // after every Period, as the schema orders MPD children
    EXPECT_EQ(&mpd.children.back(), utc[0]);
    EXPECT_EQ(*utc[0]->Attr("schemeIdUri"), "urn:mpeg:dash:utc:http-iso:2014");
    EXPECT_FALSE(mpd.Attr("mediaPresentationDuration"));
    EXPECT_NE(mpd.Attr("minimumUpdatePeriod") != nullptr,
              periods.back()->Attr("duration") != nullptr);
  } else {
    EXPECT_TRUE(utc.empty());
    for (const char* attr :
         {"minimumUpdatePeriod", "timeShiftBufferDepth", "suggestedPresentationDelay"}) {
      EXPECT_FALSE(mpd.Attr(attr)) << attr;
    }
    ASSERT_TRUE(periods.back()->Attr("duration") && mpd.Attr("mediaPresentationDuration"));
    EXPECT_EQ(ParseDurationMs(*periods.back()->Attr("start")) +
                  ParseDurationMs(*periods.back()->Attr("duration")),
              ParseDurationMs(*mpd.Attr("mediaPresentationDuration")));
  }
  const int64_t max_segment_ms = ParseDurationMs(*mpd.Attr("maxSegmentDuration"));
  std::set<std::string> period_ids;
  int64_t previous_start = -1;
  for (size_t p = 0; p < periods.size(); ++p) {
    const XmlNode& period = *periods[p];
    SCOPED_TRACE(*period.Attr("id"));
    EXPECT_TRUE(period_ids.insert(*period.Attr("id")).second) << "Period@id unique";
    const int64_t start = ParseDurationMs(*period.Attr("start"));
    EXPECT_GT(start, previous_start);
    previous_start = start;
    EXPECT_FALSE(p + 1 < periods.size() && period.Attr("duration")) << "implicit by next start";
    std::set<std::string> set_ids, rep_ids;
    std::vector<const DashRepresentation*> reps;
    for (const DashRepresentation& r : model.periods[p].video) reps.push_back(&r);
    if (model.periods[p].audio) reps.push_back(&*model.periods[p].audio);
    size_t next_rep = 0;
    for (const XmlNode* set : period.All("AdaptationSet")) {
      ASSERT_TRUE(set->Attr("id")) << "AdaptationSet@id on every adaptation set";
      EXPECT_TRUE(set_ids.insert(*set->Attr("id")).second);
      EXPECT_EQ(*set->Attr("startWithSAP"), "1");
      for (const XmlNode* rep : set->All("Representation")) {
        EXPECT_TRUE(rep_ids.insert(*rep->Attr("id")).second) << "Representation@id unique";
        if (const std::string* fps = rep->Attr("frameRate")) {
          EXPECT_TRUE(std::regex_match(*fps, std::regex("[0-9]+(/[1-9][0-9]*)?"))) << *fps;
        }
        ASSERT_LT(next_rep, reps.size());
        EXPECT_EQ(*rep->Attr("id"), reps[next_rep]->id);
        ASSERT_EQ(rep->All("SegmentTemplate").size(), 1u);
        ExpectTimeline(*rep->All("SegmentTemplate")[0], *reps[next_rep++], max_segment_ms);
      }
    }
    EXPECT_EQ(next_rep, reps.size());
  }
}

// ---- models ----

inline constexpr int64_t kT0 = 1'700'000'000'000;  // 2023-11-14T22:13:20.000Z
inline constexpr int64_t kTwoSeconds = 180'000;    // 90 kHz

inline std::vector<DashSegment> Segments(uint64_t first, int64_t time,
                                         const std::vector<int64_t>& durations) {
  std::vector<DashSegment> out;
  for (const int64_t d : durations) {
    out.push_back({first++, time, d});
    time += d;
  }
  return out;
}

inline DashRepresentation Video(std::string id, std::string codecs, uint64_t bandwidth, int width,
                                int height, std::optional<double> fps, int64_t init,
                                std::vector<DashSegment> segments) {
  DashRepresentation rep;
  rep.codecs = std::move(codecs);
  rep.bandwidth = bandwidth;
  rep.width = width;
  rep.height = height;
  rep.frame_rate = fps;
  rep.init_uri = id + "/" + InitUri(init);
  rep.media_template = id + "/seg$Number$.m4s";
  rep.id = std::move(id);
  rep.segments = std::move(segments);
  return rep;
}

inline DashRepresentation Audio(int64_t init, std::vector<DashSegment> segments) {
  DashRepresentation rep =
      Video("audio", "mp4a.40.2", 130'000, 0, 0, std::nullopt, init, std::move(segments));
  rep.sampling_rate = 48'000;
  rep.channels = 2;
  rep.timescale = 48'000;
  return rep;
}

inline DashManifestModel Live(std::vector<DashPeriod> periods, int64_t publish_ms) {
  DashManifestModel model;
  model.availability_start_ms = kT0;
  model.publish_ms = publish_ms;
  model.max_segment_duration_ms = 2100;
  model.utc_timing_uri = "/time";
  model.base_url = "../hls/pb_x/";
  model.periods = std::move(periods);
  return model;
}

// One period, a four-rung ladder and audio; the window holds segments 100..105.
inline DashManifestModel Ladder() {
  const std::vector<int64_t> d = {kTwoSeconds, kTwoSeconds, kTwoSeconds,
                                  183'003,     kTwoSeconds, kTwoSeconds};
  const std::vector<DashSegment> v = Segments(100, 100 * kTwoSeconds, d);
  DashPeriod period;
  period.id = "0";
  period.video = {Video("src", "avc1.640028", 6'000'000, 1920, 1080, 30.0, 0, v),
                  Video("720p", "avc1.64001f", 3'000'000, 1280, 720, 30.0, 0, v),
                  Video("480p", "avc1.64001e", 1'400'000, 854, 480, 30.0, 0, v),
                  Video("360p", "avc1.640015", 800'000, 640, 360, 30.0, 0, v)};
  period.audio = Audio(0, Segments(100, 9'600'000, {96256, 95232, 96256, 96256, 96256, 95232}));
  return Live({period}, kT0 + 212'100);
}

// A reconnect: segments 10..12, then a new publisher (new init, timestamps from 3 s) at 26 s.
inline DashManifestModel Reconnect() {
  DashPeriod first;
  first.id = "0";
  const auto v1 = Segments(10, 10 * kTwoSeconds, {kTwoSeconds, kTwoSeconds, kTwoSeconds});
  first.video = {Video("720p", "avc1.64001f", 3'000'000, 1280, 720, 30.0, 0, v1),
                 Video("360p", "avc1.640015", 800'000, 640, 360, 30.0, 0, v1)};
  first.audio = Audio(0, Segments(10, 960'000, {96256, 95232, 96256}));
  DashPeriod second;
  second.id = "13";
  second.start_ms = 26'000;
  second.presentation_time_offset_video = 270'000;
  second.presentation_time_offset_audio = 144'000;
  const auto v2 = Segments(13, 270'000, {kTwoSeconds, kTwoSeconds, kTwoSeconds});
  second.video = {Video("720p", "avc1.64001f", 3'000'000, 1280, 720, 30.0, 1, v2),
                  Video("360p", "avc1.640015", 800'000, 640, 360, 30.0, 1, v2)};
  second.audio = Audio(1, Segments(13, 144'000, {96256, 95232, 96256}));
  return Live({first, second}, kT0 + 32'100);
}

// The broadcast ended after 11.2 s: a static MPD with every segment.
inline DashManifestModel Ended() {
  DashPeriod period;
  period.id = "0";
  const auto v =
      Segments(0, 0, {kTwoSeconds, kTwoSeconds, kTwoSeconds, kTwoSeconds, kTwoSeconds, 108'000});
  period.video = {Video("src", "avc1.64001f", 2'500'000, 1280, 720, 29.97, 0, v)};
  period.audio = Audio(0, Segments(0, 0, {96256, 95232, 96256, 96256, 95232, 58368}));
  DashManifestModel model = Live({period}, kT0 + 12'000);
  model.dynamic = false;
  model.media_presentation_duration_ms = 11'200;
  return model;
}

inline DashManifestModel FinalSnapshot() {
  DashManifestModel model = Ladder();
  model.periods.back().duration_ms = 212'034;  // the last video segment ends at 212.0334 s
  return model;
}

inline DashManifestModel Signed() {
  DashManifestModel model = Ladder();
  model.periods[0].video.resize(1);
  model.query_suffix = "?token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwYl94In0.c2ln-_A";
  return model;
}

inline DashManifestModel FrameRates() {
  DashManifestModel model = Ladder();
  const double rates[] = {30.0, 29.97, 25.0, 60.0};
  for (size_t i = 0; i < 4; ++i) model.periods[0].video[i].frame_rate = rates[i];
  return model;
}

inline DashManifestModel AudioOnly() {
  DashManifestModel model = Ladder();
  model.periods[0].video.clear();
  model.periods[0].audio->lang = "en";
  return model;
}

}  // namespace steadycast::package::testing
