#include "package/stream_packager.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "formats/fmp4/box_dump.h"
#include "formats/fmp4/fmp4_test_util.h"
#include "package/packager_test_util.h"

namespace steadycast::package {
namespace {

using formats::fmp4::testing::MatchesGolden;
using testing::PackagerDriver;

std::string Golden(const std::string& name) {
  return std::string(PACKAGE_TESTDATA_DIR) + "/" + name;
}

std::string Playlist(const StreamPackager& packager) {
  auto resource = packager.Lookup("src/index.m3u8");
  return resource ? std::string(resource->body.AsStringView()) : "<none>";
}

std::string SegmentDump(const StreamPackager& packager, const std::string& name,
                        const std::string& rendition = "src") {
  auto resource = packager.Lookup(rendition + "/" + name);
  if (!resource) return "<none>";
  auto dump = formats::fmp4::DumpBoxes(resource->body.span(), {.max_samples_per_trun = 0});
  return dump.ok() ? *dump : dump.status().ToString();
}

TEST(StreamPackagerTest, NothingBeforeTheFirstSegment) {
  PackagerDriver driver;
  EXPECT_FALSE(driver.packager().HasSegments());
  driver.Configure();
  driver.Feed(1.9);  // one open segment, nothing closed
  EXPECT_FALSE(driver.packager().HasSegments());
  EXPECT_FALSE(driver.packager().MasterPlaylist("pb_1").has_value());
  EXPECT_FALSE(driver.packager().Lookup("src/index.m3u8").has_value());
  EXPECT_FALSE(driver.packager().Lookup("src/init.mp4").has_value());
}

TEST(StreamPackagerTest, MediaAndMasterPlaylistsMatchGolden) {
  PackagerDriver driver;
  driver.Configure();
  driver.Feed(7.0);
  const auto& packager = driver.packager();
  ASSERT_TRUE(packager.HasSegments());
  const std::string media = Playlist(packager);
  EXPECT_TRUE(MatchesGolden(Golden("media_3_segments.m3u8"), media)) << media;
  auto master = packager.MasterPlaylist("pb_abc");
  ASSERT_TRUE(master.has_value());
  EXPECT_TRUE(MatchesGolden(Golden("master.m3u8"), *master)) << *master;
  // Cached text is reused, but another playback id gets its own URIs.
  EXPECT_EQ(packager.MasterPlaylist("pb_abc"), master);
  EXPECT_NE(packager.MasterPlaylist("pb_other")->find("pb_other/src/index.m3u8"),
            std::string::npos);
}

TEST(StreamPackagerTest, LookupServesEachResourceWithItsType) {
  PackagerDriver driver;
  driver.Configure();
  driver.Feed(5.0);
  const auto& packager = driver.packager();
  auto playlist = packager.Lookup("src/index.m3u8");
  ASSERT_TRUE(playlist.has_value());
  EXPECT_EQ(playlist->content_type, "application/vnd.apple.mpegurl");
  EXPECT_FALSE(playlist->immutable);
  auto init = packager.Lookup("src/init.mp4");
  ASSERT_TRUE(init.has_value());
  EXPECT_EQ(init->content_type, "video/mp4");
  EXPECT_TRUE(init->immutable);
  auto segment = packager.Lookup("src/seg1.m4s");
  ASSERT_TRUE(segment.has_value());
  EXPECT_EQ(segment->content_type, "video/iso.segment");
  EXPECT_TRUE(segment->immutable);
  for (const char* missing : {"src/seg2.m4s", "src/seg01.m4s", "src/init1.mp4", "src/init0.mp4",
                              "hd/index.m3u8", "index.m3u8", "src/", "src/../src/seg0.m4s", ""}) {
    EXPECT_FALSE(packager.Lookup(missing).has_value()) << missing;
  }
}

TEST(StreamPackagerTest, SegmentsCarryInputTimestampsAndContinuousAudio) {
  PackagerDriver driver;
  driver.Configure();
  driver.Feed(7.0);
  const std::string seg1 = SegmentDump(driver.packager(), "seg1.m4s");
  EXPECT_TRUE(MatchesGolden(Golden("seg1_dump.txt"), seg1)) << seg1;
  // Video decode time is the input's 90 kHz timeline, rebased so that keyframes decode 0.1 s
  // before they show (the driver's frames show a frame after their dts: every decode time
  // moves 6000 earlier, and the stream's first one, then negative, is offset to 0); the video
  // segment carries video only (one traf).
  EXPECT_NE(seg1.find("tfdt size=20 v=1 base=180000"), std::string::npos);
  EXPECT_EQ(seg1.find("track=2"), std::string::npos);
  EXPECT_NE(seg1.find("mfhd size=16 seq=2"), std::string::npos);
  // The audio rendition's segment 1 continues exactly where its segment 0 ended (that starts
  // with the first frame, 6000 ticks = 3200 samples after the video's offset decode start, and
  // holds the 91 frames before the video's next cut: 91 × 1024) and carries audio only.
  const std::string audio_dump = SegmentDump(driver.packager(), "seg1.m4s", "audio");
  EXPECT_NE(audio_dump.find("tfdt size=20 v=1 base=96384"), std::string::npos) << audio_dump;
  EXPECT_EQ(audio_dump.find("track=1"), std::string::npos);
  EXPECT_NE(audio_dump.find("mfhd size=16 seq=2"), std::string::npos);
}

TEST(StreamPackagerTest, SlidingWindowKeepsRecentSegmentsAndFreesOldOnes) {
  PackagerDriver driver;
  driver.Configure();
  driver.Feed(21.0);  // segments 0..9 closed
  const auto& packager = driver.packager();
  const std::string media = Playlist(packager);
  EXPECT_TRUE(MatchesGolden(Golden("media_window.m3u8"), media)) << media;
  EXPECT_NE(media.find("#EXT-X-MEDIA-SEQUENCE:4\n"), std::string::npos);
  // Listed 4..9; 2 and 3 stay downloadable (extra_retained_segments = 2); older ones are gone.
  EXPECT_FALSE(packager.Lookup("src/seg1.m4s").has_value());
  EXPECT_TRUE(packager.Lookup("src/seg2.m4s").has_value());
  EXPECT_TRUE(packager.Lookup("src/seg3.m4s").has_value());
  EXPECT_TRUE(packager.Lookup("src/seg9.m4s").has_value());
  EXPECT_FALSE(packager.Lookup("src/seg10.m4s").has_value());
  EXPECT_TRUE(packager.Lookup("src/init.mp4").has_value());
  EXPECT_EQ(packager.Stats().segments, 10u);
}

TEST(StreamPackagerTest, EndOfStreamFlushesAndEndsThePlaylist) {
  PackagerDriver driver;
  driver.Configure();
  driver.Feed(5.0);
  driver.packager().OnEndOfStream();
  const std::string media = Playlist(driver.packager());
  EXPECT_TRUE(MatchesGolden(Golden("media_ended.m3u8"), media)) << media;
  driver.Feed(4.0);  // ignored after the end
  EXPECT_EQ(Playlist(driver.packager()), media);
}

TEST(StreamPackagerTest, ConfigChangeStartsNewInitAfterDiscontinuity) {
  PackagerDriver driver;
  driver.Configure();
  driver.Feed(5.0);
  media::VideoTrackConfig hd = formats::fmp4::testing::TestVideoConfig();
  hd.width = 1280;
  hd.height = 720;
  hd.level_idc = 0x20;
  driver.packager().OnVideoConfig(hd);
  driver.StartGop();
  driver.Feed(9.0);
  auto& packager = driver.packager();
  const std::string media = Playlist(packager);
  EXPECT_TRUE(MatchesGolden(Golden("media_config_change.m3u8"), media)) << media;
  ASSERT_TRUE(packager.Lookup("src/init1.mp4").has_value());
  EXPECT_NE(SegmentDump(packager, "init1.mp4").find("width=1280 height=720"), std::string::npos);
  EXPECT_NE(packager.MasterPlaylist("pb")->find("RESOLUTION=1280x720"), std::string::npos);

  // Once the discontinuity slides out of the playlist the sequence counts it, and init.mp4 is
  // freed when no retained segment needs it any more.
  driver.Feed(20.0);
  const std::string slid = Playlist(packager);
  EXPECT_TRUE(MatchesGolden(Golden("media_config_change_slid.m3u8"), slid)) << slid;
  EXPECT_NE(slid.find("#EXT-X-DISCONTINUITY-SEQUENCE:1\n"), std::string::npos);
  EXPECT_FALSE(packager.Lookup("src/init.mp4").has_value());
  EXPECT_EQ(packager.Stats().init_segments, 2u);
}

TEST(StreamPackagerTest, PublisherRestartIsADiscontinuityWithTheSameInit) {
  PackagerDriver driver;
  driver.Configure();
  driver.Feed(5.0);
  driver.packager().OnDiscontinuity();  // publisher lost: flush what we have
  driver.Configure();                   // it comes back with the same configuration
  driver.RestartTimestamps(0);
  driver.Feed(5.0);
  const std::string media = Playlist(driver.packager());
  EXPECT_TRUE(MatchesGolden(Golden("media_restart.m3u8"), media)) << media;
  EXPECT_EQ(media.find("init1.mp4"), std::string::npos);
  EXPECT_EQ(driver.packager().Stats().init_segments, 1u);
}

TEST(StreamPackagerTest, TimestampJumpWithoutNoticeIsADiscontinuityToo) {
  PackagerDriver driver;
  driver.Configure();
  driver.Feed(5.0);
  driver.RestartTimestamps(0);
  driver.Feed(5.0);
  const std::string media = Playlist(driver.packager());
  EXPECT_NE(media.find("#EXT-X-DISCONTINUITY\n"), std::string::npos) << media;
  EXPECT_EQ(driver.packager().Stats().timeline_breaks, 1u);
}

TEST(StreamPackagerTest, AudioOnlyAndVideoOnlyStreams) {
  PackagerDriver audio;
  audio.Configure(false, true);
  audio.Feed(9.0);
  ASSERT_TRUE(audio.packager().HasSegments());
  auto master = audio.packager().MasterPlaylist("pb");
  ASSERT_TRUE(master.has_value());
  EXPECT_NE(master->find("CODECS=\"mp4a.40.2\"\n"), std::string::npos) << *master;
  EXPECT_EQ(master->find("RESOLUTION"), std::string::npos);
  EXPECT_EQ(SegmentDump(audio.packager(), "init.mp4").find("vide"), std::string::npos);

  PackagerDriver video;
  video.Configure(true, false);
  video.Feed(5.0);
  auto video_master = video.packager().MasterPlaylist("pb");
  ASSERT_TRUE(video_master.has_value());
  EXPECT_NE(video_master->find("CODECS=\"avc1.64001f\",RESOLUTION=640x360,FRAME-RATE=30.000"),
            std::string::npos)
      << *video_master;
}

TEST(StreamPackagerTest, FrameRateIsMeasuredWhenTheSpsHasNone) {
  PackagerDriver driver;
  media::VideoTrackConfig config = formats::fmp4::testing::TestVideoConfig();
  config.frame_rate.reset();
  driver.packager().OnVideoConfig(config);
  driver.packager().OnAudioConfig(formats::fmp4::testing::TestAudioConfig());
  driver.Feed(5.0);
  auto master = driver.packager().MasterPlaylist("pb");
  ASSERT_TRUE(master.has_value());
  EXPECT_NE(master->find(",FRAME-RATE=30.000,AUDIO="), std::string::npos) << *master;
}

TEST(StreamPackagerTest, TargetDurationNeverDecreases) {
  PackagerOptions options;
  options.playlist_segments = 2;
  options.extra_retained_segments = 1;
  PackagerDriver driver(options);
  driver.Configure();
  driver.Feed(1.0);
  driver.StartGop();  // keyframes at 0, 1 s (too early: no cut), then every 2 s from 1 s
  driver.Feed(12.0);
  const std::string media = Playlist(driver.packager());
  // The first segment lasted 3 s; it has slid out, but the target duration stays 3.
  EXPECT_EQ(media.find("seg0.m4s"), std::string::npos) << media;
  EXPECT_NE(media.find("#EXT-X-TARGETDURATION:3\n"), std::string::npos) << media;
}

TEST(StreamPackagerTest, RejectsConfigsItCannotPackage) {
  PackagerDriver driver;
  media::VideoTrackConfig broken = formats::fmp4::testing::TestVideoConfig();
  broken.width = 0;
  driver.packager().OnVideoConfig(broken);
  driver.packager().OnAudioConfig(formats::fmp4::testing::TestAudioConfig());
  EXPECT_EQ(driver.packager().Stats().rejected_configs, 1u);
}

TEST(StreamPackagerTest, ReadersRunConcurrentlyWithTheWriter) {
  PackagerDriver driver;
  driver.Configure();
  std::atomic<bool> done{false};
  std::atomic<uint64_t> reads{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      while (!done) {
        const auto& p = driver.packager();
        if (auto r = p.Lookup("src/index.m3u8")) reads += r->body.size() > 0;
        p.MasterPlaylist("pb").has_value();
        p.Lookup("src/seg3.m4s").has_value();
        p.Stats();
      }
    });
  }
  driver.Feed(30.0);
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_TRUE(driver.packager().HasSegments());
}

