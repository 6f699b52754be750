#include "package/segmenter.h"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace steadycast::package {
namespace {

using media::AccessUnit;
using media::TrackKind;

constexpr size_t kFrameIntervals = 8;         // recent frame intervals kept for predictions
constexpr int64_t kDefaultFrameTicks = 3000;  // 30 fps until intervals are known

// a - b, clamped to [low, high] (timestamps of a hostile stream may be anywhere).
int64_t ClampedDifference(int64_t a, int64_t b, int64_t low, int64_t high) {
  const __int128 d = static_cast<__int128>(a) - b;
  return d < low ? low : d > high ? high : static_cast<int64_t>(d);
}

}  // namespace

void Segmenter::Building::Append(const AccessUnit& unit) {
  media.bytes += unit.data.size();
  (unit.kind == TrackKind::kVideo ? media.video : media.audio).push_back(unit);
}

void Segmenter::SetTracks(bool has_video, bool has_audio, int64_t audio_frame_ticks,
                          bool wait_for_video) {
  has_video_ = has_video;
  has_audio_ = has_audio;
  audio_frame_ticks_ = std::max<int64_t>(audio_frame_ticks, 1);
  wait_for_video_ = wait_for_video;
}

void Segmenter::Add(const AccessUnit& unit, int64_t wall_ms, std::vector<SegmentMedia>& closed,
                    std::vector<PartMedia>& parts) {
  parts_out_ = &parts;
  Add(unit, wall_ms, closed);
  parts_out_ = nullptr;
}

void Segmenter::Flush(std::vector<SegmentMedia>& closed, std::vector<PartMedia>& parts) {
  parts_out_ = &parts;
  Flush(closed);
  parts_out_ = nullptr;
}

void Segmenter::Add(const AccessUnit& input, int64_t wall_ms, std::vector<SegmentMedia>& closed) {
  const bool video = input.kind == TrackKind::kVideo;
  if (video ? !has_video_ : !has_audio_) return;  // the caller knows no config for this track
  AccessUnit unit = input;                        // shares the payload
  const int64_t basis = video ? AlignVideo(unit) : unit.dts;
  if (open_ && IsTimelineBreak(unit)) {
    ++stats_.timeline_breaks;
    Flush(closed);
  }
  if (!open_) {
    AddWaiting(unit, basis, wall_ms);
    if (!open_) return;
    // The segment just opened with `unit`; replay the audio held for it through the normal
    // path so that cuts and limits apply to it as well.
    std::deque<AccessUnit> held = std::exchange(held_audio_, {});
    held_audio_bytes_ = 0;
    for (const AccessUnit& audio : held) {
      if (audio.dts < current_.media.start_dts) {
        ++stats_.dropped_audio;
      } else {
        AddAudio(audio, wall_ms, closed);
      }
    }
    return;
  }
  if (video) {
    AddVideo(unit, basis, wall_ms, closed);
  } else {
    AddAudio(unit, wall_ms, closed);
  }
}

// Input dts + decode_shift_ (the keyframe's pts - dts - decode_delay_ticks, at most 0), kept
// increasing while the input is;
// then a pending part snap. Only a unit that continues the timeline is moved, so breaks stay
// visible to IsTimelineBreak.
int64_t Segmenter::AlignVideo(AccessUnit& unit) {
  const int64_t input = unit.dts;
  const bool continues =
      last_input_dts_ && input > *last_input_dts_ &&
      ClampedDifference(input, *last_input_dts_, 0, INT64_MAX) <= options_.max_ticks;
  if (continues) {
    frame_intervals_.push_back(input - *last_input_dts_);
    if (frame_intervals_.size() > kFrameIntervals) frame_intervals_.pop_front();
  }
  last_input_dts_ = input;
  const int64_t delay = std::clamp<int64_t>(options_.decode_delay_ticks, 0, media::kTimescale);
  if (unit.keyframe) decode_shift_ = ClampedDifference(unit.pts, unit.dts, 0, delay) - delay;
  if (input >= INT64_MIN + delay) unit.dts = input + decode_shift_;
  const int64_t basis = unit.dts;
  if (continues && last_aligned_dts_) {
    const int64_t before = unit.dts;
    int64_t dts = snap_next_dts_.value_or(before);
    // A shrinking shift, or a frame faster than the part's predicted end: keep decode order.
    if (dts <= *last_aligned_dts_) dts = *last_aligned_dts_ + 1;
    // Moved later: a unit that was not ahead of its presentation stays so.
    if (dts > before && unit.pts >= before) unit.pts = std::max(unit.pts, dts);
    unit.dts = dts;
    snap_next_dts_.reset();
  }
  // A unit that breaks the timeline leaves the snap to Flush (the open segment's end).
  last_aligned_dts_ = unit.dts;
  if (unit.keyframe) {
    if (last_keyframe_basis_ && continues && basis > *last_keyframe_basis_) {
      keyframe_interval_ = basis - *last_keyframe_basis_;
    } else {
      keyframe_interval_.reset();
    }
    last_keyframe_basis_ = basis;
  }
  return basis;
}

