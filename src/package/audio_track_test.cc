// The separate audio rendition: aligned with every video rendition, continuous whoever offers a
// segment, and in step through discontinuities, pauses and the end of the stream.

#include "package/audio_track.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "formats/fmp4/fmp4_test_util.h"
#include "package/ladder_test_util.h"
#include "package/segment_window.h"
#include "package/stream_packager.h"

namespace steadycast::package {
namespace {

using testing::LadderDriver;
using testing::LadderRung;

std::vector<LadderRung> ThreeRungs() {
  return {{"720p", 1280, 720, 0x64, 0, 0x1f, 6000, 3000},
          {"480p", 854, 480, 0x4d, 0x40, 0x1e, 3000, 1500},
          {"240p", 426, 240, 0x42, 0xc0, 0x15, 1000, 500}};
}

std::string Playlist(const StreamPackager& packager, const std::string& rendition) {
  auto resource = packager.Lookup(rendition + "/index.m3u8");
  return resource ? std::string(resource->body.AsStringView()) : "<none>";
}

// The playlist with every EXTINF value blanked: the audio's durations are its own (whole AAC
// frames), everything else matches the video renditions.
std::string WithoutDurations(const std::string& playlist) {
  std::string out;
  size_t start = 0;
  while (start < playlist.size()) {
    size_t end = playlist.find('\n', start);
    if (end == std::string::npos) end = playlist.size();
    const std::string line = playlist.substr(start, end - start);
    out += line.rfind("#EXTINF:", 0) == 0 ? "#EXTINF:_," : line;
    out += '\n';
    start = end + 1;
  }
  return out;
}

// Each audio segment's EXTINF is its own media duration, to the millisecond.
void ExpectOwnDurations(const WindowSnapshot& snapshot) {
  for (const PublishedSegment& s : snapshot.segments) {
    if (s.entry.gap || s.timescale == 0) continue;
    const int64_t ms =
        (static_cast<int64_t>(s.media_duration) * 1000 + s.timescale / 2) / s.timescale;
    EXPECT_EQ(s.entry.duration_ms, ms) << "segment " << s.entry.sequence;
  }
}

// Every audio segment starts where the previous one ended (sample-rate units).
void ExpectContinuous(const WindowSnapshot& snapshot) {
  for (size_t i = 1; i < snapshot.segments.size(); ++i) {
    const PublishedSegment& a = snapshot.segments[i - 1];
    const PublishedSegment& b = snapshot.segments[i];
    if (a.entry.gap || b.entry.gap) continue;
    EXPECT_EQ(a.media_time + a.media_duration, b.media_time) << "segment " << b.entry.sequence;
  }
}

TEST(AudioTrackTest, AudioPlaylistListsTheSameSegmentsAsEveryVideoRendition) {
  LadderDriver driver(ThreeRungs());
  driver.Configure();
  driver.Feed(13.0);
  const std::string audio = Playlist(driver.packager(), "audio");
  // Same numbers, PROGRAM-DATE-TIME, discontinuities, init names; EXTINF the audio's own.
  EXPECT_EQ(WithoutDurations(audio), WithoutDurations(Playlist(driver.packager(), "720p")));
  EXPECT_EQ(WithoutDurations(audio), WithoutDurations(Playlist(driver.packager(), "240p")));
  const auto snapshot = driver.packager().Window("audio")->Snapshot();
  ASSERT_GE(snapshot->segments.size(), 5u);
  ExpectOwnDurations(*snapshot);
  EXPECT_EQ(snapshot->segments.front().timescale, 48000u);
  ExpectContinuous(*snapshot);
  // The audio init describes one audio track; video inits one video track.
  auto audio_init = driver.packager().Lookup("audio/init.mp4");
  auto video_init = driver.packager().Lookup("720p/init.mp4");
  ASSERT_TRUE(audio_init && video_init);
  EXPECT_NE(std::string(audio_init->body.AsStringView()).find("soun"), std::string::npos);
  EXPECT_EQ(std::string(audio_init->body.AsStringView()).find("vide"), std::string::npos);
  EXPECT_NE(std::string(video_init->body.AsStringView()).find("vide"), std::string::npos);
  EXPECT_EQ(std::string(video_init->body.AsStringView()).find("soun"), std::string::npos);
}

// A publisher restart is a discontinuity in every variant, the audio included (matching
// discontinuity sequences), while the audio timestamps stay continuous.
TEST(AudioTrackTest, DiscontinuityAppearsAtTheSameNumberInAudioAndVideo) {
  LadderDriver driver(ThreeRungs());
  driver.Configure();
  driver.Feed(6.0);
  driver.packager().OnDiscontinuity();
  driver.RestartTimestamps(900'000);
  driver.StartGop();
  driver.Feed(7.0);
  const std::string audio = Playlist(driver.packager(), "audio");
  EXPECT_NE(audio.find("#EXT-X-DISCONTINUITY\n"), std::string::npos) << audio;
  EXPECT_EQ(WithoutDurations(audio), WithoutDurations(Playlist(driver.packager(), "480p")));
  ExpectContinuous(*driver.packager().Window("audio")->Snapshot());
  ExpectOwnDurations(*driver.packager().Window("audio")->Snapshot());
}

TEST(AudioTrackTest, APausedFirstRenditionDoesNotHoldAudioBack) {
  LadderDriver driver(ThreeRungs());
  driver.Configure();
  driver.Feed(4.0);
  driver.packager().SetRenditionPaused(0, true);
  driver.Feed(8.0, {1, 2});
  const auto snapshot = driver.packager().Window("audio")->Snapshot();
  const auto video = driver.packager().Window("480p")->Snapshot();
  ASSERT_FALSE(snapshot->segments.empty());
  EXPECT_EQ(snapshot->segments.back().entry.sequence, video->segments.back().entry.sequence);
  for (const PublishedSegment& s : snapshot->segments) EXPECT_FALSE(s.entry.gap);
  ExpectContinuous(*snapshot);
}

TEST(AudioTrackTest, EndOfStreamEndsTheAudioPlaylistToo) {
  LadderDriver driver(ThreeRungs());
  driver.Configure();
  driver.Feed(5.0);
  driver.packager().OnEndOfStream();
  const std::string audio = Playlist(driver.packager(), "audio");
  EXPECT_NE(audio.find("#EXT-X-ENDLIST\n"), std::string::npos);
  EXPECT_EQ(WithoutDurations(audio), WithoutDurations(Playlist(driver.packager(), "720p")));
  ExpectOwnDurations(*driver.packager().Window("audio")->Snapshot());
}

TEST(AudioTrackTest, OffersAreTakenOnceInOrderAndMissingAudioIsAGap) {
  PackagerOptions options;
  AudioTrack track(options);
  const media::AudioTrackConfig config = formats::fmp4::testing::TestAudioConfig();
  std::vector<media::AccessUnit> units;
  for (int i = 0; i < 94; ++i) {
    units.push_back(formats::fmp4::testing::AudioUnit(i * 1920, static_cast<uint8_t>(i)));
  }
  AudioOffer offer{0, 0, 2000, 1000, 0, units, &config, /*preferred=*/true};
  EXPECT_FALSE(track.Offer(AudioOffer{0, 0, 2000, 1000, 0, {}, &config, true}));  // no audio yet
  EXPECT_TRUE(track.Offer(offer));
  EXPECT_FALSE(track.Offer(offer));  // the same number again
  AudioOffer silent{1, 0, 2000, 3000, 0, {}, &config, true};
  EXPECT_TRUE(track.Offer(silent));  // listed as a gap: numbering stays in step
  const auto snapshot = track.window().Snapshot();
  ASSERT_EQ(snapshot->segments.size(), 2u);
  EXPECT_FALSE(snapshot->segments[0].entry.gap);
  EXPECT_TRUE(snapshot->segments[1].entry.gap);
  EXPECT_EQ(track.Stats().segments, 1u);
  EXPECT_EQ(track.Stats().gap_segments, 1u);
}

TEST(AudioTrackTest, AnotherRenditionIsTakenOnlyWhenTheSourceFallsASegmentBehind) {
  PackagerOptions options;
  AudioTrack track(options);
  const media::AudioTrackConfig config = formats::fmp4::testing::TestAudioConfig();
  auto units_from = [](int64_t t0) {
    std::vector<media::AccessUnit> units;
    for (int i = 0; i < 94; ++i) {
      units.push_back(formats::fmp4::testing::AudioUnit(t0 + i * 1920, 1));
    }
    return units;
  };
  const auto u0 = units_from(0), u1 = units_from(180480), u2 = units_from(360960);
  EXPECT_TRUE(track.Offer({0, 0, 2000, 1000, 0, u0, &config, true}));
  // Another rendition is ahead: kept, not taken, while the source may still come.
  EXPECT_FALSE(track.Offer({1, 0, 2000, 3000, 0, u1, &config, false}));
  EXPECT_EQ(track.window().Snapshot()->segments.size(), 1u);
  EXPECT_TRUE(track.Offer({1, 0, 2000, 3000, 0, u1, &config, true}));  // the source's own
  // The source stalls: the other rendition's 2 is taken once it offers 3.
  EXPECT_FALSE(track.Offer({2, 0, 2000, 5000, 0, u2, &config, false}));
  EXPECT_TRUE(track.Offer({3, 0, 2000, 7000, 0, units_from(541440), &config, false}));
  const auto snapshot = track.window().Snapshot();
  ASSERT_EQ(snapshot->segments.size(), 3u);
  EXPECT_EQ(snapshot->segments.back().entry.sequence, 2u);
}

std::vector<uint32_t> Durations(const std::vector<formats::fmp4::Sample>& samples) {
  std::vector<uint32_t> out;
  for (const auto& s : samples) out.push_back(s.duration);
  return out;
}

std::vector<media::AccessUnit> AudioAt(const std::vector<int64_t>& dts) {
  std::vector<media::AccessUnit> units;
  for (int64_t t : dts) units.push_back(formats::fmp4::testing::AudioUnit(t, 1));
  return units;
}

TEST(AudioTrackTest, OverlappingFramesAreShortenedOrDroppedGapsStretched) {
  const media::AudioTrackConfig config = formats::fmp4::testing::TestAudioConfig();  // 48 kHz
  // A frame more than half covered by the one before is dropped.
  EXPECT_EQ(Durations(AudioSamplesWithGaps(AudioAt({0, 1920, 2400, 3840}), config, 0, 0)),
            (std::vector<uint32_t>{1024, 1024, 1024}));
  // A smaller overlap (128 samples) shortens the frame before; later frames keep their times.
  EXPECT_EQ(Durations(AudioSamplesWithGaps(AudioAt({0, 1920, 3600, 5520}), config, 0, 0)),
            (std::vector<uint32_t>{1024, 896, 1024, 1024}));
  // A gap stretches the frame before it.
  EXPECT_EQ(Durations(AudioSamplesWithGaps(AudioAt({0, 1920, 5760}), config, 0, 0)),
            (std::vector<uint32_t>{1024, 2048, 1024}));
  // Jitter within 1.5 ms (FLV milliseconds) changes nothing.
  EXPECT_EQ(Durations(AudioSamplesWithGaps(AudioAt({0, 1890, 3870}), config, 0, 0)),
            (std::vector<uint32_t>{1024, 1024, 1024}));
  // The previous segment already covers more than half of the first frames: dropped.
  EXPECT_EQ(Durations(AudioSamplesWithGaps(AudioAt({0, 1920, 3840, 5760}), config, 0, 1600)),
            (std::vector<uint32_t>{1024, 1024}));
}

// After a slate, the source's audio may start a little more than a frame before the end of the
// silence already published: the next segment still continues exactly (no EXT-X-DISCONTINUITY
// in the video, so none in the audio either).
TEST(AudioTrackTest, ASegmentOverlappingThePreviousOneByMoreThanAFrameStaysContinuous) {
  PackagerOptions options;
  AudioTrack track(options);
  const media::AudioTrackConfig config = formats::fmp4::testing::TestAudioConfig();
  std::vector<int64_t> first, second;
  for (int i = 0; i < 94; ++i) first.push_back(i * 1920);
  // The first segment ends at 94 × 1024 samples = 180480 ticks; the next starts 1040 samples
  // (1950 ticks) before that.
  for (int i = 0; i < 94; ++i) second.push_back(180480 - 1950 + i * 1920);
  const auto u0 = AudioAt(first), u1 = AudioAt(second);
  ASSERT_TRUE(track.Offer({0, 0, 2000, 1000, 0, u0, &config, true}));
  ASSERT_TRUE(track.Offer({1, 0, 2000, 3000, 0, u1, &config, true}));
  const auto snapshot = track.window().Snapshot();
  ASSERT_EQ(snapshot->segments.size(), 2u);
  ExpectContinuous(*snapshot);
  // The covered frame was dropped; the next one is 16 samples late (within 1.5 ms: kept).
  EXPECT_EQ(snapshot->segments[1].media_duration, 93 * 1024);
}

TEST(AudioTrackTest, AudioIsReservedAsARenditionName) {
  EXPECT_FALSE(StreamPackager::ValidateRenditions({{"src"}, {"audio"}}).ok());
}

}  // namespace
}  // namespace steadycast::package
