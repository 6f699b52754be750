#include "package/dash_manifest.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <regex>
#include <set>

#include "formats/fmp4/fmp4_test_util.h"
#include "package/dash_manifest_test_util.h"

namespace steadycast::package {
namespace {

using namespace steadycast::package::testing;  // NOLINT(google-build-using-namespace)

struct Golden {
  const char* file;
  DashManifestModel (*model)();
};
const Golden kGoldens[] = {
    {"ladder.mpd", Ladder},        {"reconnect.mpd", Reconnect},
    {"ended_static.mpd", Ended},   {"final_dynamic.mpd", FinalSnapshot},
    {"signed.mpd", Signed},        {"frame_rates.mpd", FrameRates},
    {"audio_only.mpd", AudioOnly},
};

class DashGoldenTest : public ::testing::TestWithParam<Golden> {};

TEST_P(DashGoldenTest, ValidConformingAndMatchesGolden) {
  {
    const Golden& golden = GetParam();
    const DashManifestModel model = golden.model();
    const base::Status valid = ValidateDashModel(model);
    EXPECT_TRUE(valid.ok()) << valid.ToString();
    const std::string text = RenderDashManifest(model);
    EXPECT_TRUE(formats::fmp4::testing::MatchesGolden(
        std::string(DASH_TESTDATA_DIR) + "/" + golden.file, text))
        << text;
    ExpectConformingMpd(text, model);
  }
}

INSTANTIATE_TEST_SUITE_P(Goldens, DashGoldenTest, ::testing::ValuesIn(kGoldens),
                         [](const ::testing::TestParamInfo<Golden>& info) {
                           std::string name = info.param.file;
                           name.resize(name.find('.'));
                           std::erase(name, '_');
                           return name;
                         });

TEST(DashManifestTest, FormatsFrameRatesAsFrameRateType) {
  EXPECT_EQ(FormatDashFrameRate(30), "30");
  EXPECT_EQ(FormatDashFrameRate(29.97), "30000/1001");
  EXPECT_EQ(FormatDashFrameRate(30000.0 / 1001.0), "30000/1001");
  EXPECT_EQ(FormatDashFrameRate(25), "25");
  EXPECT_EQ(FormatDashFrameRate(60), "60");
  EXPECT_EQ(FormatDashFrameRate(59.94), "60000/1001");
  EXPECT_EQ(FormatDashFrameRate(23.976), "24000/1001");
  EXPECT_EQ(FormatDashFrameRate(14.985), "15000/1001");
  EXPECT_EQ(FormatDashFrameRate(12.5), "25/2");
  EXPECT_EQ(FormatDashFrameRate(29.9996), "30");
  EXPECT_EQ(FormatDashFrameRate(7.1234567), "577/81");     // the smallest fraction within 1e-6
  EXPECT_EQ(FormatDashFrameRate(17.77701), "17777/1000");  // none: rounded to 1/1000
  EXPECT_EQ(FormatDashFrameRate(0), "0");
  EXPECT_EQ(FormatDashFrameRate(std::nan("")), "0");
}

TEST(DashManifestTest, FormatsDurationsInSeconds) {
  EXPECT_EQ(FormatDashDuration(0), "PT0S");
  EXPECT_EQ(FormatDashDuration(2000), "PT2S");
  EXPECT_EQ(FormatDashDuration(2500), "PT2.5S");
  EXPECT_EQ(FormatDashDuration(2030), "PT2.03S");
  EXPECT_EQ(FormatDashDuration(12'345), "PT12.345S");
  EXPECT_EQ(FormatDashDuration(86'400'001), "PT86400.001S");  // no days (timing model)
  EXPECT_EQ(FormatDashDuration(-1500), "-PT1.5S");
  EXPECT_EQ(FormatDashDuration(std::numeric_limits<int64_t>::min()), "-PT9223372036854775.808S");
}

TEST(DashManifestTest, QuerySuffixKeepsTemplatesAndQueriesIntact) {
  DashManifestModel model = Signed();
  model.query_suffix = "?token=a$b&c";
  model.periods[0].video[0].init_uri = "src/init.mp4?v=2";
  const std::string text = RenderDashManifest(model);
  // '$' doubled inside templates only (23009-1 5.3.9.4.4), '&' escaped, '?' joined with '&'.
  EXPECT_NE(text.find(R"(initialization="src/init.mp4?v=2&amp;token=a$$b&amp;c")"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(media="src/seg$Number$.m4s?token=a$$b&amp;c")"), std::string::npos);
  EXPECT_NE(text.find(R"(value="/time?token=a$b&amp;c")"), std::string::npos);
  ExpectConformingMpd(text, model);
  for (const char* absolute : {"https://time.example/now", "//time.example/now"}) {
    model.utc_timing_uri = absolute;  // another origin never gets the token
    EXPECT_NE(RenderDashManifest(model).find(fmt::format("value=\"{}\"", absolute)),
              std::string::npos);
  }
}

TEST(DashManifestTest, EscapesEveryAttributeValue) {
  DashManifestModel model = Signed();
  model.base_url = "../hls/a&b<c>/";
  model.periods[0].id = "p\"'<&>";
  model.periods[0].video[0].id = "x\"y";
  model.periods[0].video[0].codecs = "avc1\t\n\r\x01";
  model.periods[0].audio->codecs = "mp4a\xC3\xA9\xC3(\xED\xA0\x80";  // é, truncated, surrogate
  const std::string text = RenderDashManifest(model);
  EXPECT_NE(text.find("<BaseURL>../hls/a&amp;b&lt;c&gt;/</BaseURL>"), std::string::npos);
  EXPECT_NE(text.find(R"(id="p&quot;&apos;&lt;&amp;&gt;")"), std::string::npos);
  EXPECT_NE(text.find("codecs=\"avc1&#9;&#10;&#13;\xEF\xBF\xBD\""), std::string::npos);
  EXPECT_NE(text.find("codecs=\"mp4a\xC3\xA9\xEF\xBF\xBD(\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""),
            std::string::npos)
      << text;
  XmlChecker checker(text);
  EXPECT_TRUE(checker.Parse().has_value()) << checker.error();
  EXPECT_FALSE(ValidateDashModel(model).ok());
}

// Whatever the model holds, the output is well-formed XML (the renderer never fails).
TEST(DashManifestTest, RandomModelsRenderWellFormedXml) {
  std::mt19937_64 rng(20240601);
  const std::string alphabet = std::string("abc$%&<>\"'?=/ .-_\t\n\x01\x7f") + "\xc3\xa9";
  const auto text = [&](size_t max) {
    std::string out(rng() % (max + 1), ' ');
    for (char& c : out) c = alphabet[rng() % alphabet.size()];
    return out;
  };
  for (int round = 0; round < 300; ++round) {
    DashManifestModel model = round % 2 ? Reconnect() : Ladder();
    model.dynamic = rng() % 3 != 0;
    model.query_suffix = text(12);
    model.base_url = text(8);
    model.utc_timing_uri = text(8);
    if (rng() % 4 == 0) model.media_presentation_duration_ms = static_cast<int64_t>(rng());
    for (DashPeriod& period : model.periods) {
      period.id = text(4);
      period.start_ms = static_cast<int64_t>(rng() % 100'000) - 50'000;
      if (rng() % 3 == 0) period.duration_ms = static_cast<int64_t>(rng() % 10'000);
      for (DashRepresentation& rep : period.video) {
        rep.id = text(6);
        rep.media_template = text(10);
        if (rng() % 2) rep.frame_rate = static_cast<double>(rng() % 100'000) / 997.0;
        if (rng() % 4 == 0) rep.segments.resize(rng() % (rep.segments.size() + 1));
        for (DashSegment& s : rep.segments) {
          if (rng() % 5 == 0) s.time = static_cast<int64_t>(rng());
        }
      }
      if (rng() % 3 == 0) period.audio.reset();
    }
    const std::string rendered = RenderDashManifest(model);
    XmlChecker checker(rendered);
    ASSERT_TRUE(checker.Parse().has_value()) << checker.error() << "\n" << rendered;
  }
}

TEST(DashManifestTest, XmlCheckerRejectsMalformedDocuments) {
  const char* bad[] = {
      "<MPD/>",                                   // no declaration
      "<?xml version=\"1.0\"?>\n<a><b></a></b>",  // crossed tags
      "<?xml version=\"1.0\"?>\n<a x=\"1\" x=\"2\"/>",
      "<?xml version=\"1.0\"?>\n<a x=\"<\"/>",
      "<?xml version=\"1.0\"?>\n<a x=\"&nbsp;\"/>",
      "<?xml version=\"1.0\"?>\n<a x=\"&amp\"/>",
      "<?xml version=\"1.0\"?>\n<a>\x01</a>",
      "<?xml version=\"1.0\"?>\n<a/><b/>",
      "<?xml version=\"1.0\"?>\n<a x=\"1\"y=\"2\"/>",
      "<?xml version=\"1.0\"?>\n<a>",
      "<?xml version=\"1.0\"?>\n<a x=\"\xC3\"/>",  // truncated UTF-8
  };
  for (const char* doc : bad) {
    XmlChecker checker(doc);
    EXPECT_FALSE(checker.Parse().has_value()) << doc;
  }
  XmlChecker good("<?xml version=\"1.0\"?>\n<a x='&amp;&#10;'>t &gt; <b/></a>\n");
  EXPECT_TRUE(good.Parse().has_value()) << good.error();
}

}  // namespace
}  // namespace steadycast::package
