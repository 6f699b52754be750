#pragma once
// AudioInterleaver: holds one rendition's audio until its (encoder-delayed) video has caught
// up, so the rendition's sink sees both tracks interleaved by dts as from a live publisher.
// Audio with dts ≤ the last video dts goes out at once; later audio waits for the next video
// unit. Memory is bounded: when the held audio spans more than `max_hold_ticks` (video
// stalled or absent), the oldest goes out anyway. Pure; not thread-safe (one rendition worker).

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "media/access_unit.h"

namespace steadycast::transcode {

class AudioInterleaver {
 public:
  explicit AudioInterleaver(int64_t max_hold_ticks) : max_hold_ticks_(max_hold_ticks) {}

  // Adds an audio unit; appends to `out` whatever may go out now.
  void AddAudio(media::AccessUnit unit, std::vector<media::AccessUnit>& out);
  // Call before sending a video unit with `video_dts`: appends the audio that goes before it.
  void BeforeVideo(int64_t video_dts, std::vector<media::AccessUnit>& out);
  // Appends everything held (flush, end of stream) and forgets the video position.
  void Drain(std::vector<media::AccessUnit>& out);
  size_t held() const { return held_.size(); }

 private:
  void Release(std::vector<media::AccessUnit>& out);

  int64_t max_hold_ticks_;
  std::optional<int64_t> last_video_dts_;
  std::deque<media::AccessUnit> held_;
};

}  // namespace steadycast::transcode
