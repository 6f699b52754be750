// StreamPackager with several renditions (the ABR ladder): master playlist, aligned
// numbering and timestamps across renditions, late joins, lookups, stats and concurrency.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "formats/fmp4/box_dump.h"
#include "formats/fmp4/fmp4_test_util.h"
#include "package/ladder_test_util.h"
#include "package/stream_packager.h"

namespace steadycast::package {
namespace {

using formats::fmp4::testing::MatchesGolden;
using testing::LadderDriver;
using testing::LadderRung;
using testing::RungFeed;

std::string Golden(const std::string& name) {
  return std::string(PACKAGE_TESTDATA_DIR) + "/" + name;
}

// Declared out of bandwidth order on purpose: the master sorts them.
std::vector<LadderRung> ThreeRungs() {
  return {
      {"720p", 1280, 720, 0x64, 0x00, 0x1f, 12000, 6000},
      {"240p", 426, 240, 0x42, 0xc0, 0x15, 1500, 600},
      {"480p", 854, 480, 0x4d, 0x40, 0x1e, 5000, 2500},
  };
}

// One listed segment of a media playlist, with the discontinuity sequence it belongs to.
struct Listed {
  uint64_t sequence = 0;
  uint64_t discontinuity_sequence = 0;
  std::string extinf;
  bool operator==(const Listed&) const = default;
};

struct ParsedPlaylist {
  uint64_t media_sequence = 0;
  uint64_t discontinuity_sequence = 0;
  std::vector<Listed> segments;
  bool ended = false;
};

ParsedPlaylist Parse(const std::string& text) {
  ParsedPlaylist p;
  std::istringstream in(text);
  std::string line, extinf;
  uint64_t discontinuity = 0;
  while (std::getline(in, line)) {
    if (line.starts_with("#EXT-X-MEDIA-SEQUENCE:")) {
      p.media_sequence = std::stoull(line.substr(22));
    } else if (line.starts_with("#EXT-X-DISCONTINUITY-SEQUENCE:")) {
      p.discontinuity_sequence = discontinuity = std::stoull(line.substr(30));
    } else if (line == "#EXT-X-DISCONTINUITY") {
      ++discontinuity;
    } else if (line.starts_with("#EXTINF:")) {
      extinf = line.substr(8);
    } else if (line == "#EXT-X-ENDLIST") {
      p.ended = true;
    } else if (line.starts_with("seg")) {
      p.segments.push_back({std::stoull(line.substr(3)), discontinuity, extinf});
    }
  }
  return p;
}

ParsedPlaylist PlaylistOf(const StreamPackager& packager, const std::string& rendition) {
  auto resource = packager.Lookup(rendition + "/index.m3u8");
  return resource ? Parse(std::string(resource->body.AsStringView())) : ParsedPlaylist{};
}

// The tfdt lines (decode times of every track) of one segment.
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

// Every rendition lists the same numbers with the same durations and discontinuity sequence
// numbers, and segment N starts at the same decode times everywhere.
void ExpectAligned(const StreamPackager& packager, size_t min_segments) {
  const std::string& first = packager.rendition_name(0);
  const ParsedPlaylist reference = PlaylistOf(packager, first);
  ASSERT_GE(reference.segments.size(), min_segments);
  for (size_t i = 1; i < packager.rendition_count(); ++i) {
    const std::string& name = packager.rendition_name(i);
    const ParsedPlaylist p = PlaylistOf(packager, name);
    EXPECT_EQ(p.media_sequence, reference.media_sequence) << name;
    EXPECT_EQ(p.discontinuity_sequence, reference.discontinuity_sequence) << name;
    EXPECT_EQ(p.segments, reference.segments) << name;
    EXPECT_EQ(p.ended, reference.ended) << name;
    for (const Listed& s : reference.segments) {
      const std::string seg = "/seg" + std::to_string(s.sequence) + ".m4s";
      EXPECT_EQ(DecodeTimes(packager, name + seg), DecodeTimes(packager, first + seg))
          << name << seg;
    }
  }
}

// Segment number -> EXT-X-PROGRAM-DATE-TIME of a media playlist.
std::map<uint64_t, std::string> ProgramDates(const StreamPackager& packager,
                                             const std::string& rendition) {
  auto resource = packager.Lookup(rendition + "/index.m3u8");
  std::map<uint64_t, std::string> out;
  if (!resource) return out;
  std::istringstream in{std::string(resource->body.AsStringView())};
  std::string line, date;
  while (std::getline(in, line)) {
    if (line.rfind("#EXT-X-PROGRAM-DATE-TIME:", 0) == 0) date = line.substr(25);
    if (line.rfind("seg", 0) == 0) out[std::stoull(line.substr(3))] = date;
  }
  return out;
}

// A transcoded rung reaches the packager ~0.4 s after the passthrough: segment N still has one
// program date in every rendition (RFC 8216bis §6.2.4), the audio rendition's included.
TEST(LadderTest, ProgramDatesMatchAcrossRenditionsThatArriveLater) {
  base::FakeClock clock;
  StreamPackager packager(PackagerOptions{}, {{"src"}, {"240p"}}, clock);
  RungFeed src(ThreeRungs()[0]);
  RungFeed rung(ThreeRungs()[2]);
  src.Configure(packager.Rendition(0));
  rung.Configure(packager.Rendition(1));
  for (int64_t step = 1; step <= 100; ++step) {  // 10 s in steps of 100 ms
    clock.Advance(std::chrono::milliseconds(100));
    src.FeedUntil(packager.Rendition(0), step * 9000);
    rung.FeedUntil(packager.Rendition(1), std::max<int64_t>(step - 4, 0) * 9000);
  }
  const auto a = ProgramDates(packager, "src");
  const auto b = ProgramDates(packager, "240p");
  const auto audio = ProgramDates(packager, "audio");
  ASSERT_GE(b.size(), 3u);
  for (const auto& [n, date] : b) {
    ASSERT_TRUE(a.count(n)) << n;
    EXPECT_EQ(date, a.at(n)) << n;
    if (audio.count(n)) {
      EXPECT_EQ(audio.at(n), a.at(n)) << n;
    }
  }
}

TEST(LadderTest, MasterListsEveryRenditionByBandwidthWithItsAttributes) {
  LadderDriver driver(ThreeRungs());
  driver.Configure();
  driver.Feed(7.0);
  auto master = driver.packager().MasterPlaylist("pb_abc");
  ASSERT_TRUE(master.has_value());
  EXPECT_TRUE(MatchesGolden(Golden("master_ladder.m3u8"), *master)) << *master;
  const size_t p240 = master->find("pb_abc/240p/index.m3u8");
  const size_t p480 = master->find("pb_abc/480p/index.m3u8");
  const size_t p720 = master->find("pb_abc/720p/index.m3u8");
  ASSERT_NE(p720, std::string::npos);
  EXPECT_LT(p240, p480);
  EXPECT_LT(p480, p720);
  EXPECT_NE(master->find("CODECS=\"avc1.42c015,mp4a.40.2\",RESOLUTION=426x240,FRAME-RATE=30.000"),
            std::string::npos);
  EXPECT_NE(master->find("CODECS=\"avc1.4d401e,mp4a.40.2\",RESOLUTION=854x480,FRAME-RATE=30.000"),
            std::string::npos);
  EXPECT_NE(master->find("CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=1280x720,FRAME-RATE=30.000"),
            std::string::npos);
  EXPECT_NE(master->find("#EXT-X-INDEPENDENT-SEGMENTS\n"), std::string::npos);
  // Audio once, as its own rendition that every variant names.
  EXPECT_NE(master->find("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",LANGUAGE=\"und\","
                         "NAME=\"audio\",DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"2\","
                         "URI=\"pb_abc/audio/index.m3u8\""),
            std::string::npos);
  // BANDWIDTH and AVERAGE-BANDWIDTH: each rendition's measured video plus the audio's.
  const PackagerStats stats = driver.packager().Stats();
  ASSERT_TRUE(stats.audio.has_value());
  EXPECT_GT(stats.audio->peak_bandwidth, 0u);
  for (const RenditionStats& r : stats.renditions) {
    EXPECT_NE(
        master->find("BANDWIDTH=" + std::to_string(r.peak_bandwidth + stats.audio->peak_bandwidth) +
                     ",AVERAGE-BANDWIDTH=" +
                     std::to_string(r.average_bandwidth + stats.audio->average_bandwidth)),
        std::string::npos)
        << r.name;
  }
}

TEST(LadderTest, RenditionsShareSequenceNumbersDurationsAndDecodeTimes) {
  LadderDriver driver(ThreeRungs());
  driver.Configure();
  driver.Feed(21.0);  // 10 segments: the windows have slid
  ExpectAligned(driver.packager(), 6);
  EXPECT_EQ(PlaylistOf(driver.packager(), "240p").media_sequence, 4u);
  for (const RenditionStats& r : driver.packager().Stats().renditions) {
    EXPECT_EQ(r.segments, 10u) << r.name;
    EXPECT_EQ(r.next_sequence, 10u) << r.name;
    EXPECT_EQ(r.misaligned_segments, 0u) << r.name;
  }
}

TEST(LadderTest, LookupRoutesByRenditionName) {
  LadderDriver driver(ThreeRungs());
  driver.Configure();
  driver.Feed(5.0);
  const auto& packager = driver.packager();
  for (const char* name : {"720p", "480p", "240p"}) {
    const std::string r = name;
    EXPECT_TRUE(packager.Lookup(r + "/index.m3u8").has_value()) << r;
    EXPECT_TRUE(packager.Lookup(r + "/init.mp4").has_value()) << r;
    EXPECT_TRUE(packager.Lookup(r + "/seg1.m4s").has_value()) << r;
  }
  auto init = packager.Lookup("480p/init.mp4");
  auto dump = formats::fmp4::DumpBoxes(init->body.span(), {});
  ASSERT_TRUE(dump.ok());
  EXPECT_NE(dump->find("width=854 height=480"), std::string::npos) << *dump;
  for (const char* missing : {"src/index.m3u8", "1080p/index.m3u8", "720P/index.m3u8", "720p",
                              "720p/", "/720p/index.m3u8", "720p/../480p/index.m3u8", "",
                              "720p/seg2.m4s", "720pp/index.m3u8", "72/index.m3u8"}) {
    EXPECT_FALSE(packager.Lookup(missing).has_value()) << missing;
  }
}

TEST(LadderTest, RenditionNamesAreValidated) {
  using Specs = std::vector<RenditionSpec>;
  EXPECT_TRUE(StreamPackager::ValidateRenditions({{"src"}, {"720p"}, {"a_1"}}).ok());
  EXPECT_TRUE(StreamPackager::ValidateRenditions({{std::string(32, 'a')}}).ok());
  for (const Specs& bad : {Specs{}, Specs{{""}}, Specs{{"HD"}}, Specs{{"hd-1"}}, Specs{{"a/b"}},
                           Specs{{"a.b"}}, Specs{{".."}}, Specs{{std::string(33, 'a')}},
                           Specs{{"hd"}, {"sd"}, {"hd"}}, Specs(17, RenditionSpec{"x"})}) {
    EXPECT_FALSE(StreamPackager::ValidateRenditions(bad).ok()) << bad.size();
  }
  Specs many;
  for (int i = 0; i < 16; ++i) many.push_back({"r" + std::to_string(i)});
  EXPECT_TRUE(StreamPackager::ValidateRenditions(many).ok());
  many.push_back({"r16"});
  EXPECT_FALSE(StreamPackager::ValidateRenditions(many).ok());

  base::FakeClock clock;
  auto bad = StreamPackager::Create({}, {{"Bad"}}, clock);
  EXPECT_FALSE(bad.ok());
  auto good = StreamPackager::Create({}, {{"hi"}, {"lo"}}, clock);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ((*good)->rendition_count(), 2u);
  EXPECT_EQ((*good)->rendition_name(1), "lo");
}

TEST(LadderTest, SingleRenditionConstructorIsOneSrcRendition) {
  base::FakeClock clock;
  StreamPackager packager({}, clock);
  EXPECT_EQ(packager.rendition_count(), 1u);
  EXPECT_EQ(packager.rendition_name(0), "src");
  EXPECT_EQ(packager.Stats().renditions.size(), 1u);
}

TEST(LadderTest, WriterMethodsFeedRenditionZero) {
  LadderDriver driver({{"hd", 1280, 720}, {"sd", 640, 360}});
  RungFeed direct({"hd", 1280, 720});
  // Rendition 0 through the StreamPackager's own writer methods: the passthrough path.
  struct Forward final : media::MediaSink {
    StreamPackager& p;
    explicit Forward(StreamPackager& packager) : p(packager) {}
    void OnVideoConfig(const media::VideoTrackConfig& c) override { p.OnVideoConfig(c); }
    void OnAudioConfig(const media::AudioTrackConfig& c) override { p.OnAudioConfig(c); }
    void OnAccessUnit(const media::AccessUnit& u) override { p.OnAccessUnit(u); }
  } forward(driver.packager());
  direct.Configure(forward);
  driver.Configure(1);
  direct.FeedUntil(forward, int64_t{5} * 90000);
  driver.Feed(5.0, {1});
  ExpectAligned(driver.packager(), 2);
}

TEST(LadderTest, DiscontinuityAndEndOfStreamApplyToEveryRendition) {
  LadderDriver driver(ThreeRungs());
  driver.Configure();
  driver.Feed(5.0);
  driver.packager().OnDiscontinuity();  // publisher lost: every rendition flushes
  driver.RestartTimestamps(0);          // the new publisher's clock starts at zero
  driver.Configure();
  driver.Feed(5.0);
  driver.packager().OnEndOfStream();
  ExpectAligned(driver.packager(), 5);
  for (const char* name : {"720p", "480p", "240p"}) {
    const ParsedPlaylist p = PlaylistOf(driver.packager(), name);
    EXPECT_TRUE(p.ended) << name;
    ASSERT_EQ(p.segments.size(), 6u) << name;
    EXPECT_EQ(p.segments[2].extinf, "1.000,") << name;  // the flushed [4 s, 5 s)
    EXPECT_EQ(p.segments[3].discontinuity_sequence, 1u) << name;
    // The output timeline continues at 5 s in every rendition.
    EXPECT_EQ(DecodeTimes(driver.packager(), std::string(name) + "/seg3.m4s").front(),
              "    tfdt size=20 v=1 base=450000")
        << name;
  }
  driver.Feed(4.0);  // ignored after the end
  EXPECT_EQ(driver.packager().Stats().segments, 18u);
}

TEST(LadderTest, LateRenditionJoinsAtTheSegmentCoveringTheSameTime) {
  PackagerOptions options;
  options.first_sequence = 1000;
  LadderDriver driver({{"hd", 1280, 720, 0x64, 0, 0x1f, 8000, 4000}, {"sd", 640, 360}}, options);
  driver.Configure(0);
  driver.Feed(4.0, {0});  // sd's encoder is late: it starts at the keyframe at 4 s
  EXPECT_FALSE(driver.packager().MasterPlaylist("pb").has_value());  // waits for sd
  driver.Configure(1);
  driver.Feed(1.5);
  EXPECT_FALSE(driver.packager().MasterPlaylist("pb").has_value());
  driver.Feed(4.0);
  const ParsedPlaylist sd = PlaylistOf(driver.packager(), "sd");
  ASSERT_FALSE(sd.segments.empty());
  EXPECT_EQ(sd.media_sequence, 1002u);  // hd's segment 1002 starts at 4 s too
  EXPECT_EQ(sd.discontinuity_sequence, 0u);
  const std::vector<std::string> hd_times = DecodeTimes(driver.packager(), "hd/seg1003.m4s");
  EXPECT_EQ(DecodeTimes(driver.packager(), "sd/seg1003.m4s"), hd_times);
  auto master = driver.packager().MasterPlaylist("pb");
  ASSERT_TRUE(master.has_value());
  EXPECT_NE(master->find("pb/sd/index.m3u8"), std::string::npos) << *master;
  EXPECT_NE(master->find("pb/hd/index.m3u8"), std::string::npos) << *master;
  EXPECT_EQ(driver.packager().Stats().renditions[1].skipped_at_join, 0u);
}

TEST(LadderTest, LateJoinerTakesTheCurrentDiscontinuitySequence) {
  LadderDriver driver({{"hd", 1280, 720}, {"sd", 640, 360}});
  driver.Configure(0);
  driver.Feed(5.0, {0});
  driver.packager().OnDiscontinuity();
  driver.RestartTimestamps(90000);
  driver.Configure(0);
  driver.Feed(4.0, {0});  // hd: [0,2) [2,4) [4,5) | [1 s, 3 s) [3 s, ...
  driver.Configure(1);    // sd starts with the keyframe at 5 s of the new run
  driver.Feed(7.0);
  const ParsedPlaylist hd = PlaylistOf(driver.packager(), "hd");
  const ParsedPlaylist sd = PlaylistOf(driver.packager(), "sd");
  ASSERT_FALSE(sd.segments.empty());
  EXPECT_EQ(sd.discontinuity_sequence, 1u);
  for (const Listed& s : sd.segments) {
    auto same = std::find_if(hd.segments.begin(), hd.segments.end(),
                             [&](const Listed& h) { return h.sequence == s.sequence; });
    ASSERT_NE(same, hd.segments.end()) << s.sequence;
    EXPECT_EQ(*same, s);
    const std::string seg = "/seg" + std::to_string(s.sequence) + ".m4s";
    EXPECT_EQ(DecodeTimes(driver.packager(), "sd" + seg),
              DecodeTimes(driver.packager(), "hd" + seg));
  }
}

TEST(LadderTest, MasterWaitForAMissingRenditionIsBounded) {
  LadderDriver driver({{"hd", 1280, 720}, {"sd", 640, 360}});
  driver.Configure(0);  // sd never starts
  driver.Feed(5.0, {0});
  EXPECT_TRUE(driver.packager().HasSegments());  // hd's playlists are served meanwhile
  EXPECT_TRUE(driver.packager().Lookup("hd/index.m3u8").has_value());
  EXPECT_FALSE(driver.packager().MasterPlaylist("pb").has_value());  // 2 segments: waiting
  driver.Feed(2.0, {0});
  auto master = driver.packager().MasterPlaylist("pb");  // 3 segments: listed without sd
  ASSERT_TRUE(master.has_value());
  EXPECT_NE(master->find("pb/hd/index.m3u8"), std::string::npos);
  EXPECT_EQ(master->find("pb/sd/"), std::string::npos);
  EXPECT_FALSE(driver.packager().Lookup("sd/index.m3u8").has_value());
}

TEST(LadderTest, UnalignedFirstSegmentsAreSkippedThenCountedAsMisaligned) {
  LadderDriver driver({{"hd", 1280, 720}, {"sd", 640, 360}});
  driver.Configure(0);
  driver.Feed(1.0, {0});
  driver.feed(1).StartGop();  // sd's keyframes fall at 1 s, 3 s, ...: never aligned with hd
  driver.Configure(1);
  driver.Feed(13.0);
  const PackagerStats stats = driver.packager().Stats();
  EXPECT_EQ(stats.renditions[1].skipped_at_join, 3u);
  EXPECT_EQ(stats.renditions[0].skipped_at_join, 0u);
  // Whichever rendition publishes a number second sees the mismatch.
  EXPECT_GT(stats.renditions[0].misaligned_segments + stats.renditions[1].misaligned_segments, 0u);
  EXPECT_TRUE(driver.packager().Lookup("sd/index.m3u8").has_value());
}

TEST(LadderTest, StatsPerRenditionAndTotals) {
  PackagerOptions options;
  options.first_sequence = 50;
  LadderDriver driver(ThreeRungs(), options);
  driver.Configure();
  driver.Feed(7.0);
  const PackagerStats stats = driver.packager().Stats();
  ASSERT_EQ(stats.renditions.size(), 3u);
  EXPECT_EQ(stats.segments, 9u);
  EXPECT_EQ(stats.init_segments, 3u);
  EXPECT_EQ(stats.next_sequence, 53u);
  for (const RenditionStats& r : stats.renditions) {
    EXPECT_EQ(r.segments, 3u) << r.name;
    EXPECT_GT(r.bytes, 0u) << r.name;
    EXPECT_GE(r.peak_bandwidth, r.average_bandwidth) << r.name;
    EXPECT_GT(r.average_bandwidth, 0u) << r.name;
    EXPECT_EQ(r.next_sequence, 53u) << r.name;
  }
  // 720p is the most expensive rung, 240p the cheapest (declared order: 720p, 240p, 480p).
  EXPECT_GT(stats.renditions[0].peak_bandwidth, stats.renditions[2].peak_bandwidth);
  EXPECT_GT(stats.renditions[2].peak_bandwidth, stats.renditions[1].peak_bandwidth);
  EXPECT_EQ(stats.renditions[0].name, "720p");
}

// One writer thread per rendition, readers on other threads, a discontinuity and the end from
// yet another: run under TSan (STEADYCAST_TSAN) to check the locking. The renditions' output
// does not depend on the interleaving, so it must come out aligned.
TEST(LadderTest, ConcurrentWritersAndReaders) {
  for (int round = 0; round < 3; ++round) {
    base::FakeClock clock;
    const std::vector<LadderRung> rungs = ThreeRungs();
    std::vector<RenditionSpec> specs;
    specs.reserve(rungs.size());
    for (const auto& r : rungs) specs.push_back({r.name});
    StreamPackager packager({}, specs, clock);
    std::atomic<bool> done{false};
    std::atomic<uint64_t> served{0};
    std::vector<std::thread> readers;
    readers.reserve(2);
    for (int i = 0; i < 2; ++i) {
      readers.emplace_back([&, i] {
        while (!done) {
          if (auto m = packager.MasterPlaylist(i == 0 ? "pb" : "other")) served += m->size() > 0;
          for (const auto& r : rungs) {
            packager.Lookup(r.name + "/index.m3u8").has_value();
            packager.Lookup(r.name + "/seg3.m4s").has_value();
          }
          packager.Stats();
          packager.HasSegments();
        }
      });
    }
    std::vector<std::thread> writers;
    for (size_t i = 0; i < rungs.size(); ++i) {
      writers.emplace_back([&packager, rung = rungs[i], i] {
        RungFeed feed(rung);
        media::MediaSink& sink = packager.Rendition(i);
        feed.Configure(sink);
        feed.FeedUntil(sink, int64_t{30} * 90000);
      });
    }
    for (auto& t : writers) t.join();
    packager.OnEndOfStream();
    done = true;
    for (auto& t : readers) t.join();
    ExpectAligned(packager, 6);
    EXPECT_EQ(packager.Stats().segments, 3u * 15);
  }
}

TEST(LadderTest, DiscontinuityRacingTheWritersIsSafe) {
  base::FakeClock clock;
  const std::vector<LadderRung> rungs = ThreeRungs();
  StreamPackager packager({}, {{rungs[0].name}, {rungs[1].name}, {rungs[2].name}}, clock);
  std::vector<std::thread> writers;
  for (size_t i = 0; i < rungs.size(); ++i) {
    writers.emplace_back([&packager, rung = rungs[i], i] {
      RungFeed feed(rung);
      feed.Configure(packager.Rendition(i));
      feed.FeedUntil(packager.Rendition(i), int64_t{20} * 90000);
    });
  }
  for (int i = 0; i < 20; ++i) {
    packager.OnDiscontinuity();
    packager.MasterPlaylist("pb").has_value();
    std::this_thread::yield();
  }
  for (auto& t : writers) t.join();
  packager.OnEndOfStream();
  for (const auto& r : rungs) {
    EXPECT_TRUE(PlaylistOf(packager, r.name).ended) << r.name;
  }
}

}  // namespace
}  // namespace steadycast::package
