#include "package/ladder_timeline.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace steadycast::package {
namespace {

constexpr int64_t kTolerance = 45000;  // half a second

SegmentSpan Span(double start_s, double duration_s = 2.0) {
  return {static_cast<int64_t>(start_s * 90000), static_cast<int64_t>(duration_s * 90000)};
}

TEST(LadderTimelineTest, FirstJoinStartsAtFirstSequenceWithItsOwnOffset) {
  LadderTimeline timeline(100, kTolerance);
  bool misaligned = true;
  auto placement = timeline.Join(Span(3), 7, true, &misaligned);
  ASSERT_TRUE(placement.has_value());
  EXPECT_EQ(placement->sequence, 100u);
  EXPECT_EQ(placement->discontinuity_sequence, 0u);  // names nothing: starts at 0
  EXPECT_EQ(placement->dts_offset, 7);
  EXPECT_FALSE(misaligned);
}

TEST(LadderTimelineTest, JoinTakesTheNumberOfTheSegmentStartingAtTheSameTime) {
  LadderTimeline timeline(0, kTolerance);
  bool misaligned = false;
  ASSERT_TRUE(timeline.Join(Span(0), 5, true, &misaligned));
  EXPECT_EQ(timeline.Place(Span(2), {1, 0, 5}, false, &misaligned), 5);
  EXPECT_EQ(timeline.Place(Span(4), {2, 1, 9}, true, &misaligned), 9);  // a new run
  // Within the tolerance, the nearest start wins; the joiner inherits its numbers and offset.
  auto placement = timeline.Join(Span(2.1), 0, true, &misaligned);
  ASSERT_TRUE(placement.has_value());
  EXPECT_EQ(placement->sequence, 1u);
  EXPECT_EQ(placement->discontinuity_sequence, 0u);
  EXPECT_EQ(placement->dts_offset, 5);
  placement = timeline.Join(Span(3.9), 0, true, &misaligned);
  ASSERT_TRUE(placement.has_value());
  EXPECT_EQ(placement->sequence, 2u);
  EXPECT_EQ(placement->discontinuity_sequence, 1u);
  EXPECT_EQ(placement->dts_offset, 9);
  EXPECT_FALSE(misaligned);
}

TEST(LadderTimelineTest, JoinRightAfterTheNewestSegmentContinuesItsNumbering) {
  LadderTimeline timeline(0, kTolerance);
  bool misaligned = false;
  ASSERT_TRUE(timeline.Join(Span(0), 0, true, &misaligned));
  auto placement = timeline.Join(Span(2), 0, true, &misaligned);  // rendition ahead of the other
  ASSERT_TRUE(placement.has_value());
  EXPECT_EQ(placement->sequence, 1u);
  EXPECT_FALSE(misaligned);
  // Recorded: the slower rendition's segment 1 matches it.
  EXPECT_EQ(timeline.Place(Span(2), {1, 0, 0}, false, &misaligned), 0);
  EXPECT_FALSE(misaligned);
}

TEST(LadderTimelineTest, JoinSkipsAFirstSegmentMatchingNothingUnlessForced) {
  LadderTimeline timeline(0, kTolerance);
  bool misaligned = false;
  ASSERT_TRUE(timeline.Join(Span(0), 0, true, &misaligned));
  EXPECT_FALSE(timeline.Join(Span(1), 0, true, &misaligned).has_value());
  EXPECT_FALSE(timeline.Join(Span(6), 0, true, &misaligned).has_value());
  auto forced = timeline.Join(Span(6), 0, false, &misaligned);
  ASSERT_TRUE(forced.has_value());
  EXPECT_EQ(forced->sequence, 1u);
  EXPECT_TRUE(misaligned);
}

TEST(LadderTimelineTest, PlaceCountsMismatchesAndNeverMovesOutputBack) {
  LadderTimeline timeline(0, kTolerance);
  bool misaligned = false;
  ASSERT_TRUE(timeline.Join(Span(0), 0, true, &misaligned));
  timeline.Place(Span(2), {1, 0, 0}, false, &misaligned);
  timeline.Place(Span(4), {2, 1, 300}, true, &misaligned);
  // A second rendition: start off by a second → misaligned, keeps its own offset.
  EXPECT_EQ(timeline.Place(Span(3), {1, 0, 0}, false, &misaligned), 0);
  EXPECT_TRUE(misaligned);
  // Other discontinuity sequence → misaligned.
  EXPECT_EQ(timeline.Place(Span(4), {2, 0, 200}, true, &misaligned), 200);
  EXPECT_TRUE(misaligned);
  // A new run adopts the recorded offset if that is later than its own...
  EXPECT_EQ(timeline.Place(Span(4), {2, 1, 200}, true, &misaligned), 300);
  EXPECT_FALSE(misaligned);
  // ...but never an earlier one (its own output must not step back).
  EXPECT_EQ(timeline.Place(Span(4), {2, 1, 400}, true, &misaligned), 400);
  // Not a new run: the rendition's offset stays whatever the record says.
  EXPECT_EQ(timeline.Place(Span(4), {2, 1, 100}, false, &misaligned), 100);
}

TEST(LadderTimelineTest, KeepsABoundedRecord) {
  LadderTimeline timeline(0, kTolerance);
  bool misaligned = false;
  ASSERT_TRUE(timeline.Join(Span(0), 0, true, &misaligned));
  for (uint64_t n = 1; n < 1000; ++n) timeline.Place(Span(2.0 * n), {n, 0, 0}, false, &misaligned);
  // Number 1 was forgotten: a rendition placing it now records it afresh (no mismatch).
  EXPECT_EQ(timeline.Place(Span(77), {1, 0, 0}, false, &misaligned), 0);
  EXPECT_FALSE(misaligned);
  // A joiner at time 0 finds nothing near (the record holds only recent numbers).
  EXPECT_FALSE(timeline.Join(Span(0.5), 0, true, &misaligned).has_value());
}

TEST(LadderTimelineTest, ExtremeTimesDoNotOverflow) {
  LadderTimeline timeline(0, kTolerance);
  bool misaligned = false;
  ASSERT_TRUE(timeline.Join({INT64_MAX - 5, INT64_MAX}, 0, true, &misaligned));
  EXPECT_FALSE(timeline.Join({INT64_MIN, 10}, 0, true, &misaligned).has_value());
  EXPECT_EQ(timeline.Place({INT64_MIN, INT64_MAX}, {0, 0, 1}, true, &misaligned), 1);
  EXPECT_TRUE(misaligned);
  auto near_end = timeline.Join({INT64_MAX, 0}, 0, true, &misaligned);
  ASSERT_TRUE(near_end.has_value());
  EXPECT_EQ(near_end->sequence, 0u);
}

TEST(LadderTimelineTest, RecordsTellGapsTheirDurationsAndDiscontinuities) {
  LadderTimeline timeline(10, kTolerance);
  EXPECT_EQ(timeline.NextSequence(), 10u);
  EXPECT_TRUE(timeline.Since(0).empty());
  bool misaligned = false;
  SegmentSpan first = Span(0);
  first.wall_ms = 1000;
  ASSERT_TRUE(timeline.Join(first, 0, true, &misaligned));
  timeline.Place(Span(2, 1.5), {11, 10, 0}, false, &misaligned);
  timeline.Place(Span(0), {12, 11, 3}, true, &misaligned);  // a new run
  EXPECT_EQ(timeline.NextSequence(), 13u);
  const std::vector<RecordedSegment> records = timeline.Since(11);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].sequence, 11u);
  EXPECT_EQ(records[0].duration, 135000);
  EXPECT_EQ(records[0].discontinuity_sequence, 10u);
  EXPECT_EQ(records[1].discontinuity_sequence, 11u);
  EXPECT_EQ(timeline.Since(10).front().wall_ms, 1000);
}

}  // namespace
}  // namespace steadycast::package
