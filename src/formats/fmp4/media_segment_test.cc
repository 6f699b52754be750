#include "formats/fmp4/media_segment.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/bytes.h"
#include "formats/fmp4/box_dump.h"
#include "formats/fmp4/box_reader.h"
#include "formats/fmp4/fmp4_test_util.h"
#include "formats/fmp4/init_segment.h"

namespace steadycast::formats::fmp4 {
namespace {

using testing::AudioUnit;
using testing::VideoUnit;

// Six video frames at 30 fps with B-frames (pts order I P B B P B) and four AAC frames.
MediaSegmentSpec SyntheticSegment() {
  const int64_t t0 = 900000;  // 10 s: timestamps go on the wire as they come
  std::vector<media::AccessUnit> video = {
      VideoUnit(t0, t0 + 3000, true, 0xA0, 40),
      VideoUnit(t0 + 3000, t0 + 12000, false, 0xA1),
      VideoUnit(t0 + 6000, t0 + 6000, false, 0xA2),
      VideoUnit(t0 + 9000, t0 + 9000, false, 0xA3),
      VideoUnit(t0 + 12000, t0 + 18000, false, 0xA4),
      VideoUnit(t0 + 15000, t0 + 15000, false, 0xA5),
  };
  std::vector<media::AccessUnit> audio;
  for (int i = 0; i < 4; ++i) audio.push_back(AudioUnit(t0 + i * 1920, 0xB0 + i, 8 + i));
  MediaSegmentSpec spec;
  spec.sequence_number = 7;
  spec.tracks.push_back(
      {kVideoTrackId, static_cast<uint64_t>(t0), VideoSamples(video, t0 + 18000, 3000)});
  spec.tracks.push_back({kAudioTrackId, static_cast<uint64_t>(RescaleTime(t0, 90000, 48000)),
                         AudioSamples(audio, 1024)});
  return spec;
}

TEST(MediaSegmentTest, MatchesGolden) {
  auto segment = BuildMediaSegment(SyntheticSegment());
  ASSERT_TRUE(segment.ok()) << segment.status().ToString();
  auto dump = DumpBoxes(segment->span());
  ASSERT_TRUE(dump.ok()) << dump.status().ToString();
  EXPECT_TRUE(testing::MatchesGolden(std::string(FMP4_TESTDATA_DIR) + "/segment_av.txt", *dump))
      << *dump;
}

// Follows each trun's data_offset from its moof into mdat and checks the sample bytes.
TEST(MediaSegmentTest, DataOffsetsPointAtEachTracksSamples) {
  const MediaSegmentSpec spec = SyntheticSegment();
  auto segment = BuildMediaSegment(spec);
  ASSERT_TRUE(segment.ok());
  auto boxes = ReadBoxes(segment->span());
  ASSERT_TRUE(boxes.ok());
  ASSERT_EQ(boxes->size(), 3u);
  const Box& moof = (*boxes)[1];
  ASSERT_EQ(moof.type, "moof");
  ASSERT_EQ((*boxes)[2].type, "mdat");
  size_t traf_index = 0;
  for (const Box& traf : moof.children) {
    if (traf.type != "traf") continue;
    const Box* trun = traf.Child("trun");
    ASSERT_NE(trun, nullptr);
    base::ByteReader r(trun->payload);
    uint32_t flags = 0, count = 0, data_offset = 0;
    ASSERT_TRUE(r.ReadU32(flags) && r.ReadU32(count) && r.ReadU32(data_offset));
    const TrackRun& track = spec.tracks[traf_index++];
    ASSERT_EQ(count, track.samples.size());
    size_t pos = moof.offset + data_offset;
    for (const Sample& sample : track.samples) {
      ASSERT_LE(pos + sample.data.size(), segment->size());
      EXPECT_EQ(segment->Slice(pos, sample.data.size()), sample.data);
      pos += sample.data.size();
    }
  }
  EXPECT_EQ(traf_index, 2u);
}

TEST(MediaSegmentTest, SkipsEmptyTracksAndRejectsNothingToWrite) {
  MediaSegmentSpec spec = SyntheticSegment();
  spec.tracks[1].samples.clear();
  auto video_only = BuildMediaSegment(spec);
  ASSERT_TRUE(video_only.ok());
  auto dump = DumpBoxes(video_only->span());
  ASSERT_TRUE(dump.ok());
  EXPECT_EQ(dump->find("track=2"), std::string::npos);
  spec.tracks[0].samples.clear();
  EXPECT_FALSE(BuildMediaSegment(spec).ok());
  MediaSegmentSpec zero_id = SyntheticSegment();
  zero_id.tracks[0].track_id = 0;
  EXPECT_FALSE(BuildMediaSegment(zero_id).ok());
}

TEST(VideoSamplesTest, LastDurationFromNextDtsElsePreviousElseFallback) {
  std::vector<media::AccessUnit> units = {VideoUnit(0, 0, true, 1),
                                          VideoUnit(3003, 3003, false, 2)};
  auto with_next = VideoSamples(units, 6500, 3000);
  EXPECT_EQ(with_next[0].duration, 3003u);
  EXPECT_EQ(with_next[1].duration, 3497u);
  EXPECT_TRUE(with_next[0].sync);
  EXPECT_FALSE(with_next[1].sync);
  EXPECT_EQ(VideoSamples(units, std::nullopt, 3000)[1].duration, 3003u);
  EXPECT_EQ(VideoSamples(std::span(units).first(1), std::nullopt, 1500)[0].duration, 1500u);
  // Broken input (dts going backwards) yields zero durations, never a wrapped huge value.
  std::vector<media::AccessUnit> backwards = {VideoUnit(9000, 9000, true, 1),
                                              VideoUnit(6000, 3000, false, 2)};
  auto samples = VideoSamples(backwards, std::nullopt, 3000);
  EXPECT_EQ(samples[0].duration, 0u);
  EXPECT_EQ(samples[1].composition_offset, -3000);
}

TEST(RescaleTimeTest, RoundsAndHandlesLargeValues) {
  EXPECT_EQ(RescaleTime(90000, 90000, 48000), 48000);
  EXPECT_EQ(RescaleTime(1920, 90000, 48000), 1024);
  EXPECT_EQ(RescaleTime(1, 90000, 44100), 0);
  EXPECT_EQ(RescaleTime(2, 90000, 44100), 1);  // 0.98 rounds up
  EXPECT_EQ(RescaleTime(-1920, 90000, 48000), -1024);
  EXPECT_EQ(RescaleTime(int64_t{1} << 62, 90000, 48000), 2459565876494606882);
  EXPECT_EQ(RescaleTime(5, 0, 48000), 0);
}

}  // namespace
}  // namespace steadycast::formats::fmp4
