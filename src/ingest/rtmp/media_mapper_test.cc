#include "ingest/rtmp/media_mapper.h"

#include <array>
#include <vector>

#include <gtest/gtest.h>

#include "formats/flv/flv_writer.h"
#include "ingest/rtmp/testing/rtmp_test_util.h"

namespace steadycast::ingest::rtmp {
namespace {

namespace flv = formats::flv;
using testing::Recorder;

base::Buffer Body(std::vector<uint8_t> bytes) { return base::Buffer::Take(std::move(bytes)); }

base::Buffer Nalu(bool keyframe, int32_t cts, std::vector<uint8_t> nals) {
  return Body(flv::BuildAvcNaluBody(keyframe, cts, nals));
}

constexpr std::array<uint8_t, 7> kOneNalBytes = {0, 0, 0, 3, 0x65, 0x88, 0x84};
std::vector<uint8_t> OneNal() { return {kOneNalBytes.begin(), kOneNalBytes.end()}; }

struct MapperTest : ::testing::Test {
  Recorder sink;
  MediaMapper mapper{sink};

  void Configure() {
    ASSERT_TRUE(
        mapper.OnVideo(0, Body(flv::BuildAvcSequenceHeaderBody(testing::SampleAvcc()))).ok());
    ASSERT_TRUE(
        mapper.OnAudio(0, Body(flv::BuildAacSequenceHeaderBody(testing::SampleAsc()))).ok());
    sink.events.clear();
  }
};

TEST(TimestampExtenderTest, TimestampJumpOf2Pow31) {
  TimestampExtender ext;
  EXPECT_EQ(ext.Extend(1000), 1000);
  // Exactly 2^31 ahead is ambiguous; it is taken forward, never as a jump into the past.
  EXPECT_EQ(ext.Extend(1000u + 0x80000000u), 1000 + (int64_t{1} << 31));
  // Another 2^31 forward: past the 32-bit wrap, still increasing.
  EXPECT_EQ(ext.Extend(1000), 1000 + (int64_t{1} << 32));
  // Slightly backwards (reordering) stays close instead of jumping a whole wrap.
  EXPECT_EQ(ext.Extend(990), 990 + (int64_t{1} << 32));
}

TEST(TimestampExtenderTest, WrapsForwardAcross32Bits) {
  TimestampExtender ext;
  EXPECT_EQ(ext.Extend(0xFFFFFF00u), 0xFFFFFF00);
  EXPECT_EQ(ext.Extend(0x00000100u), int64_t{0x100000100});
  EXPECT_EQ(ext.Extend(0xFFFFFFF0u), int64_t{0xFFFFFFF0});  // just before the wrap again
}

TEST(TimestampExtenderTest, NonMonotonicInputIsExtendedBySignedDistance) {
  TimestampExtender ext;
  EXPECT_EQ(ext.Extend(5), 5);
  EXPECT_EQ(ext.Extend(3), 3);
  EXPECT_EQ(ext.Extend(0xFFFFFFFFu), -1);  // a hair before zero: negative, not +49 days
  EXPECT_EQ(ext.Extend(7), 7);
}

TEST_F(MapperTest, TimestampJumpOf2Pow31) {
  Configure();
  ASSERT_TRUE(mapper.OnVideo(1000, Nalu(true, 0, OneNal())).ok());
  ASSERT_TRUE(mapper.OnVideo(1000u + 0x80000000u, Nalu(false, 0, OneNal())).ok());
  ASSERT_TRUE(
      mapper.OnAudio(1040u + 0x80000000u, Body(flv::BuildAacRawBody(std::vector<uint8_t>{1, 2})))
          .ok());
  ASSERT_EQ(sink.events.size(), 3u);
  const int64_t jumped = (1000 + (int64_t{1} << 31)) * 90;
  EXPECT_TRUE(sink.events[0].starts_with("au video dts=90000 pts=90000 key=1"));
  EXPECT_TRUE(sink.events[1].starts_with("au video dts=" + std::to_string(jumped)));
  EXPECT_TRUE(
      sink.events[2].starts_with("au audio dts=" + std::to_string(jumped + int64_t{40} * 90)));
}

// ffmpeg -c copy from MPEG-TS sends an empty AAC sequence header before the real one.
TEST_F(MapperTest, EmptySequenceHeadersAreSkippedUntilTheRealOne) {
  ASSERT_TRUE(mapper.OnAudio(0, Body(flv::BuildAacSequenceHeaderBody({}))).ok());
  ASSERT_TRUE(mapper.OnVideo(0, Body(flv::BuildAvcSequenceHeaderBody({}))).ok());
  EXPECT_EQ(mapper.empty_sequence_headers(), 2u);
  EXPECT_TRUE(sink.events.empty());
  ASSERT_TRUE(mapper.OnAudio(0, Body(flv::BuildAacSequenceHeaderBody(testing::SampleAsc()))).ok());
  ASSERT_EQ(sink.events.size(), 1u);
  EXPECT_TRUE(sink.events[0].starts_with("audio-config")) << sink.events[0];
}

TEST_F(MapperTest, VideoTimestampsAndKeyframes) {
  Configure();
  ASSERT_TRUE(mapper.OnVideo(100, Nalu(true, 66, OneNal())).ok());
  ASSERT_TRUE(mapper.OnVideo(133, Nalu(false, -33, OneNal())).ok());
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_TRUE(sink.events[0].starts_with("au video dts=9000 pts=14940 key=1 n=7"));
  EXPECT_TRUE(sink.events[1].starts_with("au video dts=11970 pts=9000 key=0 n=7"));
}

TEST_F(MapperTest, PayloadsShareTheMessageBuffer) {
  struct Capture : media::MediaSink {
    std::vector<media::AccessUnit> units;
    void OnVideoConfig(const media::VideoTrackConfig&) override {}
    void OnAudioConfig(const media::AudioTrackConfig&) override {}
    void OnAccessUnit(const media::AccessUnit& u) override { units.push_back(u); }
  } capture;
  MediaMapper zero_copy(capture);
  ASSERT_TRUE(
      zero_copy.OnVideo(0, Body(flv::BuildAvcSequenceHeaderBody(testing::SampleAvcc()))).ok());
  ASSERT_TRUE(
      zero_copy.OnAudio(0, Body(flv::BuildAacSequenceHeaderBody(testing::SampleAsc()))).ok());
  const base::Buffer video = Nalu(true, 0, OneNal());
  const base::Buffer audio = Body(flv::BuildAacRawBody(std::vector<uint8_t>{9, 8, 7}));
  ASSERT_TRUE(zero_copy.OnVideo(0, video).ok());
  ASSERT_TRUE(zero_copy.OnAudio(0, audio).ok());
  ASSERT_EQ(capture.units.size(), 2u);
  EXPECT_EQ(capture.units[0].data.data(), video.data() + 5);
  EXPECT_EQ(capture.units[1].data.data(), audio.data() + 2);
  EXPECT_EQ(capture.units[1].data.size(), 3u);
}

TEST_F(MapperTest, ShortNalLengthsAreRewrittenToFourBytes) {
  std::vector<uint8_t> avcc = testing::SampleAvcc();
  avcc[4] = 0xFD;  // lengthSizeMinusOne = 1: 2-byte NAL lengths
  ASSERT_TRUE(mapper.OnVideo(0, Body(flv::BuildAvcSequenceHeaderBody(avcc))).ok());
  ASSERT_TRUE(mapper.OnVideo(0, Nalu(true, 0, {0, 2, 0x65, 0x88, 0, 1, 0x06})).ok());
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_TRUE(sink.events[1].starts_with("au video dts=0 pts=0 key=1 n=11")) << sink.events[1];
  // A length that runs past the end is an error.
  EXPECT_FALSE(mapper.OnVideo(0, Nalu(true, 0, {0, 9, 0x65})).ok());
}

TEST_F(MapperTest, MalformedFourByteLengthsAreRefused) {
  Configure();
  base::Status status = mapper.OnVideo(0, Nalu(true, 0, {0, 0, 0, 9, 0x65}));
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("rtmp video"), std::string::npos);
}

TEST_F(MapperTest, FramesBeforeTheirConfigAreDropped) {
  ASSERT_TRUE(mapper.OnVideo(0, Nalu(true, 0, OneNal())).ok());
  ASSERT_TRUE(mapper.OnAudio(0, Body(flv::BuildAacRawBody(std::vector<uint8_t>{1}))).ok());
  EXPECT_TRUE(sink.events.empty());
  EXPECT_EQ(mapper.dropped_before_config(), 2u);
}

TEST_F(MapperTest, RepeatedSequenceHeadersAreReportedOnlyWhenChanged) {
  Configure();
  ASSERT_TRUE(mapper.OnVideo(0, Body(flv::BuildAvcSequenceHeaderBody(testing::SampleAvcc()))).ok());
  ASSERT_TRUE(mapper.OnAudio(0, Body(flv::BuildAacSequenceHeaderBody(testing::SampleAsc()))).ok());
  EXPECT_TRUE(sink.events.empty());
  ASSERT_TRUE(
      mapper.OnAudio(0, Body(flv::BuildAacSequenceHeaderBody(std::vector<uint8_t>{0x11, 0x90})))
          .ok());
  ASSERT_EQ(sink.events.size(), 1u);
  EXPECT_EQ(sink.events[0], "audio-config 48000Hz 2ch mp4a.40.2");
}

TEST_F(MapperTest, SpsFrameRateWinsOverMetadata) {
  // The sample SPS has VUI timing (10 fps); the metadata rate only fills a missing one.
  struct Capture : media::MediaSink {
    std::optional<double> rate;
    void OnVideoConfig(const media::VideoTrackConfig& c) override { rate = c.frame_rate; }
    void OnAudioConfig(const media::AudioTrackConfig&) override {}
    void OnAccessUnit(const media::AccessUnit&) override {}
  } capture;
  MediaMapper with_rate(capture);
  with_rate.set_metadata_frame_rate(25.0);
  ASSERT_TRUE(
      with_rate.OnVideo(0, Body(flv::BuildAvcSequenceHeaderBody(testing::SampleAvcc()))).ok());
  ASSERT_TRUE(capture.rate.has_value());
  EXPECT_NEAR(*capture.rate, 10.0, 0.01);
}

TEST_F(MapperTest, CommandFramesAndEndOfSequenceAreIgnored) {
  Configure();
  ASSERT_TRUE(mapper.OnVideo(0, Body({0x57, 0x00})).ok());  // video info frame, AVC
  ASSERT_TRUE(mapper.OnVideo(0, Body(flv::BuildAvcEndOfSequenceBody())).ok());
  ASSERT_TRUE(mapper.OnVideo(0, Nalu(false, 0, {})).ok());  // empty access unit
  EXPECT_TRUE(sink.events.empty());
}

TEST_F(MapperTest, UnsupportedCodecsAreUnimplemented) {
  for (uint8_t first : {0x12, 0x14, 0x1C}) {  // H.263, VP6, HEVC (codec id 12)
    base::Status status = mapper.OnVideo(0, Body({first, 0, 0, 0, 0}));
    EXPECT_EQ(status.code(), base::ErrorCode::kUnimplemented) << int(first);
  }
  base::Status enhanced = mapper.OnVideo(0, Body({0x90, 'h', 'v', 'c', '1'}));
  EXPECT_EQ(enhanced.code(), base::ErrorCode::kUnimplemented);
  for (uint8_t first : {0x2F, 0xBF, 0x0F}) {  // MP3, Speex, PCM
    base::Status status = mapper.OnAudio(0, Body({first, 0}));
    EXPECT_EQ(status.code(), base::ErrorCode::kUnimplemented) << int(first);
  }
  EXPECT_FALSE(mapper.OnVideo(0, Body({})).ok());
  EXPECT_FALSE(mapper.OnAudio(0, Body({0xAF})).ok());
}

}  // namespace
}  // namespace steadycast::ingest::rtmp
