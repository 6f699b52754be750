#pragma once
// RenditionPackager: one rendition of a StreamPackager — its segmenter, init segments, segment
// window and counters (docs/architecture.md "package"). It is a media::MediaSink, so the
// passthrough path and the transcoder write a rendition like any media stream: configurations, then
// access units in decode order per track (RFC 8216bis §3: CMAF segments starting with an IDR).
//
// Owned by the StreamPackager; refers to the packager's LadderTimeline (media sequence and
// discontinuity numbers, output offsets shared by the ladder) and clock.
//
// Pausing (a degradation step, StreamPackager::SetRenditionPaused): a paused rendition
// takes no media, and its playlist lists every number the other renditions publish meanwhile
// as an EXT-X-GAP segment of the same duration and discontinuity sequence (taken from the
// LadderTimeline's records), so its numbering and timing stay in step with the ladder. Its own
// writer gets no calls while paused, so the rendition that publishes a segment appends the gap
// entries to every paused sibling (the `on_published` hook → CatchUpGaps on the publisher's
// thread). On resume the next segment joins like a late rendition (LadderTimeline::Join: the
// others' number, discontinuity sequence and output offset for that span); numbers between
// the last gap and it become gaps too; a segment whose number is already listed as a gap is
// dropped (a playlist never changes a listed segment, RFC 8216bis §6.2.1).
//
// Threading: every writer method takes `writer_mu_`, so the rendition's writer thread and the
// packager-wide OnDiscontinuity / OnEndOfStream (any thread) never interleave; renditions share
// no writer state. Gap entries are appended under `gap_mu_` (by a sibling's writer thread or
// this rendition's own). Lock order: one writer_mu_ (never two) → one gap_mu_ (this or a
// sibling's; never two) → the timeline's lock → a window's lock. `paused_` changes only under
// both writer_mu_ and gap_mu_, so either lock reads it stably. Readers use the SegmentWindow
// (its own lock) and atomics.

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/buffer.h"
#include "base/clock.h"
#include "base/status.h"
#include "media/access_unit.h"
#include "media/media_sink.h"
#include "media/track.h"
#include "package/audio_track.h"
#include "package/ladder_timeline.h"
#include "package/segment_window.h"
#include "package/segmenter.h"
#include "package/stream_packager.h"

namespace steadycast::package {

class RenditionPackager final : public media::MediaSink {
 public:
  // A first segment that matches nothing the other renditions published is skipped at most
  // this many times before it is numbered after the newest one anyway (see LadderTimeline).
  static constexpr int kMaxJoinSkips = 3;

  // `on_published` runs on the writer's thread after each published segment, with writer_mu_
  // held (it must take no writer lock). `playlist_version`: EXT-X-VERSION of the media
  // playlist (8 when the rendition belongs to a ladder and may list gaps).
  // `audio_track` (optional, outlives this): with video, this rendition's segments carry
  // video only and each segment's audio is offered there (audio_track.h); without video (an
  // audio-only stream) the audio stays in this rendition's own segments.
  RenditionPackager(std::string name, const PackagerOptions& options, base::Clock& clock,
                    LadderTimeline& timeline, std::function<void()> on_published = {},
                    int playlist_version = 7, AudioTrack* audio_track = nullptr);

  // media::MediaSink (the rendition's writer thread).
  void OnVideoConfig(const media::VideoTrackConfig& config) override;
  void OnAudioConfig(const media::AudioTrackConfig& config) override;
  void OnAccessUnit(const media::AccessUnit& unit) override;

  // Any thread (see StreamPackager).
  void OnEndOfStream();
  void OnDiscontinuity();
  // Pausing flushes the open segment (a pause belongs at a segment boundary, where that is a
  // whole segment) and lists gaps from then on; resuming lets the next segment rejoin.
  void SetPaused(bool paused);
  // When paused: lists every number the ladder published since the newest entry as a gap.
  // Called by the siblings' writers (any thread; must not hold this rendition's gap_mu_).
  void CatchUpGaps();
  bool paused() const { return paused_; }
  // Whether this rendition is the audio track's source now (set once, before media flows).
  void SetAudioSourceQuery(std::function<bool()> is_source) {
    is_audio_source_ = std::move(is_source);
  }

  // Reader side (any thread).
  const std::string& name() const { return name_; }
  const SegmentWindow& window() const { return window_; }
  uint64_t segments() const { return segments_; }
  // The master playlist entry, once a segment exists.
  std::optional<VariantStream> Variant() const { return window_.Variant(); }
  RenditionStats Stats() const;

