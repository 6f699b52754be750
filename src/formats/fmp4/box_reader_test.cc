#include "formats/fmp4/box_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/testing/split_feeder.h"
#include "formats/fmp4/box_dump.h"
#include "formats/fmp4/box_writer.h"
#include "formats/fmp4/fmp4_test_util.h"
#include "formats/fmp4/init_segment.h"
#include "formats/fmp4/media_segment.h"

namespace steadycast::formats::fmp4 {
namespace {

std::vector<uint8_t> Bytes(std::initializer_list<uint8_t> list) { return list; }

// An init segment followed by one media segment, as a player would read them.
std::vector<uint8_t> SampleFile() {
  InitSegmentSpec spec;
  spec.video = testing::TestVideoConfig();
  spec.audio = testing::TestAudioConfig();
  auto init = BuildInitSegment(spec);
  EXPECT_TRUE(init.ok()) << init.status().ToString();
  MediaSegmentSpec seg;
  seg.sequence_number = 1;
  std::vector<media::AccessUnit> video = {testing::VideoUnit(0, 3000, true, 1),
                                          testing::VideoUnit(3000, 6000, false, 2)};
  seg.tracks.push_back({kVideoTrackId, 0, VideoSamples(video, 6000, 3000)});
  auto media = BuildMediaSegment(seg);
  EXPECT_TRUE(media.ok()) << media.status().ToString();
  std::vector<uint8_t> out(init->span().begin(), init->span().end());
  out.insert(out.end(), media->span().begin(), media->span().end());
  return out;
}

TEST(BoxReaderTest, ParsesNestedContainers) {
  std::vector<uint8_t> bytes;
  BoxWriter box(bytes);
  box.Begin("moov");
  box.Begin("trak");
  box.Begin("free");
  box.bytes().U16(7);
  box.End();
  box.End();
  box.Begin("skip");
  box.End();
  box.End();
  auto boxes = ReadBoxes(bytes);
  ASSERT_TRUE(boxes.ok()) << boxes.status().ToString();
  ASSERT_EQ(boxes->size(), 1u);
  const Box& moov = (*boxes)[0];
  EXPECT_EQ(moov.type, "moov");
  EXPECT_EQ(moov.size, bytes.size());
  ASSERT_EQ(moov.children.size(), 2u);
  const Box* trak = moov.Child("trak");
  ASSERT_NE(trak, nullptr);
  EXPECT_EQ(trak->offset, 8u);
  ASSERT_EQ(trak->children.size(), 1u);
  EXPECT_EQ(trak->children[0].type, "free");
  EXPECT_EQ(trak->children[0].payload.size(), 2u);
  EXPECT_EQ(moov.Child("skip")->size, 8u);
  EXPECT_EQ(moov.Child("mdia"), nullptr);
}

TEST(BoxReaderTest, LargeSizeSizeZeroAndUuid) {
  std::vector<uint8_t> bytes =
      Bytes({0, 0, 0, 1, 'f', 'r', 'e', 'e', 0, 0, 0, 0, 0, 0, 0, 18, 0xAA, 0xBB});
  std::vector<uint8_t> uuid = {0, 0, 0, 26, 'u', 'u', 'i', 'd'};
  uuid.insert(uuid.end(), 16, 0x11);
  uuid.insert(uuid.end(), {1, 2});
  bytes.insert(bytes.end(), uuid.begin(), uuid.end());
  bytes.insert(bytes.end(), {0, 0, 0, 0, 'm', 'd', 'a', 't', 9, 9, 9});
  auto boxes = ReadBoxes(bytes);
  ASSERT_TRUE(boxes.ok()) << boxes.status().ToString();
  ASSERT_EQ(boxes->size(), 3u);
  EXPECT_EQ((*boxes)[0].header_size, 16u);
  EXPECT_EQ((*boxes)[0].payload.size(), 2u);
  EXPECT_EQ((*boxes)[1].type, "uuid");
  EXPECT_EQ((*boxes)[1].header_size, 24u);
  EXPECT_EQ((*boxes)[1].payload.size(), 2u);
  EXPECT_EQ((*boxes)[2].type, "mdat");
  EXPECT_EQ((*boxes)[2].size, 11u);
  EXPECT_EQ((*boxes)[2].payload.size(), 3u);
}

TEST(BoxReaderTest, RejectsTruncatedAndInconsistentBoxes) {
  EXPECT_FALSE(ReadBoxes(Bytes({0, 0, 0, 9, 'f', 'r', 'e'})).ok());
  EXPECT_FALSE(ReadBoxes(Bytes({0, 0, 0, 9, 'f', 'r', 'e', 'e'})).ok());  // 1 byte missing
  EXPECT_FALSE(ReadBoxes(Bytes({0, 0, 0, 4, 'f', 'r', 'e', 'e'})).ok());  // smaller than header
  EXPECT_FALSE(ReadBoxes(Bytes({0, 0, 0, 1, 'f', 'r', 'e', 'e', 0, 0})).ok());
  // A child that claims more than its parent holds.
  auto child_too_big =
      ReadBoxes(Bytes({0, 0, 0, 16, 'm', 'o', 'o', 'v', 0, 0, 0, 9, 't', 'r', 'a', 'k'}));
  ASSERT_FALSE(child_too_big.ok());
  EXPECT_NE(child_too_big.status().message().find("moov"), std::string::npos);
  EXPECT_TRUE(ReadBoxes({}).ok());
}

TEST(BoxReaderTest, EnforcesDepthAndCountLimits) {
  std::vector<uint8_t> deep;
  BoxWriter box(deep);
  for (int i = 0; i < 20; ++i) box.Begin("moov");
  for (int i = 0; i < 20; ++i) box.End();
  auto too_deep = ReadBoxes(deep);
  ASSERT_FALSE(too_deep.ok());
  EXPECT_EQ(too_deep.status().code(), base::ErrorCode::kResourceExhausted);
  EXPECT_TRUE(ReadBoxes(deep, {.max_depth = 25, .max_boxes = 100}).ok());

  std::vector<uint8_t> many;
  BoxWriter flat(many);
  for (int i = 0; i < 50; ++i) {
    flat.Begin("free");
    flat.End();
  }
  auto too_many = ReadBoxes(many, {.max_depth = 4, .max_boxes = 49});
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.status().code(), base::ErrorCode::kResourceExhausted);
  EXPECT_TRUE(ReadBoxes(many, {.max_depth = 4, .max_boxes = 50}).ok());
}

TEST(BoxReaderTest, EveryPrefixParsesOrFailsCleanly) {
  const std::vector<uint8_t> file = SampleFile();
  auto whole = ReadBoxes(file);
  ASSERT_TRUE(whole.ok());
  std::vector<size_t> boundaries;
  for (const Box& box : *whole) boundaries.push_back(box.offset + box.size);
  for (size_t n = 0; n <= file.size(); ++n) {
    auto prefix = ReadBoxes(std::span(file).first(n));
    const bool at_boundary =
        n == 0 || std::find(boundaries.begin(), boundaries.end(), n) != boundaries.end();
    EXPECT_EQ(prefix.ok(), at_boundary) << "prefix " << n;
    if (prefix.ok()) {
      // The boxes of a prefix that ends on a boundary are exactly the leading boxes.
      for (size_t i = 0; i < prefix->size(); ++i) {
        EXPECT_EQ((*prefix)[i].type, (*whole)[i].type);
        EXPECT_EQ((*prefix)[i].size, (*whole)[i].size);
      }
    }
    DumpBoxes(std::span(file).first(n)).status().IgnoreError();  // must not crash either
  }
}

std::vector<std::string> SplitAll(std::span<const uint8_t> input,
                                  const base::testing::SplitPlan& plan, base::Status& status) {
  BoxStreamSplitter splitter(1 << 20);
  std::vector<std::string> out;
  auto on_box = [&](std::string_view type, base::Buffer box) {
    out.push_back(std::string(type) + ":" + std::to_string(box.size()) + ":" +
                  base::HexDump(box.span(), 4096));
  };
  status = base::Status::Ok();
  base::testing::FeedInPieces(input, plan, [&](std::span<const uint8_t> piece) {
    if (status.ok()) status = splitter.Feed(piece, on_box);
  });
  if (status.ok()) status = splitter.Finish(on_box);
  return out;
}

TEST(BoxStreamSplitterTest, SameBoxesForEverySplit) {
  std::vector<uint8_t> input = SampleFile();
  // A largesize box and a trailing size-0 box exercise both header forms.
  input.insert(input.end(), {0, 0, 0, 1, 'f', 'r', 'e', 'e', 0, 0, 0, 0, 0, 0, 0, 17, 0x5A});
  input.insert(input.end(), {0, 0, 0, 0, 'm', 'd', 'a', 't', 1, 2, 3});
  base::Status status;
  const auto reference = SplitAll(input, {"whole", {input.size()}}, status);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(reference.size(), 7u);  // ftyp moov styp moof mdat free mdat
  EXPECT_EQ(reference[5].substr(0, 8), "free:17:");
  EXPECT_EQ(reference[6].substr(0, 8), "mdat:11:");
  for (const auto& plan : base::testing::SplitPlans(input.size())) {
    EXPECT_EQ(SplitAll(input, plan, status), reference) << plan.name;
    EXPECT_TRUE(status.ok()) << plan.name << ": " << status.ToString();
  }
}

TEST(BoxStreamSplitterTest, RejectsOversizedAndIncompleteBoxes) {
  auto ignore = [](std::string_view, base::Buffer) {};
  BoxStreamSplitter small(16);
  const std::vector<uint8_t> big = {0, 0, 0, 17, 'f', 'r', 'e', 'e'};
  auto status = small.Feed(big, ignore);
  EXPECT_EQ(status.code(), base::ErrorCode::kResourceExhausted);
  EXPECT_FALSE(small.Feed(big, ignore).ok());  // sticky

  BoxStreamSplitter tiny_header(100);
  EXPECT_FALSE(tiny_header.Feed(Bytes({0, 0, 0, 7, 'f', 'r', 'e', 'e'}), ignore).ok());

  BoxStreamSplitter partial(100);
  EXPECT_TRUE(partial.Feed(Bytes({0, 0, 0, 12, 'f', 'r', 'e', 'e', 1}), ignore).ok());
  EXPECT_FALSE(partial.Finish(ignore).ok());

  BoxStreamSplitter to_end(10);
  EXPECT_TRUE(to_end.Feed(Bytes({0, 0, 0, 0, 'm', 'd', 'a', 't', 1}), ignore).ok());
  EXPECT_FALSE(to_end.Feed(Bytes({2, 3}), ignore).ok());  // size-0 box beyond the limit
}

}  // namespace
}  // namespace steadycast::formats::fmp4
