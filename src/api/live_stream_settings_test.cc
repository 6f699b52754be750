#include "api/live_stream_settings.h"

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace steadycast::api {
namespace {

struct InvalidCase {
  std::string body;
  std::string field;  // the field the (first) error must name
};

// Concatenation without `const char* + std::string`, which trips a GCC 12 -O3 -Wrestrict
// false positive (GCC bug 105329).
std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) out.append(part);
  return out;
}

std::string Metadata(int keys, size_t value_chars) {
  nlohmann::json m = nlohmann::json::object();
  for (int i = 0; i < keys; ++i) m[Cat({"k", std::to_string(i)})] = std::string(value_chars, 'v');
  return nlohmann::json{{"metadata", m}}.dump();
}

TEST(LiveStreamSettingsTest, EmptyBodyAndEmptyObjectSetNothing) {
  for (const char* body : {"", "{}", " { } "}) {
    auto r = ParseLiveStreamSettings(body, SettingsMode::kCreate);
    ASSERT_TRUE(r.ok()) << body;
    store::LiveStream s, defaults;
    ApplySettings(r.settings, s);
    EXPECT_EQ(s, defaults);
    EXPECT_FALSE(r.settings.playback_policy.has_value());
  }
}

TEST(LiveStreamSettingsTest, EveryFieldAtItsLimits) {
  const std::string body = R"({
    "srt_passphrase": "0123456789", "reconnect_window": 1800, "latency_mode": "low",
    "ladder": [{"height": 2160, "video_kbps": 50000}, {"height": 144, "video_kbps": 100}],
    "slate": false, "takeover": "newest", "playback_policy": "signed",
    "metadata": {"team": "é€😀"}})";
  auto r = ParseLiveStreamSettings(body, SettingsMode::kCreate);
  ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "json" : r.errors[0].field);
  store::LiveStream s;
  ApplySettings(r.settings, s);
  EXPECT_EQ(s.srt_passphrase, "0123456789");
  EXPECT_EQ(s.reconnect_window, 1800);
  EXPECT_EQ(s.latency_mode, "low");
  EXPECT_EQ(s.ladder_json,
            R"([{"height":2160,"video_kbps":50000},{"height":144,"video_kbps":100}])");
  EXPECT_FALSE(s.slate);
  EXPECT_EQ(s.takeover, "newest");
  EXPECT_EQ(*r.settings.playback_policy, "signed");
  EXPECT_EQ(nlohmann::json::parse(s.metadata_json)["team"], "é€😀");
}

TEST(LiveStreamSettingsTest, ValidAlternatives) {
  const std::vector<std::string> bodies = {
      R"({"srt_passphrase": null})",
      Cat({R"({"srt_passphrase": ")", std::string(79, 'p'), "\"}"}),
      R"({"reconnect_window": 0})",
      R"({"ladder": "default"})",
      R"({"ladder": "passthrough"})",
      R"({"ladder": [{"video_kbps": 3000, "height": 720}]})",
      R"({"latency_mode": "standard", "takeover": "silent-only", "playback_policy": "public"})",
      Metadata(16, 255),
      R"({"metadata": {}})",
      Cat({R"({"metadata": {"k": ")", std::string(255, 'x'), "\"}}"}),
  };
  for (const std::string& body : bodies) {
    auto r = ParseLiveStreamSettings(body, SettingsMode::kCreate);
    EXPECT_TRUE(r.ok()) << body << " → " << (r.errors.empty() ? "json" : r.errors[0].field);
  }
  store::LiveStream s;
  s.srt_passphrase = "was-set-before";
  ApplySettings(
      ParseLiveStreamSettings(R"({"srt_passphrase": null})", SettingsMode::kUpdate).settings, s);
  EXPECT_FALSE(s.srt_passphrase.has_value());
  ApplySettings(
      ParseLiveStreamSettings(R"({"ladder":"passthrough"})", SettingsMode::kUpdate).settings, s);
  EXPECT_EQ(s.ladder_json, "\"passthrough\"");
}

