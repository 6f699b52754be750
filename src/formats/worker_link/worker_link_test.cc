#include "formats/worker_link/worker_link.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/testing/split_feeder.h"

namespace steadycast::formats::worker_link {
namespace {

media::AccessUnit Unit(media::TrackKind kind, int64_t pts, int64_t dts, bool key, size_t bytes) {
  media::AccessUnit u;
  u.kind = kind;
  u.codec = kind == media::TrackKind::kVideo ? media::Codec::kH264 : media::Codec::kAac;
  u.pts = pts;
  u.dts = dts;
  u.keyframe = key;
  std::vector<uint8_t> data(bytes);
  for (size_t i = 0; i < bytes; ++i) data[i] = static_cast<uint8_t>(i * 7 + 3);
  u.data = base::Buffer::Take(std::move(data));
  return u;
}

// One of every message, with fields away from their defaults.
std::vector<Message> EveryMessage() {
  std::vector<Message> all;
  all.push_back(Hello{kWorkerLinkVersion, "transcode"});
  all.push_back(Configure{R"({"renditions":[{"name":"360p","height":360}]})"});
  VideoConfig video;
  video.config.avcc = base::Buffer::FromString("\x01\x64\x00\x1f\xff\xe1");
  video.config.width = 1280;
  video.config.height = 720;
  video.config.profile_idc = 100;
  video.config.constraint_flags = 0x40;
  video.config.level_idc = 31;
  video.config.frame_rate = 29.97;
  video.config.sar_num = 4;
  video.config.sar_den = 3;
  all.push_back(video);
  AudioConfig audio;
  audio.rendition = 2;
  audio.config.asc = base::Buffer::FromString("\x11\x90");
  audio.config.sample_rate = 48000;
  audio.config.channels = 2;
  audio.config.sbr_sample_rate = 96000;
  audio.config.object_type = 5;
  all.push_back(audio);
  AccessUnit unit;
  unit.unit = Unit(media::TrackKind::kVideo, 900'000'123, 899'997'000, true, 3000);
  unit.unit.segment_start = true;
  unit.unit.maybe_corrupt = true;
  all.push_back(unit);
  AccessUnit negative;
  negative.rendition = 1;
  negative.unit = Unit(media::TrackKind::kAudio, -1920, -1920, true, 0);
  all.push_back(negative);
  all.push_back(Control{Command::kFlush});
  all.push_back(Event{EventKind::kRenditionPaused, 3, "behind real time"});
  all.push_back(Heartbeat{42, 1000, 2999});
  all.push_back(Stats{R"({"decoded_frames":10})"});
  return all;
}

bool SameUnit(const media::AccessUnit& a, const media::AccessUnit& b) {
  return a.kind == b.kind && a.codec == b.codec && a.pts == b.pts && a.dts == b.dts &&
         a.keyframe == b.keyframe && a.maybe_corrupt == b.maybe_corrupt &&
         a.segment_start == b.segment_start && a.data.AsStringView() == b.data.AsStringView();
}

bool Same(const Message& a, const Message& b) {
  if (a.index() != b.index()) return false;
  if (const auto* x = std::get_if<AccessUnit>(&a)) {
    const auto& y = std::get<AccessUnit>(b);
    return x->rendition == y.rendition && SameUnit(x->unit, y.unit);
  }
  return std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, AccessUnit>) {
          return false;
        } else {
          return x == std::get<T>(b);
        }
      },
      a);
}

std::vector<uint8_t> EncodeAll(const std::vector<Message>& messages) {
  std::vector<uint8_t> bytes;
  for (const Message& m : messages) EXPECT_TRUE(Encode(m, bytes).ok());
  return bytes;
}

TEST(WorkerLink, EveryMessageRoundTripsInAnySplit) {
  const std::vector<Message> sent = EveryMessage();
  const std::vector<uint8_t> bytes = EncodeAll(sent);
  for (const auto& plan : base::testing::SplitPlans(bytes.size())) {
    SCOPED_TRACE(plan.name);
    Decoder decoder;
    std::vector<Message> got;
    base::testing::FeedInPieces(bytes, plan, [&](std::span<const uint8_t> piece) {
      ASSERT_TRUE(decoder.Feed(piece, got).ok());
    });
    ASSERT_EQ(got.size(), sent.size());
    for (size_t i = 0; i < sent.size(); ++i) EXPECT_TRUE(Same(sent[i], got[i])) << i;
    EXPECT_EQ(decoder.buffered(), 0u);
    EXPECT_EQ(decoder.frames(), sent.size());
  }
}

TEST(WorkerLink, FrameHeaderIsTheDocumentedLayout) {
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(Encode(Control{Command::kStop}, bytes).ok());
  const std::vector<uint8_t> expected = {'S', 'C', 'W', 'K', kWorkerLinkVersion, 6, 0, 0, 0,
                                         0,   0,   1,   4};
  EXPECT_EQ(bytes, expected);
}

TEST(WorkerLink, PartialFrameWaitsForTheRest) {
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(Encode(Heartbeat{1, 2, 3}, bytes).ok());
  Decoder decoder;
  std::vector<Message> got;
  ASSERT_TRUE(decoder.Feed(std::span(bytes).first(bytes.size() - 1), got).ok());
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(decoder.buffered(), bytes.size() - 1);
  ASSERT_TRUE(decoder.Feed(std::span(bytes).last(1), got).ok());
  ASSERT_EQ(got.size(), 1u);
}