void Segmenter::AddWaiting(const AccessUnit& unit, int64_t basis, int64_t wall_ms) {
  if (unit.kind == TrackKind::kVideo) {
    if (!unit.keyframe) {
      ++stats_.dropped_before_keyframe;
      return;
    }
    Open(unit, basis, wall_ms);
    return;
  }
  if (has_video_ || wait_for_video_) {
    held_audio_.push_back(unit);
    held_audio_bytes_ += unit.data.size();
    TrimHeldAudio();
    const bool waited_enough =
        held_audio_.back().dts - held_audio_.front().dts >= options_.audio_only_wait_ticks;
    if (has_video_ || !waited_enough) return;
  } else {
    held_audio_.push_back(unit);
  }
  // Audio-only: the segment starts at the oldest held frame; Add() replays the rest.
  AccessUnit first = held_audio_.front();
  held_audio_.pop_front();
  held_audio_bytes_ -= std::min(held_audio_bytes_, first.data.size());
  Open(first, first.dts, wall_ms);
}

void Segmenter::TrimHeldAudio() {
  while (!held_audio_.empty() &&
         (held_audio_.back().dts - held_audio_.front().dts > options_.max_ticks ||
          held_audio_bytes_ > options_.max_bytes)) {
    held_audio_bytes_ -= std::min(held_audio_bytes_, held_audio_.front().data.size());
    held_audio_.pop_front();
    ++stats_.dropped_audio;
  }
}

void Segmenter::Open(const AccessUnit& first, int64_t basis, int64_t wall_ms) {
  open_ = true;
  current_ = Building{};
  current_.media.start_dts = first.dts;
  current_.basis_start = basis;
  current_.media.start_wall_ms = wall_ms;
  current_.media.discontinuity = std::exchange(next_discontinuity_, false);
  current_.Append(first);
  ResetParts(first.dts);
  if (first.kind == TrackKind::kVideo && first.keyframe) PlanParts(first.dts);
  audio_seen_in_segment_ = first.kind == TrackKind::kAudio;
  (first.kind == TrackKind::kVideo ? last_video_dts_ : last_audio_dts_) = first.dts;
}

bool Segmenter::IsTimelineBreak(const AccessUnit& unit) const {
  if (unit.kind == TrackKind::kVideo) {
    return last_video_dts_ &&
           (unit.dts < *last_video_dts_ || unit.dts - *last_video_dts_ > options_.max_ticks);
  }
  // With video, audio follows the video timeline: stray audio is dropped or kept, not a break.
  if (has_video_) return false;
  return last_audio_dts_ && (unit.dts < *last_audio_dts_ - audio_frame_ticks_ ||
                             unit.dts - *last_audio_dts_ > options_.max_ticks);
}

bool Segmenter::ExceedsLimits(const AccessUnit& unit) const {
  const SegmentMedia& m = current_.media;
  if (m.video.empty() && m.audio.empty()) return false;
  return m.bytes + unit.data.size() > options_.max_bytes ||
         unit.dts - m.start_dts >= options_.max_ticks;
}

