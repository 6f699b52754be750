#pragma once
// RenditionPackager: one rendition of a StreamPackager — its segmenter, init segments, segment
// window and counters (ARCHITECTURE.md "package"). It is a media::MediaSink, so the passthrough
// path and the transcoder write a rendition like any media stream: configurations, then access
// units in decode order per track (RFC 8216bis §3: CMAF segments starting with an IDR).
//
// Owned by the StreamPackager; refers to the packager's LadderTimeline (media sequence and
// discontinuity numbers, output offsets shared by the ladder) and clock.
//
// Threading: every writer method takes `writer_mu_`, so the rendition's writer thread and the
// packager-wide OnDiscontinuity / OnEndOfStream (any thread) never interleave; renditions share
// no writer state (lock order: writer_mu_ → the timeline's lock → the window's lock). Readers
// use the SegmentWindow (its own lock) and atomics.

#include <atomic>
#include <cstdint>
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

  RenditionPackager(std::string name, const PackagerOptions& options, base::Clock& clock,
                    LadderTimeline& timeline);

  // media::MediaSink (the rendition's writer thread).
  void OnVideoConfig(const media::VideoTrackConfig& config) override;
  void OnAudioConfig(const media::AudioTrackConfig& config) override;
  void OnAccessUnit(const media::AccessUnit& unit) override;

  // Any thread (see StreamPackager).
  void OnEndOfStream();
  void OnDiscontinuity();

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
  void PublishLocked(std::vector<SegmentMedia>& closed);
  std::optional<SegmentPlacement> PlaceLocked(const SegmentMedia& media);
  bool EnsureInitLocked();
  // `audio`: set to the segment's audio decode times when it has audio.
  base::Result<base::Buffer> BuildSegmentLocked(const SegmentMedia& media, uint64_t sequence,
                                                std::optional<AudioRun>& audio);
  void UpdateVariantLocked(const SegmentMedia& media);

  const std::string name_;
  const PackagerOptions options_;
  base::Clock& clock_;
  LadderTimeline& timeline_;

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
  std::optional<int64_t> output_end_dts_;   // where the last published segment ended (output)
  std::optional<int64_t> audio_next_time_;  // audio timescale: keeps audio runs contiguous
  uint64_t video_frames_ = 0;               // frame rate measurement when the SPS has none
  int64_t video_ticks_ = 0;
  bool ended_ = false;

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
};

}  // namespace steadycast::package
