#pragma once
// Segmenter: decides where one stream's segments begin and end (docs/architecture.md "package").
// Pure and sans-I/O: access units in (decode order per track, tracks interleaved however the
// ingest delivers them), closed segments out; the wall clock is passed in, never read.
//
// Rules (RFC 8216 §3 / Apple HLS authoring: segments start with an IDR so each one decodes
// independently):
// - A segment starts at a video keyframe and closes at the first video keyframe whose dts is
//   ≥ target after its start, or earlier at a keyframe marked `segment_start` (not a
//   discontinuity; the transcoder marks its switch points into and out of a slate). Audio goes to
//   the segment whose [start, end) contains its dts; because audio may arrive slightly after the
//   video that closes a segment, a cut waits until audio reaches it (bounded by
//   `interleave_wait_ticks` of video beyond the cut).
// - Audio-only streams are cut on time at the first audio frame ≥ target after the start.
// - Units before the first keyframe (after a reset) are dropped; audio is held meanwhile and
//   kept if it falls at or after the keyframe.
// - `max_ticks` / `max_bytes` force a cut anywhere (marked `forced`, the next segment may then
//   begin with a non-keyframe) so a publisher that sends no keyframes cannot grow memory.
// - A timeline break (dts going backwards, or jumping forward by more than `max_ticks`) closes
//   the open segment; the next one starts afresh at a keyframe and is marked discontinuous.
// - Video decode times are rebased so that every keyframe decodes `decode_delay_ticks` before
//   its presentation (the shift, never positive, is taken at each keyframe; 0 keeps the input's
//   decode times). Renditions of one
//   source encoded with different B-frame delays (the passthrough without B-frames, the x264
//   rungs with two) thereby start segment N at the same decode time with the same presentation
//   time (RFC 8216bis §6.2.4), and audio is split at the same points in every rendition.
//   Composition offsets stay non-negative: ffmpeg's and GStreamer's demuxers shift a track
//   with negative offsets by the largest of them, which breaks A/V sync. A rendition whose
//   own delay exceeds decode_delay_ticks keeps it (its cuts then lag the others' by the excess).
//   Emitted units carry the rebased dts; pts never change.
//
// Owned by one StreamPackager; called from its writer thread only. Not thread-safe.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "media/access_unit.h"

