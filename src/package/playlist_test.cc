#include "package/playlist.h"

#include <gtest/gtest.h>

#include "package/segment_window.h"

namespace steadycast::package {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;  // 2023-11-14T22:13:20.000Z

TEST(PlaylistTest, RendersDiscontinuityAndMapChanges) {
  MediaPlaylistModel model;
  model.target_duration_s = 3;
  model.discontinuity_sequence = 2;
  model.segments = {
      {41, 2000, kT0, true, 1},  // first listed segment keeps its tag (§6.2.2 numbering)
      {42, 2533, kT0 + 2000, false, 1},
      {43, 1001, kT0 + 4533, true, 2},
  };
  model.ended = true;
  EXPECT_EQ(RenderMediaPlaylist(model),
            "#EXTM3U\n"
            "#EXT-X-VERSION:7\n"
            "#EXT-X-TARGETDURATION:3\n"
            "#EXT-X-MEDIA-SEQUENCE:41\n"
            "#EXT-X-DISCONTINUITY-SEQUENCE:2\n"
            "#EXT-X-DISCONTINUITY\n"
            "#EXT-X-MAP:URI=\"init1.mp4\"\n"
            "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.000Z\n"
            "#EXTINF:2.000,\n"
            "seg41.m4s\n"
            "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:22.000Z\n"
            "#EXTINF:2.533,\n"
            "seg42.m4s\n"
            "#EXT-X-DISCONTINUITY\n"
            "#EXT-X-MAP:URI=\"init2.mp4\"\n"
            "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:24.533Z\n"
            "#EXTINF:1.001,\n"
            "seg43.m4s\n"
            "#EXT-X-ENDLIST\n");
}

TEST(PlaylistTest, MasterListsEachVariant) {
  VariantStream av{"src", 2'500'000, 2'000'000, "avc1.64001f,mp4a.40.2", 1280, 720, 29.97};
  VariantStream audio_only{"audio", 130'000, 128'000, "mp4a.40.2", 0, 0, std::nullopt};
  EXPECT_EQ(RenderMasterPlaylist({av, audio_only}, "pb_x"),
            "#EXTM3U\n"
            "#EXT-X-VERSION:7\n"
            "#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=2500000,AVERAGE-BANDWIDTH=2000000,"
            "CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=1280x720,FRAME-RATE=29.970\n"
            "pb_x/src/index.m3u8\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=130000,AVERAGE-BANDWIDTH=128000,CODECS=\"mp4a.40.2\"\n"
            "pb_x/audio/index.m3u8\n");
}

TEST(PlaylistTest, MasterWithAudioRendition) {
  // The caller sums BANDWIDTH and appends the audio codec to each variant's CODECS.
  VariantStream hd{"720p", 3'128'000, 2'628'000, "avc1.64001f,mp4a.40.2", 1280, 720, 30.0};
  VariantStream sd{"240p", 728'000, 528'000, "avc1.42c015,mp4a.40.2", 426, 240, std::nullopt};
  AudioRendition audio;
  audio.uri = "pb_x/audio/index.m3u8";
  audio.codecs = "mp4a.40.2";
  const std::string expected =
      "#EXTM3U\n"
      "#EXT-X-VERSION:7\n"
      "#EXT-X-INDEPENDENT-SEGMENTS\n"
      "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",LANGUAGE=\"und\",NAME=\"audio\",DEFAULT=YES,"
      "AUTOSELECT=YES,CHANNELS=\"2\",URI=\"pb_x/audio/index.m3u8\"\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=3128000,AVERAGE-BANDWIDTH=2628000,"
      "CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=1280x720,FRAME-RATE=30.000,AUDIO=\"audio\"\n"
      "pb_x/720p/index.m3u8\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=728000,AVERAGE-BANDWIDTH=528000,"
      "CODECS=\"avc1.42c015,mp4a.40.2\",RESOLUTION=426x240,AUDIO=\"audio\"\n"
      "pb_x/240p/index.m3u8\n";
  EXPECT_EQ(RenderMasterPlaylist({hd, sd}, "pb_x", audio), expected);

  audio.group_id = "aac";
  audio.name = "English";
  audio.language = "en";
  audio.channels = 1;
  const std::string mono = RenderMasterPlaylist({sd}, "pb_x", audio);
  EXPECT_NE(mono.find("GROUP-ID=\"aac\",LANGUAGE=\"en\",NAME=\"English\",DEFAULT=YES,"
                      "AUTOSELECT=YES,CHANNELS=\"1\""),
            std::string::npos)
      << mono;
  EXPECT_NE(mono.find(",AUDIO=\"aac\"\n"), std::string::npos) << mono;
  // Without a rendition: the two-argument text.
  EXPECT_EQ(RenderMasterPlaylist({hd, sd}, "pb_x", std::nullopt),
            RenderMasterPlaylist({hd, sd}, "pb_x"));
}

TEST(PlaylistTest, ResourceNamesAreCanonical) {
  EXPECT_EQ(InitUri(0), "init.mp4");
  EXPECT_EQ(InitUri(3), "init3.mp4");
  EXPECT_EQ(SegmentUri(17), "seg17.m4s");
  EXPECT_EQ(ParseSegmentName("seg0.m4s"), 0u);
  EXPECT_EQ(ParseSegmentName("seg17.m4s"), 17u);
  for (const char* bad : {"seg.m4s", "seg01.m4s", "seg+1.m4s", "seg-1.m4s", "seg1.mp4", "seg1",
                          "seg99999999999999999999.m4s", "xseg1.m4s", "seg1.m4s/"}) {
    EXPECT_FALSE(ParseSegmentName(bad).has_value()) << bad;
  }
  EXPECT_EQ(ParseInitName("init.mp4"), 0);
  EXPECT_EQ(ParseInitName("init2.mp4"), 2);
  for (const char* bad :
       {"init0.mp4", "init02.mp4", "init-1.mp4", "init.m4s", "init9999999999999999999.mp4"}) {
    EXPECT_FALSE(ParseInitName(bad).has_value()) << bad;
  }
}

TEST(PlaylistTest, RendersGapSegmentsAndTheModelsVersion) {
  MediaPlaylistModel model;
  model.version = 8;
  model.target_duration_s = 2;
  PlaylistSegment gap_before_init{7, 2000, kT0, false, -1, true};  // no init yet: no EXT-X-MAP
  PlaylistSegment gap_after_break{8, 2000, kT0 + 2000, true, -1, true};
  PlaylistSegment real{9, 2000, kT0 + 4000, false, 0, false};
  model.segments = {gap_before_init, gap_after_break, real};
  EXPECT_EQ(RenderMediaPlaylist(model),
            "#EXTM3U\n"
            "#EXT-X-VERSION:8\n"
            "#EXT-X-TARGETDURATION:2\n"
            "#EXT-X-MEDIA-SEQUENCE:7\n"
            "#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
            "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.000Z\n"
            "#EXT-X-GAP\n"
            "#EXTINF:2.000,\n"
            "seg7.m4s\n"
            "#EXT-X-DISCONTINUITY\n"
            "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:22.000Z\n"
            "#EXT-X-GAP\n"
            "#EXTINF:2.000,\n"
            "seg8.m4s\n"
            "#EXT-X-MAP:URI=\"init.mp4\"\n"
            "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:24.000Z\n"
            "#EXTINF:2.000,\n"
            "seg9.m4s\n");
}

TEST(PlaylistTest, WindowServesNoGapAndMeasuresNoBandwidthOnGaps) {
  SegmentWindow window(3, 1, 2000, 0, 8);
  window.AddInit(0, base::Buffer::FromString("init"));
  window.AddSegment({{0, 2000, kT0, false, 0}, base::Buffer::FromString(std::string(1000, 'x'))});
  const std::optional<VariantStream> before = window.Variant();
  window.AddGap({1, 2000, kT0 + 2000, false, 5});  // the init index is the window's newest
  window.AddGap({2, 2000, kT0 + 4000, true, 5});
  EXPECT_FALSE(window.Lookup("seg1.m4s").has_value());
  EXPECT_FALSE(window.Lookup("seg2.m4s").has_value());
  EXPECT_TRUE(window.Lookup("seg0.m4s").has_value());
  ASSERT_TRUE(window.tail().has_value());
  EXPECT_EQ(window.tail()->next_sequence, 3u);
  EXPECT_EQ(window.tail()->discontinuity_sequence, 1u);
  EXPECT_EQ(window.Variant()->bandwidth, before->bandwidth);
  EXPECT_EQ(window.Variant()->average_bandwidth, before->average_bandwidth);
  const std::string text(window.Lookup("index.m3u8")->body.AsStringView());
  EXPECT_EQ(text.find("init5"), std::string::npos) << text;
  EXPECT_NE(text.find("#EXT-X-VERSION:8\n"), std::string::npos) << text;

  SegmentWindow gaps_only(3, 1, 2000);
  gaps_only.AddGap({4, 2000, kT0, false, 0});
  EXPECT_FALSE(gaps_only.Variant().has_value());  // never in the master without media
  EXPECT_TRUE(gaps_only.HasSegments());
}

}  // namespace
}  // namespace steadycast::package