TEST(StreamPackagerTest, OutputTimelineContinuesAcrossAPublisherRestart) {
  PackagerDriver driver;
  driver.Configure();
  driver.Feed(5.0);
  driver.packager().OnDiscontinuity();
  driver.Configure();
  driver.RestartTimestamps(0);  // the new publisher's clock starts at zero
  driver.Feed(5.0);
  // seg2 is the flushed [4 s, 5 s); seg3 is the first after the join and starts at 5 s of
  // output time, not at the publisher's 0: players that ignore EXT-X-DISCONTINUITY see no
  // step backwards.
  const std::string seg3 = SegmentDump(driver.packager(), "seg3.m4s");
  EXPECT_NE(seg3.find("tfdt size=20 v=1 base=450000"), std::string::npos) << seg3;
}

// Names (segments, init segments) are numbered from first_sequence so no URI is reused across
// broadcasts; the discontinuity sequence is not part of any name and starts at 0 (hls.js 1.7
// keeps per-discontinuity state in a sparse array it walks from index 0 on every playlist load,
// so an epoch-sized value froze the page).
TEST(StreamPackagerTest, FirstSequenceNumbersSegmentsAndInitsNotDiscontinuities) {
  PackagerOptions options;
  options.first_sequence = 1'764'000'000;
  PackagerDriver driver(options);
  driver.Configure();
  driver.Feed(5.0);
  const std::string media = Playlist(driver.packager());
  EXPECT_NE(media.find("#EXT-X-MEDIA-SEQUENCE:1764000000\n"), std::string::npos) << media;
  EXPECT_NE(media.find("#EXT-X-DISCONTINUITY-SEQUENCE:0\n"), std::string::npos) << media;
  EXPECT_NE(media.find("#EXT-X-MAP:URI=\"init1764000000.mp4\""), std::string::npos) << media;
  EXPECT_NE(media.find("seg1764000001.m4s"), std::string::npos) << media;
  EXPECT_TRUE(driver.packager().Lookup("src/init1764000000.mp4").has_value());
  EXPECT_FALSE(driver.packager().Lookup("src/init.mp4").has_value());
  EXPECT_TRUE(driver.packager().Lookup("src/seg1764000000.m4s").has_value());
  EXPECT_FALSE(driver.packager().Lookup("src/seg0.m4s").has_value());
  EXPECT_EQ(driver.packager().Stats().next_sequence, 1'764'000'002u);
}

}  // namespace
}  // namespace steadycast::package