base::Status FeedAll(Decoder& decoder, const std::vector<uint8_t>& bytes) {
  std::vector<Message> got;
  return decoder.Feed(bytes, got);
}

TEST(WorkerLink, BadMagicFailsForGood) {
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(Encode(Heartbeat{}, bytes).ok());
  bytes[0] = 'X';
  Decoder decoder;
  EXPECT_FALSE(FeedAll(decoder, bytes).ok());
  std::vector<uint8_t> good;
  ASSERT_TRUE(Encode(Heartbeat{}, good).ok());
  EXPECT_FALSE(FeedAll(decoder, good).ok()) << "a failed decoder stays failed";
}

TEST(WorkerLink, OtherVersionIsRejectedAtTheHeader) {
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(Encode(Hello{}, bytes).ok());
  bytes[4] = kWorkerLinkVersion + 1;
  Decoder decoder;
  const base::Status status = FeedAll(decoder, bytes);
  EXPECT_EQ(status.code(), base::ErrorCode::kUnimplemented) << status.ToString();
}

TEST(WorkerLink, ReservedFlagsAndUnknownTypesAreRejected) {
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(Encode(Heartbeat{}, bytes).ok());
  std::vector<uint8_t> flagged = bytes;
  flagged[7] = 1;
  Decoder a;
  EXPECT_FALSE(FeedAll(a, flagged).ok());
  std::vector<uint8_t> unknown = bytes;
  unknown[5] = 0x7F;
  Decoder b;
  EXPECT_FALSE(FeedAll(b, unknown).ok());
}

TEST(WorkerLink, OversizedFrameFailsBeforeBuffering) {
  WorkerLinkLimits limits;
  limits.max_payload = 1000;
  const std::vector<uint8_t> header = {'S',  'C',  'W',  'K', kWorkerLinkVersion, 5, 0, 0,
                                       0xFF, 0xFF, 0xFF, 0xFF};
  Decoder decoder(limits);
  const base::Status status = FeedAll(decoder, header);
  EXPECT_EQ(status.code(), base::ErrorCode::kResourceExhausted) << status.ToString();
  EXPECT_LE(decoder.buffered(), kFrameHeaderSize);
}

TEST(WorkerLink, EncodeRefusesWhatThePeerWouldReject) {
  WorkerLinkLimits limits;
  limits.max_payload = 100;
  limits.max_text = 10;
  std::vector<uint8_t> bytes = {9};
  AccessUnit big;
  big.unit = Unit(media::TrackKind::kVideo, 0, 0, true, 200);
  EXPECT_FALSE(Encode(big, bytes, limits).ok());
  EXPECT_FALSE(Encode(Configure{std::string(11, 'x')}, bytes, limits).ok());
  VideoConfig huge;
  huge.config.width = 70000;
  EXPECT_FALSE(Encode(huge, bytes, limits).ok());
  EXPECT_EQ(bytes, std::vector<uint8_t>{9}) << "nothing appended on failure";
}

TEST(WorkerLink, TrailingOrMissingPayloadBytesAreErrors) {
  // A control frame with two payload bytes, and one with none.
  const std::vector<uint8_t> extra = {'S', 'C', 'W', 'K', kWorkerLinkVersion, 6, 0, 0, 0, 0,
                                      0,   2,   1,   0};
  Decoder a;
  EXPECT_FALSE(FeedAll(a, extra).ok());
  const std::vector<uint8_t> empty = {'S', 'C', 'W', 'K', kWorkerLinkVersion, 6, 0, 0, 0, 0, 0, 0};
  Decoder b;
  EXPECT_FALSE(FeedAll(b, empty).ok());
}

TEST(WorkerLink, FieldValuesOutsideTheirEnumsAreErrors) {
  EXPECT_FALSE(DecodePayload(FrameType::kControl, std::vector<uint8_t>{0}).ok());
  EXPECT_FALSE(DecodePayload(FrameType::kControl, std::vector<uint8_t>{5}).ok());
  EXPECT_FALSE(DecodePayload(FrameType::kEvent, std::vector<uint8_t>{9, 0, 0, 0, 0, 0}).ok());
  // Access unit with an unknown flag bit, and with an unknown track kind.
  std::vector<uint8_t> unit(20, 0);
  unit[3] = 0x80;
  EXPECT_FALSE(DecodePayload(FrameType::kAccessUnit, unit).ok());
  unit[3] = 0;
  unit[1] = 7;
  EXPECT_FALSE(DecodePayload(FrameType::kAccessUnit, unit).ok());
  unit[1] = 0;
  EXPECT_TRUE(DecodePayload(FrameType::kAccessUnit, unit).ok());
}

TEST(WorkerLink, TextLengthBeyondTheLimitIsAnError) {
  WorkerLinkLimits limits;
  limits.max_text = 4;
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(Encode(Stats{"12345"}, bytes).ok());  // default limits on the sending side
  Decoder decoder(limits);
  EXPECT_FALSE(FeedAll(decoder, bytes).ok());
}

}  // namespace
}  // namespace steadycast::formats::worker_link