namespace steadycast::package {

// How far every keyframe decodes ahead of its presentation in a packager's output: covers the
// reorder delay of common encoders (two or three B-frames at 24 fps and up).
inline constexpr int64_t kDecodeDelayTicks = media::kTimescale / 10;

struct SegmenterOptions {
  // Keyframes decode this long before their presentation (see the rules above); 0: the input's
  // decode times are kept.
  int64_t decode_delay_ticks = 0;
  int64_t target_ticks = 2 * media::kTimescale;
  int64_t max_ticks = 12 * media::kTimescale;
  size_t max_bytes = size_t{64} * 1024 * 1024;
  // How long audio is held while waiting for a video track that may still appear, before an
  // audio-only stream starts (only before the stream's first segment: see SetTracks).
  int64_t audio_only_wait_ticks = 4 * media::kTimescale;
  // How far video may run past a cut while the cut waits for audio to catch up.
  int64_t interleave_wait_ticks = media::kTimescale;
  // LL-HLS parts (0: none). A part closes at the frame after which the next one would make it
  // longer than this (so no part exceeds it), and at every segment cut.
  int64_t part_target_ticks = 0;
};

// One closed part (LL-HLS partial segment) of the open segment. Video parts close as soon as
// their last frame arrives: its duration is predicted (the shortest recent frame interval) and
// the next frame's decode time is then moved to that predicted end, in the part and in the
// segment alike, so a segment holds exactly the samples of its parts (RFC 8216bis §3.2). Its
// pts stays (the composition offset absorbs the move, which is earlier unless a frame comes
// faster than any recent one; then dts and pts move later by that much). Every keyframe starts
// a part (INDEPENDENT=YES exact): when the keyframe interval is regular and shorter than a
// segment, the first part after a keyframe takes the remainder so that the parts before the
// next keyframe are full length (§4.4.4.9: only independent and last parts may be shorter
// than 85 % of the target); an unexpected keyframe starts a part only when the part before it
// is long enough. Audio parts are cut on their own: whole AAC frames, as many as fit in the
// target, from audio the video has passed (so a keyframe cut never has to take frames back);
// the rest of a segment's audio goes out when it closes. Video and audio parts are numbered
// separately; parts of one segment come in index order, all before that segment's
// SegmentMedia. No part is longer than the target.
struct PartMedia {
  bool video = true;              // false: the audio of the part `index` (or an audio-only part)
  uint32_t index = 0;             // within its segment, from 0
  int64_t segment_start_dts = 0;  // identifies the segment (its SegmentMedia::start_dts)
  int64_t segment_start_wall_ms = 0;
  bool segment_discontinuity = false;
  int64_t start_dts = 0;  // the span the part covers: [start, end)
  int64_t end_dts = 0;
  std::vector<media::AccessUnit> units;  // decode order
  bool independent = false;              // video: starts with a keyframe
};

// One closed segment's media, timestamps in 90 kHz as received.
struct SegmentMedia {
  int64_t start_dts = 0;                  // the first keyframe's dts (or audio frame's)
  int64_t end_dts = 0;                    // exclusive: the next segment's start
  std::optional<int64_t> next_video_dts;  // dts of the video unit after the last one, if known
  std::vector<media::AccessUnit> video;
  std::vector<media::AccessUnit> audio;
  int64_t start_wall_ms = 0;   // wall clock when the segment's first unit arrived
  size_t bytes = 0;            // payload bytes of all units
  bool forced = false;         // closed by a limit instead of at a keyframe
  bool discontinuity = false;  // the timeline broke (or the segmenter was flushed) before it
};

struct SegmenterStats {
  uint64_t dropped_before_keyframe = 0;  // video waiting for a keyframe
  uint64_t dropped_audio = 0;            // audio before the first keyframe or arriving too late
  uint64_t forced_cuts = 0;
  uint64_t timeline_breaks = 0;
};

class Segmenter {
 public:
  explicit Segmenter(const SegmenterOptions& options) : options_(options) {}

  // Which tracks the stream has. `audio_frame_ticks` is one audio frame in 90 kHz ticks.
  // `wait_for_video`: with no video yet, hold audio up to audio_only_wait_ticks in case a
  // video track appears (MPEG-TS ingest learns the video config at the first IDR). Turning
  // video on while an audio-only segment is open is the caller's job to avoid (Flush first).
  void SetTracks(bool has_video, bool has_audio, int64_t audio_frame_ticks, bool wait_for_video);

  // Adds one unit; appends every segment it closes to `closed` (and, with parts on, every part
  // it closes to `parts`).
  void Add(const media::AccessUnit& unit, int64_t wall_ms, std::vector<SegmentMedia>& closed);
  void Add(const media::AccessUnit& unit, int64_t wall_ms, std::vector<SegmentMedia>& closed,
           std::vector<PartMedia>& parts);

  // Closes whatever is open (end of stream, config change, publisher gone). The next segment
  // starts at a keyframe and is marked discontinuous.
  void Flush(std::vector<SegmentMedia>& closed);
  void Flush(std::vector<SegmentMedia>& closed, std::vector<PartMedia>& parts);

  // A segment is open (or a cut is pending).
  bool open() const { return open_; }
  const SegmenterStats& stats() const { return stats_; }

 private:
  struct Building {
    SegmentMedia media;
    // The first unit's dts before a part snap moved it: cut decisions compare these, so a
    // snap (a few ticks earlier) never turns a cut into a longer segment.
    int64_t basis_start = 0;
    void Append(const media::AccessUnit& unit);
  };

