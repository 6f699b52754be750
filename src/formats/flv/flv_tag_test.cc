#include "formats/flv/flv_tag.h"

#include <gtest/gtest.h>

#include <vector>

#include "formats/flv/flv_writer.h"

namespace steadycast::formats::flv {
namespace {

std::vector<uint8_t> Bytes(std::initializer_list<int> values) {
  std::vector<uint8_t> out;
  for (int v : values) out.push_back(static_cast<uint8_t>(v));
  return out;
}

TEST(FlvTagTest, AvcSequenceHeader) {
  const auto body = Bytes({0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x64, 0x00, 0x1f});
  auto tag = ParseVideoTag(body);
  ASSERT_TRUE(tag.ok()) << tag.status().ToString();
  EXPECT_EQ(tag->frame_type, VideoFrameType::kKeyframe);
  EXPECT_EQ(tag->codec_id, static_cast<uint8_t>(VideoCodecId::kAvc));
  EXPECT_EQ(tag->packet_type, AvcPacketType::kSequenceHeader);
  EXPECT_EQ(tag->composition_time_ms, 0);
  ASSERT_EQ(tag->payload.size(), 4u);
  EXPECT_EQ(tag->payload.data(), body.data() + 5);  // points into the input
}

TEST(FlvTagTest, CompositionTimeIsSigned24Bit) {
  struct Case {
    std::vector<uint8_t> cts;
    int32_t expected;
  };
  for (const Case& c :
       {Case{Bytes({0x00, 0x00, 0xc8}), 200}, Case{Bytes({0xff, 0xff, 0xd8}), -40},
        Case{Bytes({0x7f, 0xff, 0xff}), 8388607}, Case{Bytes({0x80, 0x00, 0x00}), -8388608},
        Case{Bytes({0xff, 0xff, 0xff}), -1}}) {
    auto body = Bytes({0x27, 0x01});
    body.insert(body.end(), c.cts.begin(), c.cts.end());
    body.push_back(0x41);
    auto tag = ParseVideoTag(body);
    ASSERT_TRUE(tag.ok());
    EXPECT_EQ(tag->frame_type, VideoFrameType::kInterframe);
    EXPECT_EQ(tag->packet_type, AvcPacketType::kNalu);
    EXPECT_EQ(tag->composition_time_ms, c.expected);
    EXPECT_EQ(tag->payload.size(), 1u);
  }
}

TEST(FlvTagTest, EndOfSequenceHasEmptyPayload) {
  auto tag = ParseVideoTag(Bytes({0x17, 0x02, 0x00, 0x00, 0x00}));
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->packet_type, AvcPacketType::kEndOfSequence);
  EXPECT_TRUE(tag->payload.empty());
}

TEST(FlvTagTest, TruncatedAvcHeaderFails) {
  const auto body = Bytes({0x17, 0x01, 0x00, 0x00, 0x00});
  for (size_t n = 0; n < body.size(); ++n) {
    auto tag = ParseVideoTag(std::span(body).first(n));
    ASSERT_FALSE(tag.ok()) << n;
    EXPECT_EQ(tag.status().code(), base::ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(ParseVideoTag(body).ok());
}

TEST(FlvTagTest, UnknownAvcPacketTypeFails) {
  auto tag = ParseVideoTag(Bytes({0x17, 0x03, 0x00, 0x00, 0x00}));
  ASSERT_FALSE(tag.ok());
  EXPECT_NE(tag.status().message().find("AVCPacketType 3"), std::string::npos);
}

TEST(FlvTagTest, OtherCodecsAreReportedNotDecoded) {
  auto tag = ParseVideoTag(Bytes({0x22, 0xaa, 0xbb}));  // Sorenson H.263 interframe
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->codec_id, static_cast<uint8_t>(VideoCodecId::kSorensonH263));
  EXPECT_EQ(tag->payload.size(), 2u);
  tag = ParseVideoTag(Bytes({0x1c}));  // HEVC (non-standard CodecID 12), nothing else
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->codec_id, 12);
  EXPECT_TRUE(tag->payload.empty());
}

TEST(FlvTagTest, VideoInfoFrameSkipsTheAvcHeader) {
  auto tag = ParseVideoTag(Bytes({0x57, 0x00}));
  ASSERT_TRUE(tag.ok()) << tag.status().ToString();
  EXPECT_EQ(tag->frame_type, VideoFrameType::kVideoInfo);
  EXPECT_EQ(tag->payload.size(), 1u);
}

TEST(FlvTagTest, ReservedFrameTypesFail) {
  EXPECT_EQ(ParseVideoTag(Bytes({0x07, 0x01, 0, 0, 0})).status().code(),
            base::ErrorCode::kInvalidArgument);
  EXPECT_EQ(ParseVideoTag(Bytes({0x67, 0x01, 0, 0, 0})).status().code(),
            base::ErrorCode::kInvalidArgument);
  // Enhanced RTMP extended header (IsExHeader bit).
  EXPECT_EQ(ParseVideoTag(Bytes({0x90, 'h', 'v', 'c', '1'})).status().code(),
            base::ErrorCode::kUnimplemented);
}

TEST(FlvTagTest, AacTags) {
  auto tag = ParseAudioTag(Bytes({0xaf, 0x00, 0x12, 0x10}));
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->sound_format, static_cast<uint8_t>(SoundFormat::kAac));
  EXPECT_EQ(tag->sound_rate, 3);
  EXPECT_TRUE(tag->sample_size_16bit);
  EXPECT_TRUE(tag->stereo);
  EXPECT_EQ(tag->aac_packet_type, AacPacketType::kSequenceHeader);
  EXPECT_EQ(tag->payload.size(), 2u);
  tag = ParseAudioTag(Bytes({0xae, 0x01, 0x21}));
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->aac_packet_type, AacPacketType::kRaw);
  EXPECT_FALSE(tag->stereo);
  EXPECT_EQ(tag->payload.size(), 1u);
  tag = ParseAudioTag(Bytes({0xaf, 0x01}));  // empty raw frame: the caller decides
  ASSERT_TRUE(tag.ok());
  EXPECT_TRUE(tag->payload.empty());
}

