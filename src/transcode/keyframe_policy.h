#pragma once
// Where the transcoded renditions put their IDRs. Pure, small,
// not thread-safe; each object is owned by one transcoder stage.
//
// The packager's segmenter (package/segmenter.h) starts a segment at a keyframe and closes it
// at the first keyframe whose dts is ≥ target after the segment start; a timeline break (dts
// backwards or jumping by more than max_ticks) or a flush makes the next segment start afresh
// at the next keyframe. With a passthrough rendition in the ladder, its segmenter sees the
// source keyframes, so the transcoded renditions must have IDRs on exactly the source frames
// that segmenter cuts on, and nowhere else:
//
//   SegmentCutMirror::OnSourceVideo(unit) is true for a source keyframe when no cut happened
//   yet (after Reset) or when unit.dts − last cut dts ≥ target; the frame becomes the last cut.
//
// Without a passthrough rendition (source GOP too long or irregular), IDRs go on a fixed
// cadence by presentation time (CadenceCutter): the first frame after Reset, then the first
// frame whose pts − last cut pts ≥ target.
//
// FrameDecimator keeps every Nth frame for rungs with a reduced frame rate, restarting its
// phase at every forced IDR so a forced frame is never the one dropped.

#include <cstdint>
#include <optional>

#include "media/access_unit.h"

namespace steadycast::transcode {

class SegmentCutMirror {
 public:
  SegmentCutMirror(int64_t target_ticks, int64_t timeline_break_ticks)
      : target_ticks_(target_ticks), break_ticks_(timeline_break_ticks) {}

  // True when the segmenter would cut at this source video unit (decode order).
  bool OnSourceVideo(const media::AccessUnit& unit);
  // The same timeline-break rule as the segmenter: dts backwards or jumping forward by more
  // than timeline_break_ticks since the previous video unit.
  bool IsTimelineBreak(const media::AccessUnit& unit) const;
  // The segmenter was flushed (config change, timeline break, end of stream).
  void Reset();

 private:
  int64_t target_ticks_;
  int64_t break_ticks_;
  std::optional<int64_t> last_cut_dts_;
  std::optional<int64_t> last_video_dts_;
};

class CadenceCutter {
 public:
  explicit CadenceCutter(int64_t target_ticks) : target_ticks_(target_ticks) {}
  // Frames in presentation order.
  bool OnFrame(int64_t pts);
  void Reset() { last_cut_pts_.reset(); }

 private:
  int64_t target_ticks_;
  std::optional<int64_t> last_cut_pts_;
};

class FrameDecimator {
 public:
  explicit FrameDecimator(int divisor) : divisor_(divisor < 1 ? 1 : divisor) {}
  bool Keep(bool forced_idr);
  void Reset() { phase_ = 0; }

 private:
  int divisor_;
  int phase_ = 0;
};

}  // namespace steadycast::transcode