void Segmenter::AddVideo(const AccessUnit& unit, int64_t basis, int64_t wall_ms,
                         std::vector<SegmentMedia>& closed) {
  last_video_dts_ = unit.dts;
  if (cut_dts_) {
    if (!unit.keyframe) {
      next_.Append(unit);
      if (unit.dts - *cut_dts_ >= options_.interleave_wait_ticks) FinishCut(closed);
      return;
    }
    FinishCut(closed, unit.dts);  // another keyframe: stop waiting for audio, judge it afresh
  }
  const int64_t since_start = basis - current_.basis_start;
  if (unit.keyframe &&
      (since_start >= options_.target_ticks || (unit.segment_start && since_start > 0))) {
    cut_dts_ = unit.dts;
    next_ = Building{};
    next_.media.start_dts = unit.dts;
    next_.basis_start = basis;
    next_.media.start_wall_ms = wall_ms;
    // A switch into or out of a slate: the passthrough rendition changes its encoding there
    // (a new init after EXT-X-DISCONTINUITY), so every rendition marks a discontinuity at the
    // same segment — variants and the audio rendition keep matching discontinuity sequences
    // (RFC 8216 §6.2.4), which players such as hls.js rely on to line up audio and video. The
    // timeline itself continues (the packager keeps its output offset).
    next_.media.discontinuity = unit.segment_start;
    next_.Append(unit);
    // Audio that arrived ahead of this keyframe belongs to the next segment.
    std::vector<AccessUnit>& audio = current_.media.audio;
    while (!audio.empty() && audio.back().dts >= unit.dts) {
      current_.media.bytes -= std::min(current_.media.bytes, audio.back().data.size());
      next_.media.bytes += audio.back().data.size();
      next_.media.audio.insert(next_.media.audio.begin(), std::move(audio.back()));
      audio.pop_back();
    }
    const bool audio_caught_up =
        !has_audio_ || !audio_seen_in_segment_ ||
        (last_audio_dts_ && *last_audio_dts_ + audio_frame_ticks_ > unit.dts);
    if (audio_caught_up) FinishCut(closed);
    return;
  }
  if (ExceedsLimits(unit)) {
    ForceCut(unit, basis, wall_ms, closed);
    return;
  }
  if (unit.keyframe && parts_on()) PartAtKeyframe(unit.dts);
  current_.Append(unit);
  if (parts_on()) {
    CheckPartAfter(current_.media.video.size() - 1);
    EmitReadyAudioParts();  // audio the video has now passed
  }
}

void Segmenter::AddAudio(const AccessUnit& unit, int64_t wall_ms,
                         std::vector<SegmentMedia>& closed) {
  if (unit.dts < current_.media.start_dts) {
    ++stats_.dropped_audio;  // its segment has already closed
    return;
  }
  last_audio_dts_ = unit.dts;
  if (!has_video_) {
    if (unit.dts - current_.media.start_dts >= options_.target_ticks) {
      CloseSegmentParts(unit.dts);
      Emit(std::move(current_.media), unit.dts, closed);
      Open(unit, unit.dts, wall_ms);
      if (parts_on()) EmitReadyAudioParts();
      return;
    }
  } else {
    audio_seen_in_segment_ = true;
    if (cut_dts_) {
      const bool current = unit.dts < *cut_dts_;
      (current ? current_ : next_).Append(unit);
      if (current && parts_on()) EmitReadyAudioParts();
      if (unit.dts + audio_frame_ticks_ > *cut_dts_) FinishCut(closed);
      return;
    }
  }
  if (ExceedsLimits(unit)) {
    ForceCut(unit, unit.dts, wall_ms, closed);
    return;
  }
  current_.Append(unit);
  if (parts_on()) EmitReadyAudioParts();
}

void Segmenter::ForceCut(const AccessUnit& unit, int64_t basis, int64_t wall_ms,
                         std::vector<SegmentMedia>& closed) {
  ++stats_.forced_cuts;
  CloseSegmentParts(unit.dts);
  SegmentMedia media = std::move(current_.media);
  media.forced = true;
  if (unit.kind == TrackKind::kVideo) media.next_video_dts = unit.dts;
  Emit(std::move(media), unit.dts, closed);
  Open(unit, basis, wall_ms);
}

void Segmenter::FinishCut(std::vector<SegmentMedia>& closed, std::optional<int64_t> next_dts) {
  CloseSegmentParts(*cut_dts_);
  SegmentMedia media = std::move(current_.media);
  media.next_video_dts = *cut_dts_;
  Emit(std::move(media), *cut_dts_, closed);
  current_ = std::exchange(next_, Building{});
  ResetParts(*cut_dts_);
  if (parts_on()) PlanParts(*cut_dts_);
  cut_dts_.reset();
  audio_seen_in_segment_ = !current_.media.audio.empty();
  // Units that arrived while the cut waited for audio: their parts close now.
  if (parts_on()) {
    CatchUpParts(next_dts);
    EmitReadyAudioParts();
  }
}

int64_t Segmenter::EndOf(const SegmentMedia& media) const {
  int64_t end = media.start_dts + 1;
  if (!media.video.empty()) {
    const auto& v = media.video;
    const int64_t last_duration =
        v.size() > 1 ? std::max<int64_t>(v.back().dts - v[v.size() - 2].dts, 0) : 0;
    return std::max(end, v.back().dts + last_duration);
  }
  if (!media.audio.empty()) end = std::max(end, media.audio.back().dts + audio_frame_ticks_);
  return end;
}