TEST(FlvTagTest, AacErrors) {
  EXPECT_FALSE(ParseAudioTag(Bytes({0xaf})).ok());
  auto tag = ParseAudioTag(Bytes({0xaf, 0x02, 0x00}));
  ASSERT_FALSE(tag.ok());
  EXPECT_NE(tag.status().message().find("AACPacketType 2"), std::string::npos);
}

TEST(FlvTagTest, OtherSoundFormats) {
  auto tag = ParseAudioTag(Bytes({0x2e, 0xff, 0xfb}));  // MP3 44 kHz 16-bit mono
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->sound_format, static_cast<uint8_t>(SoundFormat::kMp3));
  EXPECT_EQ(tag->sound_rate, 3);
  EXPECT_FALSE(tag->stereo);
  EXPECT_EQ(tag->payload.size(), 2u);
}

// Named regression: empty audio/video bodies (an FLV tag with DataSize 0, or an RTMP
// message of length 0) are a clear error, never a crash.
TEST(FlvTagTest, TagDataSizeZero) {
  auto video = ParseVideoTag({});
  ASSERT_FALSE(video.ok());
  EXPECT_EQ(video.status().code(), base::ErrorCode::kInvalidArgument);
  EXPECT_NE(video.status().message().find("empty"), std::string::npos);
  auto audio = ParseAudioTag({});
  ASSERT_FALSE(audio.ok());
  EXPECT_EQ(audio.status().code(), base::ErrorCode::kInvalidArgument);
  EXPECT_NE(audio.status().message().find("empty"), std::string::npos);
}

TEST(FlvTagTest, WriterBodiesRoundTrip) {
  const auto nalus = Bytes({0, 0, 0, 1, 0x41});
  // The parsed spans point into the body, so each body outlives its tag.
  const auto inter_body = BuildAvcNaluBody(false, -40, nalus);
  auto tag = ParseVideoTag(inter_body);
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->frame_type, VideoFrameType::kInterframe);
  EXPECT_EQ(tag->composition_time_ms, -40);
  EXPECT_EQ(std::vector<uint8_t>(tag->payload.begin(), tag->payload.end()), nalus);

  const auto key_body = BuildAvcNaluBody(true, 10'000'000, nalus);  // clamped to SI24
  tag = ParseVideoTag(key_body);
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->frame_type, VideoFrameType::kKeyframe);
  EXPECT_EQ(tag->composition_time_ms, 8388607);

  const auto avcc = Bytes({1, 0x64, 0, 0x1f});
  const auto seq_body = BuildAvcSequenceHeaderBody(avcc);
  tag = ParseVideoTag(seq_body);
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->packet_type, AvcPacketType::kSequenceHeader);
  EXPECT_EQ(tag->payload.size(), avcc.size());
  const auto eos_body = BuildAvcEndOfSequenceBody();
  tag = ParseVideoTag(eos_body);
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->packet_type, AvcPacketType::kEndOfSequence);

  const auto asc_body = BuildAacSequenceHeaderBody(Bytes({0x12, 0x10}));
  EXPECT_EQ(asc_body, Bytes({0xaf, 0x00, 0x12, 0x10}));
  const auto raw_body = BuildAacRawBody(Bytes({0x21, 0x10}));
  auto audio = ParseAudioTag(raw_body);
  ASSERT_TRUE(audio.ok());
  EXPECT_EQ(audio->aac_packet_type, AacPacketType::kRaw);
  EXPECT_EQ(audio->payload.size(), 2u);
}

}  // namespace
}  // namespace steadycast::formats::flv