 private:
  void FlushSegmenterLocked();
  void UpdateTracksLocked();
  // Publishes closed parts and segments in order: each segment's parts before it.
  void PublishLocked(std::vector<SegmentMedia>& closed, std::vector<PartMedia>& parts);
  void PublishSegmentsLocked(std::vector<SegmentMedia>& closed);
  void PublishPartLocked(const PartMedia& part);
  // `media.discontinuity` may be rewritten (a segment resuming after gaps).
  std::optional<SegmentPlacement> PlaceLocked(SegmentMedia& media, bool init_changed);
  bool FitAfterGapsLocked(SegmentPlacement& placement, SegmentMedia& media, bool init_changed);
  // Needs gap_mu_. Lists every number from the window's next one up to `before` (default: the
  // ladder's next number) as a gap.
  void AppendGapsLocked(std::optional<uint64_t> before);
  bool EnsureInitLocked();
  // `audio`: set to the segment's audio decode times when it has audio.
  base::Result<base::Buffer> BuildSegmentLocked(const SegmentMedia& media, uint64_t sequence,
                                                std::optional<AudioRun>& audio);
  void UpdateVariantLocked(const SegmentMedia& media);
  // The audio goes to the shared audio track rather than into this rendition's segments.
  bool SeparateAudioLocked() const { return audio_track_ != nullptr && video_.has_value(); }

  const std::string name_;
  const PackagerOptions options_;
  base::Clock& clock_;
  LadderTimeline& timeline_;
  const std::function<void()> on_published_;
  AudioTrack* const audio_track_;
  std::function<bool()> is_audio_source_;

  // Writer state, guarded by writer_mu_.
  std::mutex writer_mu_;
  Segmenter segmenter_;
  std::optional<media::VideoTrackConfig> video_;
  std::optional<media::AudioTrackConfig> audio_;
  std::optional<media::VideoTrackConfig> init_video_;  // what the newest init segment describes
  std::optional<media::AudioTrackConfig> init_audio_;
  int64_t init_index_;  // of the newest init segment (first_sequence - 1 before the first)
  uint64_t next_sequence_;
  uint64_t discontinuity_sequence_;  // of the newest published segment
  bool published_ = false;           // a segment was published
  int join_skips_ = 0;               // first segments skipped (LadderTimeline::Join)
  int64_t dts_offset_ = 0;  // input → output decode time (≥ 0 output; continuous across breaks)
  std::optional<int64_t> output_end_dts_;  // where the last published segment ended (output)
  std::optional<int64_t> input_end_dts_;   // the same on the input timeline
  // A discontinuity whose input timeline is continuous (a configuration change: the slate
  // switching in or out of the passthrough rendition) keeps the offset, so this rendition stays
  // on the same output times as its siblings; only a jump (a new publisher's clock) moves it.
  int64_t OffsetAfterDiscontinuity(int64_t start_dts) const;
  std::optional<int64_t> audio_next_time_;  // audio timescale: keeps audio runs contiguous
  uint64_t video_frames_ = 0;               // frame rate measurement when the SPS has none
  int64_t video_ticks_ = 0;
  bool ended_ = false;
  bool rejoining_ = false;  // resumed after a pause: the next segment is placed by Join

  // The segment in progress while it is published in parts (LL-HLS): its placement is fixed
  // at its first part. Only segments that follow a published one get parts (a first or
  // rejoining segment is placed by the ladder timeline when it closes).
  struct OpenParts {
    int64_t segment_start_dts = 0;
    uint64_t sequence = 0;
    uint64_t discontinuity_sequence = 0;
    bool discontinuity = false;
    bool init_changed = false;
    int64_t dts_offset = 0;
    int64_t wall_ms = 0;
  };
  std::optional<OpenParts> open_parts_;

  // Gap state, guarded by gap_mu_.
  std::mutex gap_mu_;
  bool gaps_closed_ = false;  // ended: no more entries
  uint64_t gap_start_ = 0;    // the first gap's number when the window is empty at the pause
  std::atomic<bool> paused_{false};

  SegmentWindow window_;
  std::atomic<uint64_t> dropped_units_{0};         // without a configuration
  std::atomic<uint64_t> published_next_sequence_;  // next_sequence_ for readers
  std::atomic<uint64_t> segmenter_dropped_{0};
  std::atomic<uint64_t> rejected_configs_{0};
  std::atomic<uint64_t> segments_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> inits_{0};
  std::atomic<uint64_t> forced_cuts_{0};
  std::atomic<uint64_t> timeline_breaks_{0};
  std::atomic<uint64_t> misaligned_{0};
  std::atomic<uint64_t> skipped_at_join_{0};
  std::atomic<uint64_t> gap_segments_{0};
  std::atomic<uint64_t> late_resume_segments_{0};
};

}  // namespace steadycast::package