void Segmenter::Emit(SegmentMedia media, int64_t end_dts, std::vector<SegmentMedia>& closed) {
  media.end_dts = std::max(end_dts, media.start_dts + 1);
  closed.push_back(std::move(media));
}

void Segmenter::Flush(std::vector<SegmentMedia>& closed) {
  if (open_) {
    if (cut_dts_) FinishCut(closed);
    SegmentMedia& media = current_.media;
    if (!media.video.empty() || !media.audio.empty()) {
      // Where the last part ended, if it closed at the last frame; else a frame on.
      const int64_t end = snap_next_dts_ && !media.video.empty() ? *snap_next_dts_ : EndOf(media);
      CloseSegmentParts(end);
      // The last sample lasts until `end`, in the segment as in its last part.
      if (snap_next_dts_ && !media.video.empty()) media.next_video_dts = end;
      Emit(std::move(media), end, closed);
    }
  }
  open_ = false;
  current_ = Building{};
  next_ = Building{};
  cut_dts_.reset();
  last_video_dts_.reset();
  last_audio_dts_.reset();
  held_audio_.clear();
  held_audio_bytes_ = 0;
  audio_seen_in_segment_ = false;
  next_discontinuity_ = true;
  last_input_dts_.reset();
  last_aligned_dts_.reset();
  snap_next_dts_.reset();
  last_keyframe_basis_.reset();
  keyframe_interval_.reset();
  plan_end_.reset();
}

void Segmenter::ResetParts(int64_t start) {
  part_index_ = 0;
  audio_part_index_ = 0;
  part_start_ = start;
  part_video_begin_ = 0;
  part_audio_begin_ = 0;
}

int64_t Segmenter::ShortestFrame() const {
  int64_t shortest = 0;
  for (int64_t d : frame_intervals_) {
    if (d <= options_.part_target_ticks && (shortest == 0 || d < shortest)) shortest = d;
  }
  return shortest > 0 ? shortest : kDefaultFrameTicks;
}

int64_t Segmenter::LongestFrame() const {
  int64_t longest = 0;
  size_t n = 0;
  for (auto it = frame_intervals_.rbegin(); it != frame_intervals_.rend() && n < 4; ++it, ++n) {
    if (*it <= options_.part_target_ticks) longest = std::max(longest, *it);
  }
  return longest > 0 ? longest : std::max(ShortestFrame(), kDefaultFrameTicks);
}

// With a regular keyframe interval shorter than the segment, the next keyframe falls inside
// the segment and must start a part, so the part before it must be ≥ 85 % of the target.
// Parts are planned back from that keyframe: each ends `length` before the next, and the
// first (independent, so allowed to be short) takes what remains. `length` leaves a frame of
// room on both sides for quantisation to whole frames.
void Segmenter::PlanParts(int64_t dts) {
  plan_end_.reset();
  if (!keyframe_interval_ || !last_keyframe_basis_) return;
  const int64_t target = options_.part_target_ticks;
  const int64_t frame = LongestFrame();
  const int64_t next_basis = *last_keyframe_basis_ + *keyframe_interval_;
  // The next keyframe (about) cuts the segment: the last part of a segment may be short.
  if (next_basis - current_.basis_start >= options_.target_ticks - frame) return;
  const int64_t length = target - frame;
  if (length - frame < (target * 85 + 99) / 100) return;  // parts too short for a plan
  plan_end_ = dts + *keyframe_interval_;
  plan_length_ = length;
}

void Segmenter::PartAtKeyframe(int64_t dts) {
  const std::vector<AccessUnit>& v = current_.media.video;
  if (part_video_begin_ < v.size()) {
    // An unplanned keyframe: a short part before it would break the 85 % rule (§4.4.4.9), a
    // MUST, while a keyframe inside a part only costs a joining player a few frames.
    if ((dts - part_start_) * 100 < options_.part_target_ticks * 85) {
      PlanParts(dts);
      return;
    }
    ClosePartThrough(v.size() - 1, dts);
  }
  PlanParts(dts);
}

