// Low-latency media playlists (RFC 8216bis §4.4.3.7–§4.4.5.4, §6.2.5) and the master's audio
// rendition: golden texts under testdata/ll_*.m3u8 (STEADYCAST_UPDATE_GOLDEN=1 rewrites them;
// review the diff), plus properties a player relies on (parts add up to their segment, a delta
// update lists the same tail as the full playlist).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "formats/fmp4/fmp4_test_util.h"
#include "package/playlist.h"

namespace steadycast::package {
namespace {

using formats::fmp4::testing::MatchesGolden;

constexpr int64_t kT0 = 1'700'000'000'000;  // 2023-11-14T22:13:20.000Z

std::string Golden(const std::string& name) {
  return std::string(PACKAGE_TESTDATA_DIR) + "/" + name;
}

// A complete segment of `part_us` parts (the first independent); the last part takes the rest.
PlaylistSegment Segment(uint64_t sequence, int64_t duration_us, int64_t start_ms,
                        int64_t init_index = 0, int64_t part_us = 500'000) {
  PlaylistSegment s;
  s.sequence = sequence;
  s.duration_ms = (duration_us + 500) / 1000;
  s.program_date_ms = start_ms;
  s.init_index = init_index;
  int64_t left = duration_us;
  for (uint32_t m = 0; left > 0; ++m) {
    const int64_t d = std::min(left, part_us);
    s.parts.push_back({m, d, m == 0, false});
    left -= d;
  }
  return s;
}

// The segment in progress with `count` parts of 0.5 s so far.
PlaylistSegment InProgress(uint64_t sequence, int64_t start_ms, uint32_t count,
                           int64_t init_index = 0) {
  PlaylistSegment s = Segment(sequence, int64_t{500'000} * count, start_ms, init_index);
  s.complete = false;
  s.duration_ms = 0;
  return s;
}

LowLatency LowLatencyFor(uint64_t hint_sequence, uint32_t hint_index) {
  LowLatency ll;
  ll.preload_hint = PlaylistPart{hint_index};
  ll.hint_sequence = hint_sequence;
  // The other renditions may be up to one part ahead (RFC 8216bis Appendix B.1).
  ll.rendition_reports = {{"../480p/index.m3u8", hint_sequence, hint_index},
                          {"../audio/index.m3u8", hint_sequence, hint_index}};
  return ll;
}

// Two complete segments old enough to show no parts, two within the last three target
// durations with theirs, and the segment in progress with two parts.
MediaPlaylistModel LiveModel() {
  MediaPlaylistModel model;
  model.target_duration_s = 2;
  model.segments = {Segment(10, 2'000'000, kT0), Segment(11, 2'000'000, kT0 + 2000),
                    Segment(12, 2'000'000, kT0 + 4000), Segment(13, 1'966'667, kT0 + 6000),
                    InProgress(14, kT0 + 7967, 2)};
  model.low_latency = LowLatencyFor(14, 2);
  return model;
}

// Twelve segments of 2 s after a discontinuity and an init change at 32, another
// discontinuity at 36, one part of 40 in progress.
MediaPlaylistModel LongModel() {
  MediaPlaylistModel model;
  model.version = 8;
  model.target_duration_s = 2;
  model.discontinuity_sequence = 5;
  for (uint64_t n = 30; n < 40; ++n) {
    const int64_t start = kT0 + static_cast<int64_t>(n - 30) * 2000;
    model.segments.push_back(Segment(n, 2'000'000, start, n < 32 ? 0 : 1));
  }
  model.segments[2].discontinuity = true;
  model.segments[6].discontinuity = true;
  model.segments.push_back(InProgress(40, kT0 + 20'000, 1, 1));
  model.low_latency = LowLatencyFor(40, 1);
  return model;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Segment URI lines, in order.
std::vector<std::string> SegmentUris(const std::string& text) {
  std::vector<std::string> uris;
  for (const std::string& line : Lines(text)) {
    if (!line.empty() && line[0] != '#') uris.push_back(line);
  }
  return uris;
}

TEST(PlaylistLowLatencyTest, StandardModelsIgnoreTheLowLatencyFields) {
  MediaPlaylistModel with_parts = LiveModel();
  with_parts.low_latency.reset();
  with_parts.version = 7;
  MediaPlaylistModel plain = with_parts;
  plain.segments.pop_back();
  for (PlaylistSegment& s : plain.segments) s.parts.clear();
  const std::string text = RenderMediaPlaylist(plain);
  EXPECT_EQ(RenderMediaPlaylist(with_parts), text);  // no parts, no segment in progress
  EXPECT_EQ(text.find("PART"), std::string::npos) << text;
  EXPECT_NE(text.find("#EXT-X-VERSION:7\n"), std::string::npos) << text;
}

TEST(PlaylistLowLatencyTest, LiveEdgeWithPartsHintAndReports) {
  const std::string text = RenderMediaPlaylist(LiveModel());
  EXPECT_TRUE(MatchesGolden(Golden("ll_live.m3u8"), text)) << text;
}

TEST(PlaylistLowLatencyTest, InProgressSegmentAfterDiscontinuityWithNewInit) {
  MediaPlaylistModel model;
  model.target_duration_s = 2;
  model.discontinuity_sequence = 1;
  model.segments = {Segment(20, 2'000'000, kT0), Segment(21, 1'500'000, kT0 + 2000),
                    InProgress(22, kT0 + 9000, 1, 1)};
  model.segments[2].discontinuity = true;
  model.low_latency = LowLatencyFor(22, 1);
  const std::string text = RenderMediaPlaylist(model);
  EXPECT_TRUE(MatchesGolden(Golden("ll_discontinuity.m3u8"), text)) << text;

  // Before its first part the new segment shows nothing but the hints: its part 0, and the
  // init it needs (RFC 8216bis Appendix B.1).
  model.segments[2].parts.clear();
  model.low_latency = LowLatencyFor(22, 0);
  model.low_latency->rendition_reports.clear();  // tested above
  const std::string before = RenderMediaPlaylist(model);
  const std::string tail =
      "seg21.m4s\n"
      "#EXT-X-PRELOAD-HINT:TYPE=MAP,URI=\"init1.mp4\"\n"
      "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part22.0.m4s\"\n";
  ASSERT_GE(before.size(), tail.size());
  EXPECT_EQ(before.substr(before.size() - tail.size()), tail) << before;
  EXPECT_EQ(before.find("#EXT-X-DISCONTINUITY\n"), std::string::npos) << before;

  // The same init as the last segment: no MAP hint.
  model.segments[2].init_index = 0;
  EXPECT_EQ(RenderMediaPlaylist(model).find("TYPE=MAP"), std::string::npos);
}

TEST(PlaylistLowLatencyTest, DeltaUpdateSkipsSegmentsBeyondTheSkipBoundary) {
  MediaPlaylistModel model = LongModel();
  const std::string full = RenderMediaPlaylist(model);
  EXPECT_TRUE(MatchesGolden(Golden("ll_full.m3u8"), full)) << full;
  model.low_latency->skip = true;
  const std::string delta = RenderMediaPlaylist(model);
  EXPECT_TRUE(MatchesGolden(Golden("ll_delta.m3u8"), delta)) << delta;

  // 20.5 s listed, boundary 12 s: segments ending at 2, 4, 6 and 8 s are skipped (8.5 s is
  // the newest end that may go); the sequence numbers and the version stay the full one's.
  EXPECT_NE(delta.find("#EXT-X-SKIP:SKIPPED-SEGMENTS=4\n"), std::string::npos);
  for (const char* same :
       {"#EXT-X-VERSION:9\n", "#EXT-X-MEDIA-SEQUENCE:30\n", "#EXT-X-DISCONTINUITY-SEQUENCE:5\n"}) {
    EXPECT_NE(full.find(same), std::string::npos) << same;
    EXPECT_NE(delta.find(same), std::string::npos) << same;
  }
  // Merged with the previous copy (§6.3.7), the delta names the same segments.
  std::vector<std::string> full_uris = SegmentUris(full);
  full_uris.erase(full_uris.begin(), full_uris.begin() + 4);
  EXPECT_EQ(SegmentUris(delta), full_uris);
  // The tail after the first listed segment is the full playlist's, byte for byte.
  const std::string from = "#EXTINF:2.000,\nseg34.m4s\n";
  ASSERT_NE(delta.find(from), std::string::npos);
  EXPECT_EQ(delta.substr(delta.find(from)), full.substr(full.find(from)));
}

TEST(PlaylistLowLatencyTest, DeltaUpdateIsIgnoredWhereTheSpecSaysSo) {
  MediaPlaylistModel model = LongModel();
  model.low_latency->skip = true;
  model.low_latency->can_skip_until_us = 0;  // no CAN-SKIP-UNTIL advertised (§6.2.5.1)
  const std::string no_boundary = RenderMediaPlaylist(model);
  EXPECT_EQ(no_boundary.find("EXT-X-SKIP"), std::string::npos) << no_boundary;
  EXPECT_EQ(no_boundary.find("CAN-SKIP-UNTIL"), std::string::npos) << no_boundary;
  EXPECT_NE(no_boundary.find("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.5\n"),
            std::string::npos)
      << no_boundary;

  model.low_latency->can_skip_until_us = 100'000'000;  // nothing that far back
  EXPECT_EQ(RenderMediaPlaylist(model).find("EXT-X-SKIP"), std::string::npos);
}

TEST(PlaylistLowLatencyTest, EndedPlaylistHasNoHintAndIgnoresSkip) {
  MediaPlaylistModel model = LiveModel();
  model.segments.back() = Segment(14, 1'000'000, kT0 + 7967);  // the last one finished
  model.ended = true;
  model.low_latency->skip = true;
  model.low_latency->can_skip_until_us = 1'000'000;
  for (RenditionReport& r : model.low_latency->rendition_reports) r.last_part = 1;  // ended too
  const std::string text = RenderMediaPlaylist(model);
  EXPECT_TRUE(MatchesGolden(Golden("ll_ended.m3u8"), text)) << text;
  EXPECT_EQ(text.find("PRELOAD-HINT"), std::string::npos) << text;
  EXPECT_EQ(text.find("EXT-X-SKIP"), std::string::npos) << text;
}

// Every complete segment that lists parts: their DURATIONs add up to its EXTINF (which is
// rounded to the millisecond), and each part is listed before its parent's EXTINF.
TEST(PlaylistLowLatencyTest, PartDurationsAddUpToTheirSegment) {
  MediaPlaylistModel uneven = LiveModel();
  uneven.segments[3] = Segment(13, 2'002'002, kT0 + 6000, 0, 333'667);  // 6 parts, 29.97 fps
  uneven.low_latency->part_target_us = 333'667;
  for (const MediaPlaylistModel& model : {LiveModel(), LongModel(), uneven}) {
    const std::string text = RenderMediaPlaylist(model);
    double parts_s = 0;
    int segments_with_parts = 0;
    std::string parent;
    for (const std::string& line : Lines(text)) {
      if (line.rfind("#EXT-X-PART:DURATION=", 0) == 0) {
        parts_s += std::strtod(line.c_str() + 21, nullptr);
        const size_t uri = line.find("URI=\"part");
        ASSERT_NE(uri, std::string::npos) << line;
        const std::string seq = line.substr(uri + 9, line.find('.', uri) - uri - 9);
        if (!parent.empty()) {
          EXPECT_EQ(seq, parent) << line;
        }
        parent = seq;
      } else if (line.rfind("#EXTINF:", 0) == 0) {
        if (!parent.empty()) {
          EXPECT_NEAR(parts_s, std::strtod(line.c_str() + 8, nullptr), 0.0005 + 1e-9) << text;
          ++segments_with_parts;
        }
        parts_s = 0;
        parent.clear();
      } else if (line.rfind("seg", 0) == 0 && !parent.empty()) {
        ADD_FAILURE() << "parts after EXTINF: " << line;
      }
    }
    EXPECT_EQ(segments_with_parts, 2) << text;
  }
}

TEST(PlaylistLowLatencyTest, DurationsInSecondsAreExactToTheMicrosecond) {
  MediaPlaylistModel model = LiveModel();
  model.low_latency->part_target_us = 333'330;
  model.low_latency->part_hold_back_us = 1'000'000;
  model.low_latency->can_skip_until_us = 12'000'001;
  model.segments.back().parts = {{0, 333'333, true, false}, {1, 1, false, true}};
  model.low_latency->rendition_reports = {{"../src/index.m3u8", 9, std::nullopt}};
  const std::string text = RenderMediaPlaylist(model);
  for (const char* expected :
       {"#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=12.000001,PART-HOLD-BACK=1\n",
        "#EXT-X-PART-INF:PART-TARGET=0.33333\n",
        "#EXT-X-PART:DURATION=0.333333,URI=\"part14.0.m4s\",INDEPENDENT=YES\n",
        "#EXT-X-PART:DURATION=0.000001,URI=\"part14.1.m4s\",GAP=YES\n",
        "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part14.2.m4s\"\n",
        "#EXT-X-RENDITION-REPORT:URI=\"../src/index.m3u8\",LAST-MSN=9\n"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  }
  EXPECT_EQ(PartUri(7, 3), "part7.3.m4s");
  EXPECT_EQ(PartUri(18446744073709551615u, 4294967295u), "part18446744073709551615.4294967295.m4s");
}

TEST(PlaylistLowLatencyTest, EmptyModelRendersTheHeaderAndTheHint) {
  MediaPlaylistModel model;
  model.low_latency = LowLatencyFor(0, 0);
  model.low_latency->rendition_reports.clear();
  const std::string text = RenderMediaPlaylist(model);
  EXPECT_TRUE(
      text.ends_with("#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
                     "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part0.0.m4s\"\n"))
      << text;
}

TEST(PlaylistLowLatencyTest, ModelVersionAboveNineIsKept) {
  MediaPlaylistModel model = LiveModel();
  model.version = 10;
  EXPECT_NE(RenderMediaPlaylist(model).find("#EXT-X-VERSION:10\n"), std::string::npos);
}

}  // namespace
}  // namespace steadycast::package
