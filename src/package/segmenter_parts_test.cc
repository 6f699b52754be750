// LL-HLS parts cut by the Segmenter: no part longer than the target, parts tile their segment,
// video parts close at their last frame, audio parts follow once audio reached their end, and
// every part of a segment comes before that segment.

#include <gtest/gtest.h>

#include <vector>

#include "formats/fmp4/fmp4_test_util.h"
#include "package/segmenter.h"

namespace steadycast::package {
namespace {

using formats::fmp4::testing::AudioUnit;
using formats::fmp4::testing::VideoUnit;
using media::AccessUnit;

constexpr int64_t kFrame = 3000;       // 30 fps
constexpr int64_t kAudioFrame = 1920;  // 1024 samples at 48 kHz

struct Event {
  bool segment = false;
  PartMedia part;
  SegmentMedia media;
};

// 30 fps video (keyframe every `gop` frames) and audio lagging `audio_lag` ticks, in arrival
// order; returns every event in emission order.
std::vector<Event> RunParts(double part_seconds, int frames, int gop = 60, int64_t audio_lag = 0,
                            bool with_audio = true, std::vector<size_t>* emitted_at = nullptr) {
  SegmenterOptions options;
  options.part_target_ticks = static_cast<int64_t>(part_seconds * 90000);
  Segmenter segmenter(options);
  segmenter.SetTracks(true, with_audio, kAudioFrame, false);
  std::vector<AccessUnit> units;
  int64_t audio = 0;
  for (int i = 0; i < frames; ++i) {
    const int64_t dts = i * kFrame;
    while (with_audio && audio + audio_lag <= dts) {
      units.push_back(AudioUnit(audio, 1));
      audio += kAudioFrame;
    }
    units.push_back(VideoUnit(dts, dts, i % gop == 0, static_cast<uint8_t>(i)));
  }
  std::vector<Event> events;
  for (size_t u = 0; u < units.size(); ++u) {
    std::vector<SegmentMedia> closed;
    std::vector<PartMedia> parts;
    segmenter.Add(units[u], 0, closed, parts);
    for (auto& p : parts) {
      events.push_back({false, std::move(p), {}});
      if (emitted_at) emitted_at->push_back(u);
    }
    for (auto& s : closed) events.push_back({true, {}, std::move(s)});
  }
  std::vector<SegmentMedia> closed;
  std::vector<PartMedia> parts;
  segmenter.Flush(closed, parts);
  for (auto& p : parts) events.push_back({false, std::move(p), {}});
  for (auto& s : closed) events.push_back({true, {}, std::move(s)});
  return events;
}

TEST(SegmenterPartsTest, HalfSecondPartsTileEachTwoSecondSegment) {
  const std::vector<Event> events = RunParts(0.5, 150);  // 5 s: segments [0,2) [2,4) + flushed tail
  std::vector<PartMedia> video_parts, audio_parts;
  int segments = 0;
  for (const Event& e : events) {
    if (e.segment) {
      const SegmentMedia& s = e.media;
      // Every part of this segment came before it and tiles it exactly.
      size_t frames = 0, audio_units = 0;
      int64_t at = s.start_dts;
      for (const PartMedia& p : video_parts) {
        EXPECT_EQ(p.segment_start_dts, s.start_dts);
        EXPECT_EQ(p.start_dts, at);
        at = p.end_dts;
        frames += p.units.size();
        EXPECT_LE(p.end_dts - p.start_dts, 45000);
        EXPECT_EQ(p.independent, p.index == 0);
      }
      EXPECT_EQ(at, s.end_dts);
      EXPECT_EQ(frames, s.video.size());
      for (const PartMedia& p : audio_parts) {
        audio_units += p.units.size();
        EXPECT_LE(p.units.size(), 23u);  // 23 × 21.3 ms ≤ 0.5 s
      }
      EXPECT_EQ(audio_units, s.audio.size());
      if (segments < 2) {
        EXPECT_EQ(video_parts.size(), 4u);
      }
      video_parts.clear();
      audio_parts.clear();
      ++segments;
    } else {
      (e.part.video ? video_parts : audio_parts).push_back(e.part);
    }
  }
  EXPECT_EQ(segments, 3);
}

TEST(SegmenterPartsTest, PartsNeverExceedAThirdOfASecondTarget) {
  for (const Event& e : RunParts(0.33, 200)) {
    if (e.segment || !e.part.video) continue;
    EXPECT_LE(e.part.end_dts - e.part.start_dts, 29700);
    EXPECT_GE(e.part.units.size(), 1u);
  }
}

TEST(SegmenterPartsTest, AVideoPartClosesAtItsLastFrameNotAFrameLater) {
  std::vector<size_t> emitted_at;
  const std::vector<Event> events = RunParts(0.5, 40, 60, 0, /*with_audio=*/false, &emitted_at);
  ASSERT_FALSE(events.empty());
  ASSERT_FALSE(events[0].segment);
  // Frames 0..14 make the first part; it is emitted on adding frame 14 (unit index 14).
  EXPECT_EQ(events[0].part.units.size(), 15u);
  EXPECT_EQ(emitted_at[0], 14u);
}

TEST(SegmenterPartsTest, AudioPartsWaitForLateAudioVideoPartsDoNot) {
  const std::vector<Event> events =
      RunParts(0.5, 130, 60, /*audio_lag=*/9000);  // audio 100 ms late
  // The first event is the first video part; its audio follows as a separate event.
  ASSERT_GE(events.size(), 2u);
  EXPECT_TRUE(events[0].part.video);
  size_t audio_parts = 0;
  for (const Event& e : events) {
    if (!e.segment && !e.part.video) {
      ++audio_parts;
      for (const AccessUnit& u : e.part.units) {
        if (e.part.index > 0) {
          EXPECT_GE(u.dts, e.part.start_dts);
        }
      }
    }
  }
  EXPECT_GE(audio_parts, 8u);
}

TEST(SegmenterPartsTest, JitteryMillisecondTimestampsStayWithinTheTarget) {
  // FLV carries milliseconds: 30 fps arrives as 33/34/33 ms steps.
  SegmenterOptions options;
  options.part_target_ticks = 45000;
  Segmenter segmenter(options);
  segmenter.SetTracks(true, false, kAudioFrame, false);
  std::vector<PartMedia> all;
  for (int i = 0; i < 300; ++i) {
    const int64_t dts = (i * 1000 / 30) * 90;  // whole milliseconds
    std::vector<SegmentMedia> closed;
    std::vector<PartMedia> parts;
    segmenter.Add(VideoUnit(dts, dts, i % 60 == 0, 1), 0, closed, parts);
    for (auto& p : parts) all.push_back(std::move(p));
  }
  ASSERT_GE(all.size(), 15u);
  for (const PartMedia& p : all) {
    const int64_t duration = p.end_dts - p.units.front().dts;
    EXPECT_LE(duration, 45000) << p.index;
    if (p.index < 3) {  // not the last part of its segment (exempt)
      EXPECT_GE(duration, 45000 * 85 / 100) << p.index;  // §4.4.4.9
    }
  }
}

TEST(SegmenterPartsTest, NoPartsWithoutATarget) {
  for (const Event& e : RunParts(0.0, 100)) EXPECT_TRUE(e.segment);
}

}  // namespace
}  // namespace steadycast::package
