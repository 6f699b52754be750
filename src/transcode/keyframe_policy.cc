#include "transcode/keyframe_policy.h"

namespace steadycast::transcode {

bool SegmentCutMirror::IsTimelineBreak(const media::AccessUnit& unit) const {
  return last_video_dts_ &&
         (unit.dts < *last_video_dts_ || unit.dts - *last_video_dts_ > break_ticks_);
}

bool SegmentCutMirror::OnSourceVideo(const media::AccessUnit& unit) {
  if (IsTimelineBreak(unit)) Reset();
  last_video_dts_ = unit.dts;
  if (!unit.keyframe) return false;
  if (last_cut_dts_ && unit.dts - *last_cut_dts_ < target_ticks_) return false;
  last_cut_dts_ = unit.dts;
  return true;
}

void SegmentCutMirror::Reset() {
  last_cut_dts_.reset();
  last_video_dts_.reset();
}

bool CadenceCutter::OnFrame(int64_t pts) {
  if (last_cut_pts_ && pts >= *last_cut_pts_ && pts - *last_cut_pts_ < target_ticks_) return false;
  last_cut_pts_ = pts;  // also restarts after pts went backwards
  return true;
}

bool FrameDecimator::Keep(bool forced_idr) {
  if (forced_idr) phase_ = 0;
  const bool keep = phase_ == 0;
  phase_ = (phase_ + 1) % divisor_;
  return keep;
}

}  // namespace steadycast::transcode