void Segmenter::CheckPartAfter(size_t i, std::optional<int64_t> next_dts) {
  const std::vector<AccessUnit>& v = current_.media.video;
  if (i >= v.size() || i < part_video_begin_) return;
  const bool last = i + 1 == v.size();
  const bool predicted = last && !next_dts;
  // Where the part would end: the next frame, or where it is predicted. The shortest recent
  // interval is predicted (FLV's milliseconds make 30 fps step 33/33/34 ms) so that the snap
  // of the next frame to it moves that frame earlier, never later, in the normal case.
  const int64_t shortest = ShortestFrame();
  const int64_t end = !last ? v[i + 1].dts : predicted ? v[i].dts + shortest : *next_dts;
  // Measured from the part's first frame: what its samples will last. The longest recent
  // interval keeps every part within the target.
  const int64_t first = std::min(v[part_video_begin_].dts, std::max(part_start_, v[0].dts));
  bool close = v[i].dts + 2 * LongestFrame() - first > options_.part_target_ticks;
  if (plan_end_ && *plan_end_ - part_start_ > shortest / 2) {
    // The planned end nearest after this part's start.
    const int64_t k = (*plan_end_ - part_start_ - shortest / 2 - 1) / plan_length_;
    const int64_t boundary = *plan_end_ - k * plan_length_;
    close = close || end >= boundary - shortest / 2;
  }
  if (!close) return;
  ClosePartThrough(i, end);
  if (predicted) snap_next_dts_ = end;  // the next frame decodes where this part ends
}

void Segmenter::CatchUpParts(std::optional<int64_t> next_dts) {
  // The first unit is the segment's keyframe; judge every unit after it in order.
  for (size_t i = part_video_begin_; i < current_.media.video.size(); ++i) {
    CheckPartAfter(i, next_dts);
  }
}

void Segmenter::ClosePartThrough(size_t i, int64_t end) {
  const std::vector<AccessUnit>& v = current_.media.video;
  PartMedia part;
  part.video = true;
  part.index = part_index_++;
  part.segment_start_dts = current_.media.start_dts;
  part.segment_start_wall_ms = current_.media.start_wall_ms;
  part.segment_discontinuity = current_.media.discontinuity;
  part.start_dts = part_start_;
  part.end_dts = std::max(end, part_start_ + 1);
  part.units.assign(v.begin() + static_cast<std::ptrdiff_t>(part_video_begin_),
                    v.begin() + static_cast<std::ptrdiff_t>(i + 1));
  part.independent = !part.units.empty() && part.units.front().keyframe;
  part_start_ = part.end_dts;
  part_video_begin_ = i + 1;
  parts_out_->push_back(std::move(part));
}

// Audio parts are whole AAC frames, as many as fit in the part target, cut on their own (a
// part need not line up with the video's). With video, only audio the video has already
// passed is taken (a keyframe cut may still move later audio into the next segment).
size_t Segmenter::AudioFramesPerPart() const {
  return static_cast<size_t>(
      std::max<int64_t>(options_.part_target_ticks / std::max<int64_t>(audio_frame_ticks_, 1), 1));
}

void Segmenter::EmitReadyAudioParts() {
  const std::vector<AccessUnit>& a = current_.media.audio;
  const size_t per_part = AudioFramesPerPart();
  while (true) {
    size_t ready = part_audio_begin_;
    while (ready < a.size() && ready - part_audio_begin_ < per_part &&
           (!has_video_ || cut_dts_ || (last_video_dts_ && a[ready].dts < *last_video_dts_))) {
      ++ready;
    }
    if (ready - part_audio_begin_ < per_part) return;
    EmitAudioPart(ready);
  }
}

void Segmenter::EmitAudioPart(size_t end) {
  const std::vector<AccessUnit>& a = current_.media.audio;
  if (end <= part_audio_begin_ || end > a.size()) return;
  PartMedia part;
  part.video = false;
  part.index = audio_part_index_++;
  part.segment_start_dts = current_.media.start_dts;
  part.segment_start_wall_ms = current_.media.start_wall_ms;
  part.segment_discontinuity = current_.media.discontinuity;
  part.start_dts = a[part_audio_begin_].dts;
  part.end_dts = a[end - 1].dts + audio_frame_ticks_;
  part.units.assign(a.begin() + static_cast<std::ptrdiff_t>(part_audio_begin_),
                    a.begin() + static_cast<std::ptrdiff_t>(end));
  part.independent = true;
  part_audio_begin_ = end;
  parts_out_->push_back(std::move(part));
}

void Segmenter::CloseSegmentParts(int64_t end) {
  if (!parts_on()) return;
  if (has_video_ && part_video_begin_ < current_.media.video.size()) {
    ClosePartThrough(current_.media.video.size() - 1, end);
  }
  // The segment's audio is complete (audio at or after the cut already moved to the next
  // segment): what remains goes out in parts of at most the target.
  const size_t per_part = AudioFramesPerPart();
  const size_t total = current_.media.audio.size();
  while (part_audio_begin_ < total) {
    EmitAudioPart(std::min(total, part_audio_begin_ + per_part));
  }
}

}  // namespace steadycast::package