TEST(LiveStreamSettingsTest, InvalidFieldsNameTheField) {
  const std::vector<InvalidCase> cases = {
      {R"({"bogus": 1})", "bogus"},
      {R"({"reconnect_window": -1})", "reconnect_window"},
      {R"({"reconnect_window": 1801})", "reconnect_window"},
      {R"({"reconnect_window": "60"})", "reconnect_window"},
      {R"({"reconnect_window": 60.5})", "reconnect_window"},
      {R"({"reconnect_window": 1e2})", "reconnect_window"},
      {R"({"reconnect_window": null})", "reconnect_window"},
      {R"({"reconnect_window": 18446744073709551615})", "reconnect_window"},
      {R"({"reconnect_window": true})", "reconnect_window"},
      {R"({"srt_passphrase": "short"})", "srt_passphrase"},
      {Cat({R"({"srt_passphrase": ")", std::string(80, 'p'), "\"}"}), "srt_passphrase"},
      {R"({"srt_passphrase": 1234567890})", "srt_passphrase"},
      {R"({"latency_mode": "ultra"})", "latency_mode"},
      {R"({"latency_mode": "LOW"})", "latency_mode"},
      {R"({"ladder": "custom"})", "ladder"},
      {R"({"ladder": []})", "ladder"},
      {R"({"ladder": {}})", "ladder"},
      {R"({"ladder": [1]})", "ladder[0]"},
      {R"({"ladder": [{"height": 720}]})", "ladder[0].video_kbps"},
      {R"({"ladder": [{"height": 143, "video_kbps": 3000}]})", "ladder[0].height"},
      {R"({"ladder": [{"height": 2161, "video_kbps": 3000}]})", "ladder[0].height"},
      {R"({"ladder": [{"height": 720, "video_kbps": 99}]})", "ladder[0].video_kbps"},
      {R"({"ladder": [{"height": 720, "video_kbps": 50001}]})", "ladder[0].video_kbps"},
      {R"({"ladder": [{"height": 720, "video_kbps": 3000, "fps": 30}]})", "ladder[0].fps"},
      {R"({"ladder": [{"height": 720, "video_kbps": 3000}, {"height": 720, "video_kbps": 1000}]})",
       "ladder[1].height"},
      {R"({"ladder": [{"height":144,"video_kbps":100},)"
       R"({"height":240,"video_kbps":100},{"height":360,"video_kbps":100},)"
       R"({"height":480,"video_kbps":100},{"height":540,"video_kbps":100},)"
       R"({"height":720,"video_kbps":100},{"height":1080,"video_kbps":100},)"
       R"({"height":1440,"video_kbps":100},{"height":2160,"video_kbps":100}]})",
       "ladder"},
      {R"({"slate": "true"})", "slate"},
      {R"({"slate": 1})", "slate"},
      {R"({"takeover": "oldest"})", "takeover"},
      {R"({"playback_policy": "private"})", "playback_policy"},
      {R"({"metadata": []})", "metadata"},
      {R"({"metadata": "x"})", "metadata"},
      {R"({"metadata": {"n": 1}})", "metadata.n"},
      {R"({"metadata": {"n": null}})", "metadata.n"},
      {R"({"metadata": {"n": {"nested": "x"}}})", "metadata.n"},
      {Cat({R"({"metadata": {"k": ")", std::string(256, 'x'), "\"}}"}), "metadata.k"},
      {R"({"metadata": {"": "x"}})", "metadata."},
      {Metadata(17, 1), "metadata"},
      {"[]", ""},
      {"42", ""},
      {"null", ""},
  };
  for (const InvalidCase& c : cases) {
    auto r = ParseLiveStreamSettings(c.body, SettingsMode::kCreate);
    EXPECT_FALSE(r.json_error) << c.body;
    ASSERT_FALSE(r.errors.empty()) << c.body;
    EXPECT_EQ(r.errors[0].field, c.field) << c.body;
    EXPECT_FALSE(r.errors[0].message.empty()) << c.body;
  }
}

TEST(LiveStreamSettingsTest, UnknownFieldMessageMatchesContract) {
  auto r = ParseLiveStreamSettings(R"({"x": 1})", SettingsMode::kCreate);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], (FieldError{"x", "unknown field"}));
}

TEST(LiveStreamSettingsTest, AllErrorsAreReportedAtOnce) {
  auto r = ParseLiveStreamSettings(
      R"({"reconnect_window": -1, "slate": 0, "ladder": [{"height": 1}], "zzz": 0})",
      SettingsMode::kCreate);
  std::vector<std::string> fields;
  for (const FieldError& e : r.errors) fields.push_back(e.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"reconnect_window", "ladder[0].height",
                                              "ladder[0].video_kbps", "slate", "zzz"}));
}

TEST(LiveStreamSettingsTest, PlaybackPolicyOnlyOnCreate) {
  auto r = ParseLiveStreamSettings(R"({"playback_policy": "public"})", SettingsMode::kUpdate);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].field, "playback_policy");
}

TEST(LiveStreamSettingsTest, MalformedJsonIsAJsonError) {
  for (const char* body : {"{", "{\"a\":}", "nul", "{\"a\":1} x", "\xff", "{'a':1}"}) {
    auto r = ParseLiveStreamSettings(body, SettingsMode::kCreate);
    EXPECT_TRUE(r.json_error) << body;
    EXPECT_FALSE(r.ok());
  }
}

TEST(LiveStreamSettingsTest, DeepNestingIsRejectedWithoutCrashing) {
  const std::string deep =
      Cat({R"({"metadata":)", std::string(30000, '['), std::string(30000, ']'), "}"});
  auto r = ParseLiveStreamSettings(deep, SettingsMode::kCreate);
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace steadycast::api
