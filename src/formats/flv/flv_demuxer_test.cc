#include "formats/flv/flv_demuxer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "base/testing/split_feeder.h"
#include "formats/flv/flv_tag.h"
#include "formats/flv/flv_writer.h"
#include "media/aac.h"
#include "media/avc.h"

namespace steadycast::formats::flv {
namespace {

using base::testing::FeedInPieces;
using base::testing::SplitPlans;

struct Event {
  std::string what;  // "header a=1 v=1" or "tag 9"
  uint32_t timestamp = 0;
  std::vector<uint8_t> body;
  bool operator==(const Event&) const = default;
};

// Records every event; copies bodies because their spans die with the call.
class Recorder : public FlvDemuxerListener {
 public:
  void OnHeader(bool has_audio, bool has_video) override {
    events.push_back(
        {"header a=" + std::to_string(has_audio) + " v=" + std::to_string(has_video), 0, {}});
  }
  void OnTag(FlvTagType type, uint32_t timestamp_ms, std::span<const uint8_t> body) override {
    events.push_back({"tag " + std::to_string(static_cast<int>(type)), timestamp_ms,
                      std::vector<uint8_t>(body.begin(), body.end())});
  }
  std::vector<Event> events;
};

struct Transcript {
  std::vector<Event> events;
  std::string feed_status;    // first failing Feed, or "OK"
  std::string finish_status;  // Finish() after all input
  bool operator==(const Transcript&) const = default;
};

Transcript Demux(std::span<const uint8_t> input, const base::testing::SplitPlan& plan,
                 FlvDemuxerLimits limits = {}) {
  Recorder recorder;
  FlvDemuxer demuxer(recorder, limits);
  Transcript t{{}, "OK", ""};
  FeedInPieces(input, plan, [&](std::span<const uint8_t> piece) {
    base::Status status = demuxer.Feed(piece);
    if (!status.ok() && t.feed_status == "OK") t.feed_status = status.ToString();
  });
  t.finish_status = demuxer.Finish().ToString();
  t.events = std::move(recorder.events);
  return t;
}

// Demuxes `input` whole, byte by byte and in random splits; all must agree. Returns the
// whole-input transcript.
Transcript DemuxAllSplits(std::span<const uint8_t> input, FlvDemuxerLimits limits = {}) {
  const auto plans = SplitPlans(input.size());
  const Transcript whole = Demux(input, plans[0], limits);
  for (size_t i = 1; i < plans.size(); ++i) {
    EXPECT_EQ(Demux(input, plans[i], limits), whole) << plans[i].name;
  }
  return whole;
}

std::vector<uint8_t> ReadTestFile(const std::string& name) {
  std::ifstream in(std::string(FLV_TESTDATA_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<uint8_t> WithHeader(bool audio = true, bool video = true) {
  std::vector<uint8_t> out;
  AppendFlvHeader(out, audio, video);
  return out;
}

void Tag(std::vector<uint8_t>& out, FlvTagType type, uint32_t ts,
         const std::vector<uint8_t>& body) {
  ASSERT_TRUE(AppendFlvTag(out, type, ts, body).ok());
}

// ffmpeg -f lavfi -i testsrc2=size=64x64:rate=10 -f lavfi -i sine=sample_rate=44100 -t 0.5
//   -c:v libx264 -g 5 -c:a aac -b:a 32k -ac 1 -f flv
TEST(FlvDemuxerTest, RealFfmpegFile) {
  const auto file = ReadTestFile("flv_corpus/ffmpeg_x264_aac_64x64.flv");
  const Transcript t = DemuxAllSplits(file);
  EXPECT_EQ(t.feed_status, "OK");
  EXPECT_EQ(t.finish_status, "OK");
  ASSERT_EQ(t.events.size(), 33u);  // header + 1 script + 7 video + 24 audio
  EXPECT_EQ(t.events[0].what, "header a=1 v=1");
  EXPECT_EQ(t.events[1].what, "tag 18");
  int video = 0;
  int audio = 0;
  for (const Event& e : t.events) {
    video += e.what == "tag 9";
    audio += e.what == "tag 8";
  }
  EXPECT_EQ(video, 7);
  EXPECT_EQ(audio, 24);

  // Sequence headers parse into track configs.
  ASSERT_EQ(t.events[2].what, "tag 9");
  auto video_tag = ParseVideoTag(t.events[2].body);
  ASSERT_TRUE(video_tag.ok());
  ASSERT_EQ(video_tag->packet_type, AvcPacketType::kSequenceHeader);
  auto video_config = media::VideoConfigFromAvcc(video_tag->payload);
  ASSERT_TRUE(video_config.ok()) << video_config.status().ToString();
  EXPECT_EQ(video_config->config.width, 64);
  EXPECT_EQ(video_config->config.height, 64);
  ASSERT_EQ(t.events[3].what, "tag 8");
  auto audio_tag = ParseAudioTag(t.events[3].body);
  ASSERT_TRUE(audio_tag.ok());
  auto audio_config = media::ParseAudioSpecificConfig(audio_tag->payload);
  ASSERT_TRUE(audio_config.ok());
  EXPECT_EQ(audio_config->sample_rate, 44100);
  EXPECT_EQ(audio_config->channels, 1);
  // First picture: keyframe, 200 ms composition offset (x264 B-frame delay at 10 fps).
  auto first_frame = ParseVideoTag(t.events[4].body);
  ASSERT_TRUE(first_frame.ok());
  EXPECT_EQ(first_frame->frame_type, VideoFrameType::kKeyframe);
  EXPECT_EQ(first_frame->composition_time_ms, 200);
  EXPECT_TRUE(media::ForEachNal(first_frame->payload, [](auto) {}).ok());
}

TEST(FlvDemuxerTest, WriterRoundTrip) {
  auto file = WithHeader(true, false);
  const std::vector<uint8_t> asc = {0x12, 0x10};
  Tag(file, FlvTagType::kAudio, 0,
      BuildAacSequenceHeaderBody(media::BuildAudioSpecificConfig(2, 44100, 2)));
  for (uint32_t i = 0; i < 20; ++i) {
    Tag(file, FlvTagType::kAudio, i * 23, BuildAacRawBody(std::vector<uint8_t>(i * 7, 0x21)));
  }
  const Transcript t = DemuxAllSplits(file);
  EXPECT_EQ(t.finish_status, "OK");
  ASSERT_EQ(t.events.size(), 22u);
  EXPECT_EQ(t.events[0].what, "header a=1 v=0");
  EXPECT_EQ(t.events[1].body, BuildAacSequenceHeaderBody(asc));
  for (uint32_t i = 0; i < 20; ++i) {
    EXPECT_EQ(t.events[i + 2].timestamp, i * 23);
    EXPECT_EQ(t.events[i + 2].body.size(), 2 + i * 7);
  }
}

TEST(FlvDemuxerTest, ExtendedTimestampByte) {
  auto file = WithHeader();
  Tag(file, FlvTagType::kVideo, 0x12345678, BuildAvcEndOfSequenceBody());
  // Timestamp 0x345678 in the 24-bit field, 0x12 in TimestampExtended.
  EXPECT_EQ(file[13 + 4], 0x34);
  EXPECT_EQ(file[13 + 6], 0x78);
  EXPECT_EQ(file[13 + 7], 0x12);
  const Transcript t = DemuxAllSplits(file);
  ASSERT_EQ(t.events.size(), 2u);
  EXPECT_EQ(t.events[1].timestamp, 0x12345678u);
  file[13 + 7] = 0xFF;
  EXPECT_EQ(DemuxAllSplits(file).events[1].timestamp, 0xFF345678u);
}

// Named regression: a tag with DataSize 0 is delivered as an empty body in every split
// (no waiting for more input), and the tag parsers refuse the empty body clearly.
TEST(FlvDemuxerTest, TagDataSizeZero) {
  auto file = WithHeader();
  Tag(file, FlvTagType::kVideo, 5, {});
  Tag(file, FlvTagType::kAudio, 6, {});
  Tag(file, FlvTagType::kScriptData, 7, {});
  for (size_t cut : {file.size(), file.size() - 4}) {  // with and without the last PTS
    const Transcript t = DemuxAllSplits(std::span(file).first(cut));
    EXPECT_EQ(t.feed_status, "OK");
    EXPECT_EQ(t.finish_status, "OK");
    ASSERT_EQ(t.events.size(), 4u);
    for (size_t i = 1; i < 4; ++i) EXPECT_TRUE(t.events[i].body.empty());
  }
  EXPECT_FALSE(ParseVideoTag({}).ok());
  EXPECT_FALSE(ParseAudioTag({}).ok());
}

// A DataSize over the limit fails as soon as the tag header is complete: nothing of the
// body was fed, so nothing could have been buffered.
TEST(FlvDemuxerTest, TagSizeOverLimitFailsBeforeBuffering) {
  auto file = WithHeader();
  Tag(file, FlvTagType::kVideo, 0, std::vector<uint8_t>(2000, 0x17));
  const std::span<const uint8_t> through_tag_header = std::span(file).first(13 + 11);
  Recorder recorder;
  FlvDemuxer demuxer(recorder, {.max_tag_size = 1000});
  base::Status status = demuxer.Feed(through_tag_header);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), base::ErrorCode::kResourceExhausted);
  EXPECT_NE(status.message().find("2000"), std::string::npos);
  EXPECT_EQ(demuxer.Feed(std::span(file).subspan(24)).code(), status.code());  // sticky
  EXPECT_EQ(recorder.events.size(), 1u);                                       // the header only

  const Transcript t = DemuxAllSplits(file, {.max_tag_size = 1000});
  EXPECT_NE(t.feed_status.find("RESOURCE_EXHAUSTED"), std::string::npos) << t.feed_status;
  const Transcript at_limit = DemuxAllSplits(file, {.max_tag_size = 2000});
  EXPECT_EQ(at_limit.feed_status, "OK");
  EXPECT_EQ(at_limit.events.size(), 2u);
}

TEST(FlvDemuxerTest, PreviousTagSizeMismatch) {
  auto file = WithHeader();
  Tag(file, FlvTagType::kAudio, 0, BuildAacRawBody(std::vector<uint8_t>{1, 2, 3}));
  Tag(file, FlvTagType::kAudio, 23, BuildAacRawBody(std::vector<uint8_t>{4, 5, 6}));
  const size_t first_pts = 13 + 11 + 5;
  file[first_pts + 3] ^= 0x01;
  const Transcript t = DemuxAllSplits(file);
  EXPECT_NE(t.feed_status.find("PreviousTagSize 17"), std::string::npos) << t.feed_status;
  EXPECT_NE(t.feed_status.find("should be 16"), std::string::npos) << t.feed_status;
  ASSERT_EQ(t.events.size(), 2u);  // header and the first tag; nothing after the error
  EXPECT_EQ(t.finish_status, t.feed_status);

  auto bad_first = WithHeader();
  bad_first[12] = 9;  // PreviousTagSize0 must be 0
  EXPECT_NE(DemuxAllSplits(bad_first).feed_status, "OK");
}

TEST(FlvDemuxerTest, HeaderErrors) {
  auto file = WithHeader();
  file[0] = 'G';
  EXPECT_NE(DemuxAllSplits(file).feed_status.find("signature"), std::string::npos);
  file = WithHeader();
  file[3] = 2;
  EXPECT_NE(DemuxAllSplits(file).feed_status.find("version 2"), std::string::npos);
  file = WithHeader();
  file[8] = 8;
  EXPECT_NE(DemuxAllSplits(file).feed_status.find("DataOffset 8"), std::string::npos);
}

TEST(FlvDemuxerTest, DataOffsetPaddingIsSkipped) {
  std::vector<uint8_t> file = {'F', 'L', 'V', 1, 0x01, 0, 0, 0, 12, 'x', 'y', 'z', 0, 0, 0, 0};
  Tag(file, FlvTagType::kVideo, 40,
      BuildAvcNaluBody(false, -16, std::vector<uint8_t>{0, 0, 0, 1, 0x41}));
  const Transcript t = DemuxAllSplits(file);
  EXPECT_EQ(t.feed_status, "OK");
  ASSERT_EQ(t.events.size(), 2u);
  EXPECT_EQ(t.events[0].what, "header a=0 v=1");
  EXPECT_EQ(t.events[1].timestamp, 40u);
}

TEST(FlvDemuxerTest, UnknownTagTypesAreSkipped) {
  auto file = WithHeader();
  Tag(file, static_cast<FlvTagType>(15), 0, {1, 2, 3});
  Tag(file, FlvTagType::kAudio, 1, BuildAacRawBody(std::vector<uint8_t>{9}));
  Recorder recorder;
  FlvDemuxer demuxer(recorder);
  ASSERT_TRUE(demuxer.Feed(file).ok());
  EXPECT_EQ(demuxer.skipped_tags(), 1u);
  EXPECT_EQ(demuxer.tags(), 1u);
  EXPECT_EQ(DemuxAllSplits(file).events.size(), 2u);
}

TEST(FlvDemuxerTest, EncryptedTagsAreRefused) {
  auto file = WithHeader();
  Tag(file, static_cast<FlvTagType>(0x20 | 9), 0, {1, 2, 3});
  EXPECT_NE(DemuxAllSplits(file).feed_status.find("UNIMPLEMENTED"), std::string::npos);
}

TEST(FlvDemuxerTest, FinishReportsTruncation) {
  auto file = WithHeader();
  Tag(file, FlvTagType::kVideo, 0, BuildAvcEndOfSequenceBody());
  // Clean ends: after the 9-byte header (no tags at all), after PreviousTagSize0, after the
  // tag (the final PreviousTagSize may be missing), and after the final PreviousTagSize.
  const size_t header_end = 13;
  const size_t tag_end = file.size() - 4;
  for (size_t cut = 0; cut <= file.size(); ++cut) {
    const Transcript t = DemuxAllSplits(std::span(file).first(cut));
    EXPECT_EQ(t.feed_status, "OK") << cut;
    const bool clean = cut == 9 || cut == header_end || cut == tag_end || cut == file.size();
    EXPECT_EQ(t.finish_status == "OK", clean) << cut << ": " << t.finish_status;
  }
}

TEST(FlvDemuxerTest, WriterRefusesOversizedBody) {
  std::vector<uint8_t> out;
  const std::vector<uint8_t> huge(kMaxFlvTagDataSize + 1, 0);
  EXPECT_FALSE(AppendFlvTag(out, FlvTagType::kVideo, 0, huge).ok());
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace steadycast::formats::flv
