// ValidateDashModel: one case per rule listed in dash_manifest.h, each breaking exactly that
// rule in an otherwise valid model (the models behind the golden MPDs).

#include <gtest/gtest.h>

#include "package/dash_manifest.h"
#include "package/dash_manifest_test_util.h"

namespace steadycast::package {
namespace {

using namespace steadycast::package::testing;  // NOLINT(google-build-using-namespace)

struct RuleCase {
  const char* name;
  DashManifestModel (*model)();
  void (*mutate)(DashManifestModel&);
  const char* message;  // a substring of the error
};

DashRepresentation& V0(DashManifestModel& m) { return m.periods[0].video[0]; }
DashRepresentation& A0(DashManifestModel& m) { return *m.periods[0].audio; }

constexpr RuleCase kRules[] = {
    // MPD
    {"NoPeriods", Ladder, [](auto& m) { m.periods.clear(); }, "no periods"},
    {"MinBufferTime", Ladder, [](auto& m) { m.min_buffer_time_ms = 0; }, "minBufferTime"},
    {"MaxSegmentDurationZero", Ladder, [](auto& m) { m.max_segment_duration_ms = 0; },
     "maxSegmentDuration must be positive"},
    {"AvailabilityBefore1970", Ladder, [](auto& m) { m.availability_start_ms = -1; }, "1970"},
    {"QuerySuffixWithoutQuestionMark", Signed, [](auto& m) { m.query_suffix = "token=x"; },
     "query_suffix"},
    {"QuerySuffixWithFragment", Signed, [](auto& m) { m.query_suffix = "?t=1#x"; }, "query_suffix"},
    {"QuerySuffixWithSpace", Signed, [](auto& m) { m.query_suffix = "?t=a b"; }, "query_suffix"},
    {"QuerySuffixInvalidUtf8", Signed, [](auto& m) { m.query_suffix = "?t=\xC3"; }, "query_suffix"},
    {"UtcTimingWithSpace", Ladder, [](auto& m) { m.utc_timing_uri = "/a /b"; }, "utc_timing_uri"},
    {"BaseUrlControlCharacter", Ladder, [](auto& m) { m.base_url = "a\nb"; }, "base_url"},
    {"DynamicWithoutUtcTiming", Ladder, [](auto& m) { m.utc_timing_uri.clear(); }, "UTCTiming"},
    {"NegativeMinimumUpdatePeriod", Ladder, [](auto& m) { m.minimum_update_period_ms = -1; },
     "minimumUpdatePeriod"},
    {"EmptyTimeShiftBuffer", Ladder, [](auto& m) { m.time_shift_buffer_depth_ms = 0; },
     "suggestedPresentationDelay < timeShiftBufferDepth"},
    {"DelayNotInsideTimeShiftBuffer", Ladder,
     [](auto& m) { m.suggested_presentation_delay_ms = m.time_shift_buffer_depth_ms; },
     "suggestedPresentationDelay < timeShiftBufferDepth"},
    {"StaticWithoutDuration", Ended, [](auto& m) { m.media_presentation_duration_ms.reset(); },
     "mediaPresentationDuration"},
    {"StaticDurationBeforeLastStart", Ended, [](auto& m) { m.media_presentation_duration_ms = 0; },
     "mediaPresentationDuration"},
    {"StaticLastPeriodDisagrees", Ended, [](auto& m) { m.periods[0].duration_ms = 11'000; },
     "disagrees with mediaPresentationDuration"},
    // Period
    {"PeriodIdEmpty", Ladder, [](auto& m) { m.periods[0].id.clear(); }, "id empty"},
    {"PeriodIdDuplicate", Reconnect, [](auto& m) { m.periods[1].id = "0"; }, "duplicate period id"},
    {"PeriodStartNegative", Ladder, [](auto& m) { m.periods[0].start_ms = -1; }, "start out of"},
    {"PeriodsNotIncreasing", Reconnect, [](auto& m) { m.periods[1].start_ms = 0; },
     "does not start later"},
    {"EarlierPeriodDurationLeavesGap", Reconnect,
     [](auto& m) { m.periods[0].duration_ms = 25'000; }, "disagrees with the next period's start"},
    {"FinalPeriodDurationZero", Ladder, [](auto& m) { m.periods[0].duration_ms = 0; },
     "duration must be positive"},
    {"PeriodWithoutRepresentations", Ladder,
     [](auto& m) {
       m.periods[0].video.clear();
       m.periods[0].audio.reset();
     },
     "no representations"},
    {"NegativePresentationTimeOffset", Ladder,
     [](auto& m) { m.periods[0].presentation_time_offset_audio = -1; }, "presentationTimeOffset"},
    // Representation
    {"RepresentationIdWithSpace", Ladder, [](auto& m) { V0(m).id = "a b"; }, "whitespace"},
    {"DuplicateRepresentationId", Ladder, [](auto& m) { A0(m).id = "src"; }, "duplicate id 'src'"},
    {"MultiplexedCodecs", Ladder, [](auto& m) { V0(m).codecs = "avc1.64001f,mp4a.40.2"; },
     "exactly one codec"},
    {"BandwidthZero", Ladder, [](auto& m) { V0(m).bandwidth = 0; }, "bandwidth"},
    {"BandwidthBeyondUnsignedInt", Ladder, [](auto& m) { V0(m).bandwidth = uint64_t{1} << 32; },
     "bandwidth"},
    {"TimescaleZero", Ladder, [](auto& m) { V0(m).timescale = 0; }, "timescale must be positive"},
    {"VideoWithoutSize", Ladder, [](auto& m) { V0(m).width = 0; }, "width and height"},
    {"FrameRateNotPositive", Ladder, [](auto& m) { V0(m).frame_rate = -1.0; }, "frame rate"},
    {"AudioWithoutSamplingRate", Ladder, [](auto& m) { A0(m).sampling_rate = 0; }, "sampling_rate"},
    {"AudioTimescaleNotSampleRate", Ladder, [](auto& m) { A0(m).timescale = 90'000; },
     "audio timescale"},
    {"AudioChannelsWithoutLayout", Ladder, [](auto& m) { A0(m).channels = 7; }, "channels"},
    {"AudioLangNotBcp47", Ladder, [](auto& m) { A0(m).lang = "en us"; }, "lang"},
    // Templates
    {"InitUriEmpty", Ladder, [](auto& m) { V0(m).init_uri.clear(); }, "init_uri empty"},
    {"InitUriWithNumber", Ladder, [](auto& m) { V0(m).init_uri = "src/init$Number$.mp4"; },
     "init_uri must not use"},
    {"MediaWithoutNumber", Ladder, [](auto& m) { V0(m).media_template = "src/seg.m4s"; },
     "exactly one $Number$ or $Time$"},
    {"MediaWithNumberAndTime", Ladder,
     [](auto& m) { V0(m).media_template = "src/$Time$-$Number$.m4s"; }, "exactly one"},
    {"UnknownTemplateIdentifier", Ladder,
     [](auto& m) { V0(m).media_template = "src/$Index$/$Number$.m4s"; }, "unknown template"},
    {"UnterminatedDollar", Ladder, [](auto& m) { V0(m).media_template = "src/$Number$.m4s$"; },
     "unterminated"},
    {"FormatTagOnRepresentationId", Ladder,
     [](auto& m) { V0(m).media_template = "$RepresentationID%05d$/$Number$.m4s"; },
     "bad format tag"},
    // Segments
    {"NoSegments", Ladder, [](auto& m) { V0(m).segments.clear(); }, "no segments"},
    {"NumbersNotConsecutive", Ladder, [](auto& m) { V0(m).segments[3].number += 1; },
     "numbers not consecutive"},
    {"StartNumberBeyondUnsignedInt", Ladder,
     [](auto& m) { V0(m).segments = Segments(uint64_t{1} << 32, 0, {kTwoSeconds}); },
     "startNumber"},
    {"NegativeTime", Ladder, [](auto& m) { V0(m).segments[0].time = -1; }, "time >= 0"},
    {"ZeroDuration", Ladder, [](auto& m) { V0(m).segments.back().duration = 0; }, "duration > 0"},
    {"BeyondTwoToThe53", Ladder,
     [](auto& m) { V0(m).segments = Segments(100, (int64_t{1} << 53) - 1000, {kTwoSeconds}); },
     "2^53"},
    {"TimelineGap", Ladder, [](auto& m) { V0(m).segments[3].time += 1; }, "not contiguous"},
    {"TimelineOverlap", Ladder, [](auto& m) { V0(m).segments[3].time -= 1; }, "not contiguous"},
    {"SegmentLongerThanMax", Ladder, [](auto& m) { m.max_segment_duration_ms = 2000; },
     "segment 103: longer than maxSegmentDuration"},
    {"SegmentBeforePeriodStart", Reconnect,
     [](auto& m) { m.periods[1].presentation_time_offset_video = 270'000 + 3 * kTwoSeconds; },
     "ends before its period starts"},
    {"SegmentAfterPeriodEnd", Reconnect, [](auto& m) { m.periods[1].start_ms = 24'000; },
     "segment 12: starts after its period ends"},
    {"VideoTimescalesDiffer", Ladder,
     [](auto& m) {
       DashRepresentation& rep = m.periods[0].video[1];
       rep.timescale = 180'000;
       for (DashSegment& s : rep.segments) s = {s.number, 2 * s.time, 2 * s.duration};
     },
     "video timescale differs"},
    {"VideoNotAligned", Ladder,
     [](auto& m) {
       for (DashSegment& s : m.periods[0].video[1].segments) ++s.number;
     },
     "not aligned"},
};

class DashRuleTest : public ::testing::TestWithParam<RuleCase> {};

TEST_P(DashRuleTest, RejectsTheBrokenRule) {
  DashManifestModel model = GetParam().model();
  ASSERT_TRUE(ValidateDashModel(model).ok());
  GetParam().mutate(model);
  const base::Status status = ValidateDashModel(model);
  EXPECT_EQ(status.code(), base::ErrorCode::kInvalidArgument);
  EXPECT_NE(status.message().find(GetParam().message), std::string::npos) << status.message();
  EXPECT_EQ(status.message().rfind("dash: ", 0), 0u) << status.message();
}

INSTANTIATE_TEST_SUITE_P(Rules, DashRuleTest, ::testing::ValuesIn(kRules),
                         [](const ::testing::TestParamInfo<RuleCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(DashValidateTest, AcceptsTemplateVariantsAndFinalSnapshots) {
  DashManifestModel model = Ladder();
  V0(model).init_uri = "a$$b/init.mp4";
  V0(model).media_template = "$RepresentationID$/seg-$Number%05d$.m4s";
  model.periods[0].video[1].media_template = "720p/$Time$.m4s";
  EXPECT_TRUE(ValidateDashModel(model).ok()) << ValidateDashModel(model).ToString();
  EXPECT_TRUE(ValidateDashModel(FinalSnapshot()).ok());
  model = Reconnect();
  model.periods[0].duration_ms = 26'000;  // consistent with the next start: accepted, not rendered
  EXPECT_TRUE(ValidateDashModel(model).ok());
  EXPECT_EQ(RenderDashManifest(model), RenderDashManifest(Reconnect()));
}

TEST(DashValidateTest, NamesTheFailingPeriodAndRepresentation) {
  DashManifestModel model = Reconnect();
  model.periods[1].video[1].segments[1].time += 90;
  EXPECT_EQ(ValidateDashModel(model).message(),
            "dash: period '13': representation '360p': segment 14: timeline not contiguous: "
            "starts at 450090, previous ends at 450000");
}

}  // namespace
}  // namespace steadycast::package
