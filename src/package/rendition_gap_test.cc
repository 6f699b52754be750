// A paused rendition of a ladder (the degradation step "drop the highest transcoded rung from new
// segments"): its media playlist keeps advancing with EXT-X-GAP entries in step with the other
// renditions, and on resuming it continues their numbering and timestamps.
#include <gtest/gtest.h>

#include <atomic>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "formats/fmp4/box_dump.h"
#include "package/ladder_test_util.h"
#include "package/stream_packager.h"

namespace steadycast::package {
namespace {

using formats::fmp4::testing::MatchesGolden;
using testing::LadderDriver;
using testing::LadderRung;
using testing::RungFeed;

constexpr int64_t kSecond = 90000;

std::vector<LadderRung> ThreeRungs() {
  return {
      {"720p", 1280, 720, 0x64, 0x00, 0x1f, 12000, 6000},
      {"480p", 854, 480, 0x4d, 0x40, 0x1e, 5000, 2500},
      {"240p", 426, 240, 0x42, 0xc0, 0x15, 1500, 600},
  };
}

PackagerOptions TenListed() {
  PackagerOptions options;
  options.playlist_segments = 10;
  return options;
}

struct Entry {
  uint64_t sequence = 0;
  uint64_t discontinuity_sequence = 0;
  std::string extinf;
  bool gap = false;
  bool operator==(const Entry&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Entry& e) {
  return os << e.sequence << "/d" << e.discontinuity_sequence << "/" << e.extinf
            << (e.gap ? "/gap" : "");
}

struct Parsed {
  std::string version;
  uint64_t media_sequence = 0;
  std::vector<Entry> entries;
  int discontinuity_tags = 0;
  int map_tags = 0;
  bool ended = false;
};

Parsed Parse(const StreamPackager& packager, const std::string& rendition) {
  Parsed p;
  auto resource = packager.Lookup(rendition + "/index.m3u8");
  if (!resource) return p;
  std::istringstream in{std::string(resource->body.AsStringView())};
  std::string line, extinf;
  uint64_t discontinuity = 0;
  bool gap = false;
  while (std::getline(in, line)) {
    if (line.starts_with("#EXT-X-VERSION:")) {
      p.version = line.substr(15);
    } else if (line.starts_with("#EXT-X-MEDIA-SEQUENCE:")) {
      p.media_sequence = std::stoull(line.substr(22));
    } else if (line.starts_with("#EXT-X-DISCONTINUITY-SEQUENCE:")) {
      discontinuity = std::stoull(line.substr(30));
    } else if (line == "#EXT-X-DISCONTINUITY") {
      ++discontinuity;
      ++p.discontinuity_tags;
    } else if (line.starts_with("#EXT-X-MAP:")) {
      ++p.map_tags;
    } else if (line == "#EXT-X-GAP") {
      gap = true;
    } else if (line.starts_with("#EXTINF:")) {
      extinf = line.substr(8);
    } else if (line == "#EXT-X-ENDLIST") {
      p.ended = true;
    } else if (line.starts_with("seg")) {
      p.entries.push_back({std::stoull(line.substr(3)), discontinuity, extinf, gap});
      gap = false;
    }
  }
  return p;
}

// The same entries without the gap flags (what another rendition lists for the same numbers).
std::vector<Entry> WithoutGaps(std::vector<Entry> entries) {
  for (Entry& e : entries) e.gap = false;
  return entries;
}

std::vector<uint64_t> Gaps(const Parsed& p) {
  std::vector<uint64_t> gaps;
  for (const Entry& e : p.entries) {
    if (e.gap) gaps.push_back(e.sequence);
  }
  return gaps;
}

std::vector<std::string> DecodeTimes(const StreamPackager& packager, const std::string& path) {
  auto resource = packager.Lookup(path);
  if (!resource) return {"<none>"};
  auto dump = formats::fmp4::DumpBoxes(resource->body.span(), {.max_samples_per_trun = 0});
  if (!dump.ok()) return {dump.status().ToString()};
  std::vector<std::string> times;
  std::istringstream in(*dump);
  for (std::string line; std::getline(in, line);) {
    if (line.find("tfdt") != std::string::npos) times.push_back(line);
  }
  return times;
}

std::string Seg(uint64_t n) { return "/seg" + std::to_string(n) + ".m4s"; }

// The STREAM-INF line of `rendition` in the master.
std::string StreamInf(const std::string& master, const std::string& rendition) {
  const size_t uri = master.find("/" + rendition + "/index.m3u8");
  if (uri == std::string::npos) return "<absent>";
  const size_t start = master.rfind("#EXT-X-STREAM-INF:", uri);
  return master.substr(start, master.find('\n', start) - start);
}

TEST(RenditionGapTest, PausedRenditionListsGapsInStepAndResumesAligned) {
  LadderDriver driver(ThreeRungs(), TenListed());
  StreamPackager& packager = driver.packager();
  driver.Configure();
  driver.Feed(4.0);  // segments 0 and [2 s, 4 s) (still open: its end is the IDR at 4 s)
  const std::optional<std::string> master_before = packager.MasterPlaylist("pb");
  ASSERT_TRUE(master_before.has_value());
  const uint64_t peak_before = packager.Stats().renditions[1].peak_bandwidth;

  packager.SetRenditionPaused(1, true);  // at the segment boundary: flushes 480p's [2 s, 4 s)
  EXPECT_TRUE(packager.Stats().renditions[1].paused);
  driver.Feed(8.0, {0, 2});  // 720p and 240p publish 1..4 (5 = [10 s, 12 s) open)
  const Parsed paused = Parse(packager, "480p");
  const Parsed reference = Parse(packager, "720p");
  EXPECT_EQ(WithoutGaps(paused.entries), reference.entries);
  EXPECT_EQ(Gaps(paused), (std::vector<uint64_t>{2, 3, 4}));
  EXPECT_EQ(paused.discontinuity_tags, 0);
  EXPECT_FALSE(packager.Lookup("480p/seg2.m4s").has_value());  // 404: never loaded
  EXPECT_FALSE(packager.Lookup("480p/seg4.m4s").has_value());
  EXPECT_TRUE(packager.Lookup("480p/seg1.m4s").has_value());
  EXPECT_TRUE(packager.Lookup("720p/seg2.m4s").has_value());
  // Still listed, with the bandwidth measured on its real segments.
  const std::optional<std::string> master_paused = packager.MasterPlaylist("pb");
  ASSERT_TRUE(master_paused.has_value());
  // (BANDWIDTH adds the audio rendition's peak, which may still move on.)
  EXPECT_NE(StreamInf(*master_paused, "480p"), "<absent>");
  EXPECT_EQ(packager.Stats().renditions[1].peak_bandwidth, peak_before);
  RenditionStats stats = packager.Stats().renditions[1];
  EXPECT_EQ(stats.gap_segments, 3u);
  EXPECT_EQ(stats.segments, 2u);
  EXPECT_EQ(stats.next_sequence, 5u);

  packager.SetRenditionPaused(1, false);  // resumes with the IDR at 12 s
  driver.Feed(8.0);
  const Parsed resumed = Parse(packager, "480p");
  const Parsed after = Parse(packager, "720p");
  ASSERT_EQ(after.entries.size(), 9u);  // 0..8 (9 = [18 s, 20 s) open)
  EXPECT_EQ(WithoutGaps(resumed.entries), after.entries);
  EXPECT_EQ(Gaps(resumed), (std::vector<uint64_t>{2, 3, 4, 5}));  // 5 closed after the resume
  EXPECT_EQ(resumed.discontinuity_tags, 0);
  const std::string text(packager.Lookup("480p/index.m3u8")->body.AsStringView());
  EXPECT_TRUE(MatchesGolden(std::string(PACKAGE_TESTDATA_DIR) + "/media_gap.m3u8", text)) << text;
  for (uint64_t n : {0, 1, 6, 7, 8}) {
    EXPECT_EQ(DecodeTimes(packager, "480p" + Seg(n)), DecodeTimes(packager, "720p" + Seg(n))) << n;
  }
  stats = packager.Stats().renditions[1];
  EXPECT_FALSE(stats.paused);
  EXPECT_EQ(stats.gap_segments, 4u);
  EXPECT_EQ(stats.misaligned_segments, 0u);
  EXPECT_EQ(stats.skipped_at_join, 0u);
  EXPECT_EQ(stats.late_resume_segments, 0u);
  EXPECT_EQ(stats.next_sequence, packager.Stats().renditions[0].next_sequence);
  EXPECT_NE(StreamInf(*packager.MasterPlaylist("pb"), "480p"), "<absent>");
}

TEST(RenditionGapTest, GapsCountTowardsTheSlidingWindow) {
  PackagerOptions options;
  options.playlist_segments = 3;
  LadderDriver driver({{"hd", 1280, 720}, {"sd", 640, 360}}, options);
  driver.Configure();
  driver.Feed(2.0);
  driver.packager().SetRenditionPaused(1, true);  // sd publishes nothing (no whole GOP yet)
  driver.Feed(12.0, {0});
  const Parsed sd = Parse(driver.packager(), "sd");
  const Parsed hd = Parse(driver.packager(), "hd");
  ASSERT_EQ(sd.entries.size(), 3u);
  EXPECT_EQ(sd.media_sequence, hd.media_sequence);
  EXPECT_EQ(WithoutGaps(sd.entries), hd.entries);
  EXPECT_EQ(Gaps(sd).size(), 3u);
  EXPECT_EQ(sd.map_tags, 1);  // the init of its first segment, still the newest
}

TEST(RenditionGapTest, GapsFollowADiscontinuityAndResumeInTheNewRun) {
  LadderDriver driver(ThreeRungs(), TenListed());
  StreamPackager& packager = driver.packager();
  driver.Configure();
  driver.Feed(4.0);
  packager.SetRenditionPaused(1, true);
  driver.Feed(2.0, {0, 2});
  packager.OnDiscontinuity();   // publisher lost: 720p/240p flush [4 s, 6 s)
  driver.RestartTimestamps(0);  // the new publisher starts at zero
  driver.Configure();           // 480p takes its config while paused
  driver.Feed(4.0, {0, 2});
  const Parsed during = Parse(packager, "480p");
  EXPECT_EQ(WithoutGaps(during.entries), Parse(packager, "720p").entries);
  EXPECT_EQ(during.discontinuity_tags, 1);  // on the gap of the first number of the new run
  ASSERT_GE(during.entries.size(), 4u);
  EXPECT_TRUE(during.entries[3].gap);
  EXPECT_EQ(during.entries[3].discontinuity_sequence, 1u);

  packager.SetRenditionPaused(1, false);  // resumes with the IDR at 4 s of the new run
  driver.Feed(6.0);
  const Parsed resumed = Parse(packager, "480p");
  const Parsed reference = Parse(packager, "720p");
  EXPECT_EQ(WithoutGaps(resumed.entries), reference.entries);
  EXPECT_EQ(resumed.discontinuity_tags, 1);  // no new one at the resume
  for (const Entry& e : reference.entries) {
    if (e.sequence < 6) continue;
    EXPECT_EQ(DecodeTimes(packager, "480p" + Seg(e.sequence)),
              DecodeTimes(packager, "720p" + Seg(e.sequence)))
        << e.sequence;
  }
  EXPECT_EQ(packager.Stats().renditions[1].misaligned_segments, 0u);
}

TEST(RenditionGapTest, PausedBeforeItsFirstSegmentStartsAtTheOthersCurrentNumber) {
  PackagerOptions options = TenListed();
  options.first_sequence = 100;
  LadderDriver driver(ThreeRungs(), options);
  StreamPackager& packager = driver.packager();
  driver.Configure();
  driver.Feed(4.5, {0, 2});  // 100, 101 published; 480p's encoder never started
  EXPECT_EQ(packager.Stats().next_sequence, 102u);
  packager.SetRenditionPaused(1, true);
  // A paused rendition without a segment does not hold the master back.
  std::optional<std::string> master = packager.MasterPlaylist("pb");
  ASSERT_TRUE(master.has_value());
  EXPECT_EQ(StreamInf(*master, "480p"), "<absent>");
  EXPECT_FALSE(packager.Lookup("480p/index.m3u8").has_value());  // nothing to list yet
  driver.Feed(3.5, {0, 2});                                      // 102 [4 s, 6 s) published
  Parsed p = Parse(packager, "480p");
  EXPECT_EQ(p.media_sequence, 102u);
  EXPECT_EQ(Gaps(p), (std::vector<uint64_t>{102}));
  EXPECT_EQ(p.map_tags, 0);  // no init exists yet
  EXPECT_EQ(p.entries[0].extinf, "2.000,");

  packager.SetRenditionPaused(1, false);  // its first segment starts with the IDR at 8 s
  driver.Feed(6.0);
  p = Parse(packager, "480p");
  const Parsed reference = Parse(packager, "720p");
  std::vector<Entry> tail(reference.entries.end() - static_cast<long>(p.entries.size()),
                          reference.entries.end());
  EXPECT_EQ(WithoutGaps(p.entries), tail);
  EXPECT_EQ(Gaps(p), (std::vector<uint64_t>{102, 103}));
  EXPECT_EQ(p.discontinuity_tags, 0);
  EXPECT_EQ(DecodeTimes(packager, "480p" + Seg(104)), DecodeTimes(packager, "720p" + Seg(104)));
  master = packager.MasterPlaylist("pb");
  EXPECT_NE(StreamInf(*master, "480p"), "<absent>");  // a later master load offers it
}

TEST(RenditionGapTest, ASegmentWhoseNumberIsAlreadyAGapIsDroppedOnResume) {
  LadderDriver driver(ThreeRungs(), TenListed());
  StreamPackager& packager = driver.packager();
  driver.Configure();
  driver.Feed(4.0);
  packager.SetRenditionPaused(1, true);
  driver.Feed(6.0, {0, 2});  // 1..3 published (4 = [8 s, 10 s) open); 480p lists 2, 3 as gaps
  packager.SetRenditionPaused(1, false);
  // 480p's encoder lags: it resumes with the IDR at 4 s, whose span the others already did.
  RungFeed lagging(ThreeRungs()[1], 4 * kSecond);
  // Closes [4,6) [6,8) [8,10) (the cut at the 10 s keyframe waits for audio to pass the
  // keyframe's presentation, a frame after its dts).
  lagging.FeedUntil(packager.Rendition(1), 10 * kSecond + 6000);
  driver.Feed(0.5, {0, 2});
  const Parsed p = Parse(packager, "480p");
  EXPECT_EQ(WithoutGaps(p.entries), Parse(packager, "720p").entries);
  EXPECT_EQ(Gaps(p), (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(p.discontinuity_tags, 0);
  EXPECT_EQ(DecodeTimes(packager, "480p" + Seg(4)), DecodeTimes(packager, "720p" + Seg(4)));
  const RenditionStats stats = packager.Stats().renditions[1];
  EXPECT_EQ(stats.late_resume_segments, 2u);
  EXPECT_EQ(stats.misaligned_segments, 0u);
  EXPECT_EQ(packager.Stats().renditions[0].misaligned_segments, 0u);
}

TEST(RenditionGapTest, EndOfStreamWhilePausedEndsWithTheOthersLastNumber) {
  LadderDriver driver(ThreeRungs(), TenListed());
  StreamPackager& packager = driver.packager();
  driver.Configure();
  driver.Feed(4.0);
  packager.SetRenditionPaused(2, true);  // the last rendition: ended after the others flushed
  driver.Feed(5.0, {0, 1});
  packager.OnEndOfStream();  // 720p/480p flush [8 s, 9 s)
  const Parsed p = Parse(packager, "240p");
  const Parsed reference = Parse(packager, "720p");
  EXPECT_TRUE(p.ended);
  EXPECT_EQ(WithoutGaps(p.entries), reference.entries);
  EXPECT_EQ(p.entries.back().extinf, "1.000,");
  EXPECT_EQ(Gaps(p), (std::vector<uint64_t>{2, 3, 4}));
  driver.Feed(4.0);  // nothing after the end
  EXPECT_EQ(Parse(packager, "240p").entries.size(), p.entries.size());
}

TEST(RenditionGapTest, PlaylistVersion) {
  LadderDriver driver(ThreeRungs());
  driver.Configure();
  driver.Feed(3.0);
  // Any rendition of a ladder may list EXT-X-GAP (version 8 per Apple's EXT-X-VERSION table);
  // the version is the same from the first rendering on, as a playlist must not change it.
  for (const char* name : {"720p", "480p", "240p"})
    EXPECT_EQ(Parse(driver.packager(), name).version, "8");
  EXPECT_NE(driver.packager().MasterPlaylist("pb")->find("#EXT-X-VERSION:7\n"), std::string::npos);

  base::FakeClock clock;
  StreamPackager single({}, clock);  // one rendition cannot list a gap: version 7 as before
  RungFeed feed({"src"});
  feed.Configure(single.Rendition(0));
  feed.FeedUntil(single.Rendition(0), 3 * kSecond);
  EXPECT_EQ(Parse(single, "src").version, "7");
  single.SetRenditionPaused(0, true);  // nobody to take gap timings from: nothing listed
  feed.FeedUntil(single.Rendition(0), 9 * kSecond);
  EXPECT_EQ(Gaps(Parse(single, "src")).size(), 0u);
  single.SetRenditionPaused(7, true);  // no such rendition: ignored
}

// Writers on their own threads while another thread pauses and resumes one rendition, with
// readers and the end racing: no deadlock (lock order), consecutive numbering everywhere. Run
// under TSan (STEADYCAST_TSAN) to check the locking.
TEST(RenditionGapTest, PauseRacingTheWritersIsSafe) {
  base::FakeClock clock;
  const std::vector<LadderRung> rungs = ThreeRungs();
  StreamPackager packager(TenListed(), {{rungs[0].name}, {rungs[1].name}, {rungs[2].name}}, clock);
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (size_t i = 0; i < rungs.size(); ++i) {
    threads.emplace_back([&packager, rung = rungs[i], i] {
      RungFeed feed(rung);
      feed.Configure(packager.Rendition(i));
      feed.FeedUntil(packager.Rendition(i), 40 * kSecond);
    });
  }
  std::thread pauser([&] {
    for (int i = 0; !done; ++i) {
      packager.SetRenditionPaused(1 + i % 2, i % 4 < 2);
      packager.MasterPlaylist("pb").has_value();
      packager.Lookup("480p/index.m3u8").has_value();
      packager.Stats();
      std::this_thread::yield();
    }
  });
  for (auto& t : threads) t.join();
  packager.OnEndOfStream();
  done = true;
  pauser.join();
  for (const auto& rung : rungs) {
    const Parsed p = Parse(packager, rung.name);
    const PackagerStats stats = packager.Stats();
    const RenditionStats* r = nullptr;
    for (const auto& rs : stats.renditions)
      if (rs.name == rung.name) r = &rs;
    EXPECT_TRUE(p.ended) << rung.name << " segments=" << r->segments << " gaps=" << r->gap_segments
                         << " skipped=" << r->skipped_at_join << " late=" << r->late_resume_segments
                         << " dropped=" << r->dropped_units << " paused=" << r->paused
                         << " entries=" << p.entries.size();
    for (size_t i = 1; i < p.entries.size(); ++i) {
      EXPECT_EQ(p.entries[i].sequence, p.entries[i - 1].sequence + 1) << rung.name;
    }
  }
}

}  // namespace
}  // namespace steadycast::package
