// LL-HLS through the packager: parts published as media arrives, listed with a preload hint and
// rendition reports, addressable, tiling their segments; the waiters see parts.

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "formats/fmp4/box_dump.h"
#include "package/packager_test_util.h"
#include "package/segment_window.h"
#include "package/stream_packager.h"

namespace steadycast::package {
namespace {

using testing::PackagerDriver;

PackagerOptions LowLatencyOptions(double part = 0.5) {
  PackagerOptions options;
  options.part_target_seconds = part;
  return options;
}

TEST(LowLatencyTest, PlaylistListsPartsHintAndReports) {
  PackagerDriver driver(LowLatencyOptions());
  driver.Configure();
  driver.Feed(7.3);  // segments 0..2 complete, segment 3 in progress
  auto text = driver.packager().LowLatencyPlaylist("src", false);
  ASSERT_TRUE(text.has_value());
  EXPECT_NE(text->find("#EXT-X-PART-INF:PART-TARGET=0.5\n"), std::string::npos) << *text;
  EXPECT_NE(text->find("CAN-BLOCK-RELOAD=YES"), std::string::npos);
  EXPECT_NE(text->find("#EXT-X-PART:DURATION=0.5,URI=\"part3.0.m4s\",INDEPENDENT=YES"),
            std::string::npos)
      << *text;
  EXPECT_NE(text->find("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part3.2.m4s\""), std::string::npos)
      << *text;
  EXPECT_NE(text->find("#EXT-X-RENDITION-REPORT:URI=\"../audio/index.m3u8\",LAST-MSN=3"),
            std::string::npos)
      << *text;
  // The first segment has no parts (a segment opens parts only after a published one); the
  // next ones do, and their parts tile them.
  const auto snapshot = driver.packager().Window("src")->Snapshot();
  ASSERT_GE(snapshot->segments.size(), 3u);
  EXPECT_TRUE(snapshot->segments[0].entry.parts.empty());
  const PublishedSegment& seg1 = snapshot->segments[1];
  ASSERT_EQ(seg1.entry.parts.size(), 4u);
  int64_t sum_us = 0;
  for (const PlaylistPart& p : seg1.entry.parts) sum_us += p.duration_us;
  EXPECT_EQ(sum_us, seg1.media_duration * 100 / 9);
  for (uint32_t m = 0; m < 4; ++m) {
    auto part = driver.packager().Lookup("src/part1." + std::to_string(m) + ".m4s");
    ASSERT_TRUE(part.has_value()) << m;
    EXPECT_TRUE(part->immutable);
    auto dump = formats::fmp4::DumpBoxes(part->body.span());
    ASSERT_TRUE(dump.ok());
    EXPECT_NE(dump->find("count=15"), std::string::npos) << *dump;  // 15 frames = 0.5 s
  }
  EXPECT_FALSE(driver.packager().Lookup("src/part1.4.m4s").has_value());
  EXPECT_FALSE(driver.packager().Lookup("src/part1.01.m4s").has_value());
  // The audio rendition has parts too.
  auto audio = driver.packager().LowLatencyPlaylist("audio", false);
  ASSERT_TRUE(audio.has_value());
  EXPECT_NE(audio->find("URI=\"part3.0.m4s\""), std::string::npos) << *audio;
  EXPECT_NE(audio->find("#EXT-X-RENDITION-REPORT:URI=\"../src/index.m3u8\""), std::string::npos);
  EXPECT_TRUE(driver.packager().Lookup("audio/part2.1.m4s").has_value());
}

TEST(LowLatencyTest, WaitersWakeOnTheNextPart) {
  PackagerDriver driver(LowLatencyOptions());
  driver.Configure();
  driver.Feed(4.1);  // segment 2 just started
  const SegmentWindow* window = driver.packager().Window("src");
  const WindowPosition at = window->Snapshot()->position;
  ASSERT_EQ(at.next_sequence, 2u);
  int woke = 0;
  auto id = window->waiters().Add({2, at.open_parts}, [&] { ++woke; });
  ASSERT_TRUE(id.has_value() && *id > 0);
  driver.Feed(0.2);
  EXPECT_EQ(woke, 0);
  driver.Feed(0.5);
  EXPECT_EQ(woke, 1);
}

TEST(LowLatencyTest, StandardStreamsHaveNoParts) {
  PackagerDriver driver;
  driver.Configure();
  driver.Feed(7.0);
  EXPECT_FALSE(driver.packager().low_latency());
  auto playlist = driver.packager().Lookup("src/index.m3u8");
  ASSERT_TRUE(playlist.has_value());
  EXPECT_EQ(std::string(playlist->body.AsStringView()).find("EXT-X-PART"), std::string::npos);
  EXPECT_FALSE(driver.packager().Lookup("src/part1.0.m4s").has_value());
}

TEST(LowLatencyTest, EndedPlaylistHasNoHint) {
  PackagerDriver driver(LowLatencyOptions(0.33));
  driver.Configure();
  driver.Feed(5.0);
  driver.packager().OnEndOfStream();
  auto text = driver.packager().LowLatencyPlaylist("src", false);
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(text->find("PRELOAD-HINT"), std::string::npos) << *text;
  EXPECT_NE(text->find("#EXT-X-ENDLIST"), std::string::npos);
  // No part is longer than the target.
  std::regex duration(R"(#EXT-X-PART:DURATION=([0-9.]+))");
  for (auto it = std::sregex_iterator(text->begin(), text->end(), duration);
       it != std::sregex_iterator(); ++it) {
    EXPECT_LE(std::stod((*it)[1].str()), 0.33);
  }
}

}  // namespace
}  // namespace steadycast::package
