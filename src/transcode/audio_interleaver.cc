#include "transcode/audio_interleaver.h"

#include <utility>

namespace steadycast::transcode {

void AudioInterleaver::AddAudio(media::AccessUnit unit, std::vector<media::AccessUnit>& out) {
  held_.push_back(std::move(unit));
  Release(out);
  while (held_.size() > 1 && held_.back().dts - held_.front().dts > max_hold_ticks_) {
    out.push_back(std::move(held_.front()));
    held_.pop_front();
  }
}

void AudioInterleaver::BeforeVideo(int64_t video_dts, std::vector<media::AccessUnit>& out) {
  last_video_dts_ = video_dts;
  Release(out);
}

void AudioInterleaver::Drain(std::vector<media::AccessUnit>& out) {
  for (auto& unit : held_) out.push_back(std::move(unit));
  held_.clear();
  last_video_dts_.reset();
}

void AudioInterleaver::Release(std::vector<media::AccessUnit>& out) {
  // Audio far behind the video (more than the hold bound) belongs to a new timeline that the
  // video has not reached yet (a publisher came back): it waits for the flush at the break.
  while (!held_.empty() && last_video_dts_ && held_.front().dts <= *last_video_dts_ &&
         *last_video_dts_ - held_.front().dts <= max_hold_ticks_) {
    out.push_back(std::move(held_.front()));
    held_.pop_front();
  }
}

}  // namespace steadycast::transcode
