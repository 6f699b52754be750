#include "package/segmenter.h"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace steadycast::package {

using media::AccessUnit;
using media::TrackKind;

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

void Segmenter::Add(const AccessUnit& unit, int64_t wall_ms, std::vector<SegmentMedia>& closed) {
  const bool video = unit.kind == TrackKind::kVideo;
  if (video ? !has_video_ : !has_audio_) return;  // the caller knows no config for this track
  if (open_ && IsTimelineBreak(unit)) {
    ++stats_.timeline_breaks;
    Flush(closed);
  }
  if (!open_) {
    AddWaiting(unit, wall_ms);
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
    AddVideo(unit, wall_ms, closed);
  } else {
    AddAudio(unit, wall_ms, closed);
  }
}

void Segmenter::AddWaiting(const AccessUnit& unit, int64_t wall_ms) {
  if (unit.kind == TrackKind::kVideo) {
    if (!unit.keyframe) {
      ++stats_.dropped_before_keyframe;
      return;
    }
    Open(unit, wall_ms);
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
  Open(first, wall_ms);
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

void Segmenter::Open(const AccessUnit& first, int64_t wall_ms) {
  open_ = true;
  current_ = Building{};
  current_.media.start_dts = first.dts;
  current_.media.start_wall_ms = wall_ms;
  current_.media.discontinuity = std::exchange(next_discontinuity_, false);
  current_.Append(first);
  ResetParts(first.dts);
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

void Segmenter::AddVideo(const AccessUnit& unit, int64_t wall_ms,
                         std::vector<SegmentMedia>& closed) {
  last_video_dts_ = unit.dts;
  if (cut_dts_) {
    if (!unit.keyframe) {
      next_.Append(unit);
      if (unit.dts - *cut_dts_ >= options_.interleave_wait_ticks) FinishCut(closed);
      return;
    }
    FinishCut(closed);  // another keyframe: stop waiting for audio, judge this one afresh
  }
  const int64_t since_start = unit.dts - current_.media.start_dts;
  if (unit.keyframe &&
      (since_start >= options_.target_ticks || (unit.segment_start && since_start > 0))) {
    cut_dts_ = unit.dts;
    next_ = Building{};
    next_.media.start_dts = unit.dts;
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
    ForceCut(unit, wall_ms, closed);
    return;
  }
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
      Open(unit, wall_ms);
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
    ForceCut(unit, wall_ms, closed);
    return;
  }
  current_.Append(unit);
  if (parts_on()) EmitReadyAudioParts();
}

void Segmenter::ForceCut(const AccessUnit& unit, int64_t wall_ms,
                         std::vector<SegmentMedia>& closed) {
  ++stats_.forced_cuts;
  CloseSegmentParts(unit.dts);
  SegmentMedia media = std::move(current_.media);
  media.forced = true;
  if (unit.kind == TrackKind::kVideo) media.next_video_dts = unit.dts;
  Emit(std::move(media), unit.dts, closed);
  Open(unit, wall_ms);
}

void Segmenter::FinishCut(std::vector<SegmentMedia>& closed) {
  CloseSegmentParts(*cut_dts_);
  SegmentMedia media = std::move(current_.media);
  media.next_video_dts = *cut_dts_;
  Emit(std::move(media), *cut_dts_, closed);
  current_ = std::exchange(next_, Building{});
  ResetParts(*cut_dts_);
  cut_dts_.reset();
  audio_seen_in_segment_ = !current_.media.audio.empty();
  // Units that arrived while the cut waited for audio: their parts close now.
  if (parts_on()) {
    CatchUpParts();
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
      const int64_t end = EndOf(media);
      CloseSegmentParts(end);
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
}

void Segmenter::ResetParts(int64_t start) {
  part_index_ = 0;
  audio_part_index_ = 0;
  part_start_ = start;
  part_video_begin_ = 0;
  part_audio_begin_ = 0;
}

void Segmenter::CheckPartAfter(size_t i) {
  const std::vector<AccessUnit>& v = current_.media.video;
  if (i >= v.size() || i < part_video_begin_) return;
  // The next frame is predicted one frame later; with jittery timestamps (FLV's milliseconds
  // make 30 fps step 33/33/34 ms) the largest of the last few intervals keeps every part
  // within the target.
  int64_t frame = i >= 1 ? v[i].dts - v[i - 1].dts : 0;
  if (frame <= 0 || frame > options_.part_target_ticks) frame = last_frame_ticks_;
  last_frame_ticks_ = frame;
  int64_t cautious = frame;
  for (size_t k = i; k >= 1 && k + 4 > i; --k) {
    const int64_t d = v[k].dts - v[k - 1].dts;
    if (d > 0 && d <= options_.part_target_ticks) cautious = std::max(cautious, d);
  }
  // Measured from the part's first frame: what its samples will last.
  const int64_t first = std::min(v[part_video_begin_].dts, std::max(part_start_, v[0].dts));
  if (v[i].dts + 2 * cautious - first > options_.part_target_ticks) {
    ClosePartThrough(i, v[i].dts + frame);
  }
}

void Segmenter::CatchUpParts() {
  // The first unit is the segment's keyframe; judge every unit after it in order.
  for (size_t i = part_video_begin_; i < current_.media.video.size(); ++i) CheckPartAfter(i);
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