  // Rebases a video unit's decode time (keyframe dts = pts) and applies a pending part snap;
  // returns the rebased dts before the snap.
  int64_t AlignVideo(media::AccessUnit& unit);
  void AddWaiting(const media::AccessUnit& unit, int64_t basis, int64_t wall_ms);
  // `basis`: the unit's dts before a part snap (see Building::basis_start).
  void AddVideo(const media::AccessUnit& unit, int64_t basis, int64_t wall_ms,
                std::vector<SegmentMedia>& closed);
  void AddAudio(const media::AccessUnit& unit, int64_t wall_ms, std::vector<SegmentMedia>& closed);
  bool IsTimelineBreak(const media::AccessUnit& unit) const;
  bool ExceedsLimits(const media::AccessUnit& unit) const;
  void Open(const media::AccessUnit& first, int64_t basis, int64_t wall_ms);
  void ForceCut(const media::AccessUnit& unit, int64_t basis, int64_t wall_ms,
                std::vector<SegmentMedia>& closed);
  // `next_dts`: the next video unit's dts when it is already known.
  void FinishCut(std::vector<SegmentMedia>& closed, std::optional<int64_t> next_dts = {});
  void Emit(SegmentMedia media, int64_t end_dts, std::vector<SegmentMedia>& closed);
  int64_t EndOf(const SegmentMedia& media) const;
  void TrimHeldAudio();

  // Parts (no-ops while part_target_ticks is 0).
  void ResetParts(int64_t start);
  // The shortest / longest of the recent input frame intervals (a default before any).
  int64_t ShortestFrame() const;
  int64_t LongestFrame() const;
  // A part starts at keyframe `dts`: plans where the parts before the next keyframe end.
  void PlanParts(int64_t dts);
  // A keyframe inside the open segment: closes the open part before it when that is allowed.
  void PartAtKeyframe(int64_t dts);
  // Closes the open video part after video unit `i` of the open segment when the next frame
  // would make it longer than the target (or reach the planned end); CatchUpParts applies that
  // to every unit not judged. `next_dts`: the dts of the unit after the last one, if known.
  void CheckPartAfter(size_t i, std::optional<int64_t> next_dts = {});
  void CatchUpParts(std::optional<int64_t> next_dts = {});
  void ClosePartThrough(size_t i, int64_t end);
  size_t AudioFramesPerPart() const;
  void EmitReadyAudioParts();
  // Emits the audio units [part_audio_begin_, end) as the next audio part.
  void EmitAudioPart(size_t end);
  // The segment closes at `end`: its open video part and all its remaining audio are emitted.
  void CloseSegmentParts(int64_t end);
  bool parts_on() const { return options_.part_target_ticks > 0 && parts_out_ != nullptr; }

  SegmenterOptions options_;
  bool has_video_ = false;
  bool has_audio_ = false;
  bool wait_for_video_ = false;
  int64_t audio_frame_ticks_ = 1920;

  bool open_ = false;
  bool next_discontinuity_ = false;
  Building current_;
  std::optional<int64_t> cut_dts_;  // a keyframe closes `current_` here once audio caught up
  Building next_;                   // units at or after the pending cut
  bool audio_seen_in_segment_ = false;
  std::optional<int64_t> last_video_dts_;
  std::optional<int64_t> last_audio_dts_;
  std::deque<media::AccessUnit> held_audio_;  // audio waiting for the segment start
  size_t held_audio_bytes_ = 0;
  SegmenterStats stats_;

  std::vector<PartMedia>* parts_out_ = nullptr;  // set during Add/Flush
  uint32_t part_index_ = 0;
  int64_t part_start_ = 0;
  size_t part_video_begin_ = 0;  // first video unit of the open part (index into current_)
  size_t part_audio_begin_ = 0;  // first audio unit not yet emitted in a part
  uint32_t audio_part_index_ = 0;

  // Video timing (AlignVideo).
  int64_t decode_shift_ = 0;  // added to input dts: keyframe dts = pts - decode_delay_ticks
  std::optional<int64_t> last_input_dts_;    // the previous video unit's input dts
  std::optional<int64_t> last_aligned_dts_;  // ... and its dts as emitted
  std::optional<int64_t> snap_next_dts_;     // a part ended here: the next frame's dts
  std::deque<int64_t> frame_intervals_;      // recent input frame intervals, newest last
  std::optional<int64_t> last_keyframe_basis_;
  std::optional<int64_t> keyframe_interval_;  // between the last two keyframes (basis)
  // Part plan of the current GOP: parts end at plan_end_ - k × plan_length_ (k ≥ 0).
  std::optional<int64_t> plan_end_;
  int64_t plan_length_ = 0;
};

}  // namespace steadycast::package
