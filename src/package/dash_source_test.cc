// DashSource over real packager windows: the MPD model validates, periods follow
// discontinuities, and what an update repeats (availabilityStartTime, Period@id/start) is stable.

#include "package/dash_source.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "package/audio_track.h"
#include "package/ladder_test_util.h"
#include "package/stream_packager.h"

namespace steadycast::package {
namespace {

using testing::LadderDriver;
using testing::LadderRung;

std::vector<LadderRung> TwoRungs() {
  return {{"720p", 1280, 720, 0x64, 0, 0x1f, 6000, 3000},
          {"240p", 426, 240, 0x42, 0xc0, 0x15, 1000, 500}};
}

struct Tracks {
  std::vector<DashTrack> video;
  std::optional<DashTrack> audio;
};

Tracks TracksOf(const StreamPackager& packager) {
  Tracks t;
  for (const char* name : {"240p", "720p"}) {
    const SegmentWindow* w = packager.Window(name);
    t.video.push_back({*w->Variant(), w->Snapshot(), 0});
  }
  const SegmentWindow* a = packager.Window(kAudioRenditionName);
  t.audio = DashTrack{*a->Variant(), a->Snapshot(), 2};
  return t;
}

DashRequest Request() {
  DashRequest r;
  r.base_url = "../hls/pb/";
  r.utc_timing_uri = "/dash/time";
  r.now_ms = 1'700'000'000'000;
  return r;
}

TEST(DashSourceTest, OnePeriodWhoseModelValidates) {
  LadderDriver driver(TwoRungs());
  driver.Configure();
  driver.Feed(11.0);
  DashSource source;
  Tracks t = TracksOf(driver.packager());
  auto model = source.Build(t.video, t.audio, Request());
  ASSERT_TRUE(model.has_value());
  EXPECT_TRUE(ValidateDashModel(*model).ok()) << ValidateDashModel(*model).ToString();
  ASSERT_EQ(model->periods.size(), 1u);
  const DashPeriod& p = model->periods[0];
  ASSERT_EQ(p.video.size(), 2u);
  ASSERT_TRUE(p.audio.has_value());
  EXPECT_EQ(p.audio->timescale, 48000u);
  EXPECT_EQ(p.audio->sampling_rate, 48000);
  EXPECT_EQ(p.video[0].segments.front().number, p.audio->segments.front().number);
  EXPECT_EQ(p.video[0].segments.size(), p.audio->segments.size());
  EXPECT_EQ(p.video[0].init_uri, "240p/init.mp4");
  EXPECT_EQ(p.audio->media_template, "audio/seg$Number$.m4s");
  EXPECT_EQ(p.start_ms, 0);
  EXPECT_FALSE(p.duration_ms.has_value());
}

TEST(DashSourceTest, ADiscontinuityStartsAStablePeriodAndTheEndIsAFinalSnapshot) {
  LadderDriver driver(TwoRungs());
  driver.Configure();
  driver.Feed(6.0);
  driver.packager().OnDiscontinuity();
  driver.RestartTimestamps(9'000'000);  // a new publisher with its own clock
  driver.StartGop();
  driver.Feed(7.0);
  DashSource source;
  Tracks t = TracksOf(driver.packager());
  auto first = source.Build(t.video, t.audio, Request());
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(ValidateDashModel(*first).ok()) << ValidateDashModel(*first).ToString();
  ASSERT_EQ(first->periods.size(), 2u);
  const DashPeriod& second = first->periods[1];
  EXPECT_GT(second.start_ms, first->periods[0].start_ms);
  EXPECT_EQ(second.presentation_time_offset_video, second.video[0].segments.front().time);
  EXPECT_EQ(second.presentation_time_offset_audio, second.audio->segments.front().time);

  // An update later: the same anchor for what it still lists.
  driver.Feed(4.0);
  driver.packager().OnEndOfStream();
  t = TracksOf(driver.packager());
  auto later = source.Build(t.video, t.audio, Request());
  ASSERT_TRUE(later.has_value());
  EXPECT_TRUE(ValidateDashModel(*later).ok()) << ValidateDashModel(*later).ToString();
  EXPECT_EQ(later->availability_start_ms, first->availability_start_ms);
  const DashPeriod& last = later->periods.back();
  EXPECT_EQ(last.id, second.id);
  EXPECT_EQ(last.start_ms, second.start_ms);
  EXPECT_TRUE(later->dynamic);
  ASSERT_TRUE(last.duration_ms.has_value());
  EXPECT_GT(*last.duration_ms, 8000);
  const std::string mpd = RenderDashManifest(*later);
  EXPECT_EQ(mpd.find("minimumUpdatePeriod"), std::string::npos);
}

TEST(DashSourceTest, APausedRungWithGapsStaysOutOfTheMpd) {
  LadderDriver driver(TwoRungs());
  driver.Configure();
  driver.Feed(4.0);
  driver.packager().SetRenditionPaused(0, true);  // 720p: EXT-X-GAP from here on
  driver.Feed(6.0, {1});
  auto mpd = driver.packager().DashManifest(Request());
  ASSERT_TRUE(mpd.has_value());
  EXPECT_EQ(mpd->find("id=\"720p\""), std::string::npos) << *mpd;
  EXPECT_NE(mpd->find("id=\"240p\""), std::string::npos) << *mpd;
}

TEST(DashSourceTest, PackagerRendersTheMpdOnlyOnceTheMasterLists) {
  LadderDriver driver(TwoRungs());
  EXPECT_FALSE(driver.packager().DashManifest(Request()).has_value());
  driver.Configure();
  driver.Feed(7.0);
  auto mpd = driver.packager().DashManifest(Request());
  ASSERT_TRUE(mpd.has_value());
  EXPECT_NE(mpd->find("<AdaptationSet"), std::string::npos);
  EXPECT_NE(mpd->find("mimeType=\"audio/mp4\" lang=\"und\""), std::string::npos) << *mpd;
}

}  // namespace
}  // namespace steadycast::package
