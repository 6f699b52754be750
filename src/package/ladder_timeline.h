#pragma once
// LadderTimeline: keeps the renditions of one StreamPackager in step — media sequence numbers,
// discontinuity sequence numbers and the input → output time offset.
//
// Why: players switch variants by media sequence number (hls.js maps the position it plays to
// the same number in the new variant; LL-HLS rendition reports name numbers), and RFC 8216bis
// §6.2.4 requires matching content in every Variant Stream to carry matching timestamps and
// discontinuity sequence numbers. Segment N must therefore cover the same span everywhere.
//
// Each rendition numbers its segments consecutively (a media playlist cannot skip a number,
// §6.2.2). With keyframes aligned across renditions (the transcoder forces them) every
// segmenter cuts at the same times, so consecutive numbering stays aligned by itself. The
// timeline decides the rest:
// - Join: a rendition's first segment takes the number of the published segment that starts
//   at the same input time (or newest + 1 if it starts where the newest ends), with that
//   segment's discontinuity sequence and offset. A first segment that matches nothing already
//   published is skipped (the caller bounds how often), because numbering it would put
//   different content under numbers the other renditions use.
// - Place: every later segment is checked against the record of its number. At the start of
//   a new run (after a discontinuity) it adopts the recorded output offset, so timestamps stay
//   identical even when the renditions' last frame durations differed slightly. A segment
//   whose start differs from the record is counted as misaligned (for health).
// - ProgramDate: one wall-clock anchor per run (discontinuity sequence) for the whole ladder.
//   Each rendition's segmenter sees a segment's first unit at its own time (transcoded rungs
//   ~0.4 s after the passthrough), so stamping that time would give segment N different
//   program dates in different renditions (RFC 8216bis §6.2.4 wants matching content to map to
//   the same date). The first rendition to date a segment of a run anchors the run: wall time
//   of its first unit ↔ its output media time; every segment of the run, in every rendition,
//   is dated anchor + (media time − anchor media time). A new run is anchored afresh (never
//   before the previous run's end).
// The first rendition to publish a number records it; the record keeps the newest
// kMaxEntries numbers. The records also tell a paused rendition (StreamPackager::
// SetRenditionPaused) which numbers, durations and discontinuities to list as EXT-X-GAP
// segments (Since), so that its numbering stays in step while it gets no media.
//
// Times are input times in 90 kHz ticks (the renditions of a ladder carry the source's
// timestamps). Thread-safe: one internal mutex; the renditions' writer threads call it while
// publishing (lock order: rendition writer lock → timeline lock).

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

namespace steadycast::package {

// Where a segment starts and how long it is, on the input timeline.
struct SegmentSpan {
  int64_t start = 0;  // presentation time of the first unit (the keyframe)
  int64_t duration = 0;
  int64_t wall_ms = 0;  // wall clock when the segment's first unit arrived (PROGRAM-DATE-TIME)
};

// What the ladder published under one number (the first publisher's view of it).
struct RecordedSegment {
  uint64_t sequence = 0;
  int64_t duration = 0;  // 90 kHz ticks
  uint64_t discontinuity_sequence = 0;
  int64_t wall_ms = 0;
};

struct SegmentPlacement {
  uint64_t sequence = 0;                // media sequence number
  uint64_t discontinuity_sequence = 0;  // EXT-X-DISCONTINUITY-SEQUENCE value of the segment
  int64_t dts_offset = 0;               // input → output decode time
  // Join only: where the audio of this segment starts in the other renditions (audio_rate > 0
  // when known). Each rendition keeps its audio runs contiguous, which may differ from a plain
  // rescale of the input time by up to one frame; a joiner starts from the same value.
  int audio_rate = 0;
  int64_t audio_time = 0;  // in 1/audio_rate units
};

// The audio decode times of one published segment (in 1/sample_rate units).
struct AudioRun {
  int sample_rate = 0;
  int64_t start = 0;
  int64_t end = 0;
};

class LadderTimeline {
 public:
  static constexpr size_t kMaxEntries = 64;

  // `tolerance_ticks`: how far two segment starts may differ and still be "the same time".
  LadderTimeline(uint64_t first_sequence, int64_t tolerance_ticks);

  // A rendition's first segment. `own_offset` is the offset the rendition would choose alone
  // (used when nothing is published yet). Returns nullopt when the segment should be skipped;
  // with `may_skip` false it always places the segment (after newest, counted as misaligned).
  std::optional<SegmentPlacement> Join(const SegmentSpan& span, int64_t own_offset, bool may_skip,
                                       bool* misaligned);

  // A later segment, numbered by the rendition itself. `new_run`: it follows a discontinuity.
  // Returns the offset to use: the recorded one when `new_run` and the record matches (never
  // earlier than `proposed.dts_offset`, so a rendition's own output never steps back), else
  // `proposed.dts_offset`. Sets `misaligned` when the record of this number differs.
  int64_t Place(const SegmentSpan& span, const SegmentPlacement& proposed, bool new_run,
                bool* misaligned);

  // The audio of a published segment; the first report for a number is kept.
  void SetAudio(uint64_t sequence, const AudioRun& audio);

  // EXT-X-PROGRAM-DATE-TIME (ms since the epoch) of segment `sequence` of run
  // `discontinuity_sequence`, starting at output decode time `media_time` (90 kHz); `wall_ms`:
  // when this rendition saw its first unit (anchors the run if nothing has yet). Once a number
  // is dated, every rendition gets the same date for it (also its gap entries, Since).
  int64_t ProgramDate(uint64_t sequence, uint64_t discontinuity_sequence, int64_t media_time,
                      int64_t wall_ms);

  // The number the ladder's next new segment will get (first_sequence before any).
  uint64_t NextSequence();
  // The records of every number ≥ `from`, oldest first (consecutive: every rendition numbers
  // consecutively and the first publisher of a number records it).
  std::vector<RecordedSegment> Since(uint64_t from);

 private:
  struct Entry {
    int64_t start = 0;
    int64_t end = 0;
    uint64_t discontinuity_sequence = 0;
    int64_t dts_offset = 0;
    int64_t wall_ms = 0;
    bool dated = false;  // wall_ms is the ladder's program date (ProgramDate)
    AudioRun audio;      // sample_rate 0 until reported
  };
  struct Anchor {
    int64_t media_time = 0;
    int64_t wall_ms = 0;
  };

  void RecordLocked(const SegmentSpan& span, const SegmentPlacement& placement);
  bool Near(int64_t a, int64_t b) const;

  const uint64_t first_sequence_;
  const int64_t tolerance_;
  std::mutex mu_;
  std::map<uint64_t, Entry> entries_;   // by sequence number
  std::map<uint64_t, Anchor> anchors_;  // by discontinuity sequence (the newest few)
};

}  // namespace steadycast::package
