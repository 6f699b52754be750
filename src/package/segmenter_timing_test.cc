// Video timing in the Segmenter: decode times rebased so keyframes decode at their presentation
// time (renditions with different B-frame delays cut at the same decode time), and LL-HLS parts
// that hold exactly the samples of their segment, with a part starting at every keyframe.

#include <gtest/gtest.h>

#include <vector>

#include "formats/fmp4/fmp4_test_util.h"
#include "package/segmenter.h"

namespace steadycast::package {
namespace {

using formats::fmp4::testing::AudioUnit;
using formats::fmp4::testing::VideoUnit;
using media::AccessUnit;

constexpr int64_t kAudioFrame = 1920;  // 1024 samples at 48 kHz

struct Output {
  std::vector<SegmentMedia> segments;
  std::vector<PartMedia> parts;  // video parts only
};

Output Segment(const std::vector<AccessUnit>& units, int64_t part_ticks = 0) {
  SegmenterOptions options;
  options.part_target_ticks = part_ticks;
  options.decode_delay_ticks = kDecodeDelayTicks;
  Segmenter segmenter(options);
  bool audio = false;
  for (const AccessUnit& u : units) audio = audio || u.kind == media::TrackKind::kAudio;
  segmenter.SetTracks(true, audio, kAudioFrame, false);
  Output out;
  std::vector<PartMedia> parts;
  for (const AccessUnit& u : units) segmenter.Add(u, 0, out.segments, parts);
  segmenter.Flush(out.segments, parts);
  for (PartMedia& p : parts) {
    if (p.video) out.parts.push_back(std::move(p));
  }
  return out;
}

// FLV's whole milliseconds: 30 fps arrives as 33/33/34 ms steps.
int64_t MillisecondFrame(int i) { return (static_cast<int64_t>(i) * 1000 / 30) * 90; }

// 25 fps, 2 s GOPs, presentation starting at 1890; decoding `delay` ticks ahead of presentation
// for every frame (a B-frame encoder's reorder delay), with audio from 0.
std::vector<AccessUnit> Rendition(int64_t delay) {
  std::vector<AccessUnit> units;
  int64_t audio = 0;
  for (int i = 0; i < 200; ++i) {
    const int64_t pts = 1890 + i * 3600;
    while (audio <= pts - delay) {
      units.push_back(AudioUnit(audio, 1));
      audio += kAudioFrame;
    }
    units.push_back(VideoUnit(pts - delay, pts, i % 50 == 0, static_cast<uint8_t>(i)));
  }
  return units;
}

TEST(SegmenterTimingTest, RenditionsWithDifferentDecodeDelaysCutAtTheSameDecodeTime) {
  const Output plain = Segment(Rendition(0));
  const Output reordered = Segment(Rendition(7200));  // two frames of B-frame delay
  ASSERT_EQ(plain.segments.size(), reordered.segments.size());
  ASSERT_GE(plain.segments.size(), 3u);
  for (size_t i = 0; i + 1 < plain.segments.size(); ++i) {  // the flushed tail differs
    const SegmentMedia& a = plain.segments[i];
    const SegmentMedia& b = reordered.segments[i];
    EXPECT_EQ(a.start_dts, b.start_dts) << i;
    // The keyframe decodes a fixed delay before it shows; no composition offset is negative.
    EXPECT_EQ(a.start_dts, a.video.front().pts - kDecodeDelayTicks) << i;
    for (const AccessUnit& u : b.video) EXPECT_GE(u.pts, u.dts);
    EXPECT_EQ(a.end_dts, b.end_dts) << i;
    // The same audio frames in segment i of both.
    ASSERT_EQ(a.audio.size(), b.audio.size()) << i;
    EXPECT_EQ(a.audio.front().dts, b.audio.front().dts) << i;
    // Presentation untouched; decode order kept.
    for (size_t k = 0; k < b.video.size(); ++k) {
      EXPECT_EQ(b.video[k].pts, a.video[k].pts);
      if (k > 0) {
        EXPECT_LT(b.video[k - 1].dts, b.video[k].dts);
      }
    }
  }
}

// Every segment is exactly its parts: same units with the same decode times, parts contiguous
// from the segment's start to its end.
void ExpectSegmentsAreTheirParts(const Output& out) {
  size_t next_part = 0;
  for (const SegmentMedia& s : out.segments) {
    std::vector<const PartMedia*> parts;
    while (next_part < out.parts.size() && out.parts[next_part].segment_start_dts == s.start_dts) {
      parts.push_back(&out.parts[next_part++]);
    }
    ASSERT_FALSE(parts.empty()) << s.start_dts;
    int64_t at = s.start_dts;
    size_t unit = 0;
    for (const PartMedia* p : parts) {
      EXPECT_EQ(p->start_dts, at) << s.start_dts;
      EXPECT_EQ(p->units.front().dts, p->start_dts) << s.start_dts;
      for (const AccessUnit& u : p->units) {
        ASSERT_LT(unit, s.video.size());
        EXPECT_EQ(u.dts, s.video[unit].dts);
        EXPECT_EQ(u.pts, s.video[unit].pts);
        ++unit;
      }
      at = p->end_dts;
    }
    EXPECT_EQ(unit, s.video.size());
    EXPECT_EQ(at, s.end_dts) << s.start_dts;
    // The last sample of the segment lasts as long as it does in its part.
    if (s.next_video_dts) {
      EXPECT_EQ(*s.next_video_dts, s.end_dts);
    }
  }
}

TEST(SegmenterTimingTest, PartsOfMillisecondTimestampsHoldTheSegmentsSamples) {
  std::vector<AccessUnit> units;
  for (int i = 0; i < 300; ++i) {
    const int64_t dts = MillisecondFrame(i);
    units.push_back(VideoUnit(dts, dts, i % 60 == 0, 1));
  }
  const Output out = Segment(units, 45000);
  ASSERT_GE(out.segments.size(), 4u);
  ExpectSegmentsAreTheirParts(out);
  for (const SegmentMedia& s : out.segments) {
    for (size_t k = 0; k < s.video.size(); ++k) {
      EXPECT_LE(s.video[k].dts, s.video[k].pts);  // moved earlier only
      if (k > 0) {
        EXPECT_LT(s.video[k - 1].dts, s.video[k].dts);
      }
    }
  }
  for (const PartMedia& p : out.parts) EXPECT_LE(p.end_dts - p.start_dts, 45000);
}

TEST(SegmenterTimingTest, AFrameFasterThanPredictedKeepsPartsContiguousAndOrder) {
  std::vector<AccessUnit> units;
  int64_t dts = 0;
  for (int i = 0; i < 200; ++i) {
    units.push_back(VideoUnit(dts, dts, i % 60 == 0, 1));
    dts += (i % 17 == 16) ? 1500 : 3000;  // now and then a frame half an interval early
  }
  const Output out = Segment(units, 45000);
  ExpectSegmentsAreTheirParts(out);
  for (const SegmentMedia& s : out.segments) {
    for (size_t k = 0; k < s.video.size(); ++k) {
      EXPECT_LE(s.video[k].dts, s.video[k].pts);
      if (k > 0) {
        EXPECT_LT(s.video[k - 1].dts, s.video[k].dts);
      }
    }
  }
}

TEST(SegmenterTimingTest, EveryKeyframeStartsAPartAndOnlyIndependentPartsAreShort) {
  // 1 s GOPs inside 2 s segments, 0.5 s parts: the keyframe at 1 s must start a part, and
  // the part before it may not be short (RFC 8216bis §4.4.4.9).
  std::vector<AccessUnit> units;
  for (int i = 0; i < 330; ++i) {
    const int64_t dts = MillisecondFrame(i);
    units.push_back(VideoUnit(dts, dts, i % 30 == 0, 1));
  }
  const Output out = Segment(units, 45000);
  ExpectSegmentsAreTheirParts(out);
  int mid_segment_keyframes = 0;
  for (size_t k = 0; k < out.parts.size(); ++k) {
    const PartMedia& p = out.parts[k];
    // From the second segment on (the keyframe interval is learnt from the first GOP).
    for (size_t u = 1; u < p.units.size() && p.segment_start_dts > 0; ++u) {
      EXPECT_FALSE(p.units[u].keyframe) << k << " at " << p.start_dts << " unit " << u;
    }
    EXPECT_EQ(p.independent, p.units.front().keyframe);
    if (p.independent && p.index > 0) ++mid_segment_keyframes;
    const bool last_of_segment =
        k + 1 == out.parts.size() || out.parts[k + 1].segment_start_dts != p.segment_start_dts;
    if (!p.independent && !last_of_segment && p.segment_start_dts > 0) {
      EXPECT_GE(p.end_dts - p.start_dts, 45000 * 85 / 100) << k;
    }
  }
  EXPECT_GE(mid_segment_keyframes, 4);
}

}  // namespace
}  // namespace steadycast::package
