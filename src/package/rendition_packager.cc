#include "package/rendition_packager.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "base/log.h"
#include "formats/fmp4/init_segment.h"
#include "formats/fmp4/media_segment.h"
#include "package/parameter_sets.h"

namespace steadycast::package {
namespace {

namespace fmp4 = formats::fmp4;
using media::AccessUnit;
using media::AudioTrackConfig;
using media::VideoTrackConfig;

constexpr int64_t kDefaultFrameTicks = 3000;  // 30 fps when nothing better is known

int64_t SecondsToTicks(double seconds) {
  return static_cast<int64_t>(std::llround(seconds * media::kTimescale));
}

SegmenterOptions ToSegmenterOptions(const PackagerOptions& o) {
  SegmenterOptions s;
  s.target_ticks = std::max<int64_t>(SecondsToTicks(o.target_segment_seconds), 1);
  s.max_ticks = std::max(SecondsToTicks(o.max_segment_seconds), s.target_ticks + 1);
  s.max_bytes = std::max<size_t>(o.max_segment_bytes, 1);
  s.audio_only_wait_ticks = 2 * s.target_ticks;
  s.interleave_wait_ticks = std::min<int64_t>(media::kTimescale, s.target_ticks);
  // Low latency: the transcoded renditions have no B-frames (x264 zerolatency), so no decode
  // delay is needed to line them up with the source, and none is wanted: players such as hls.js
  // place the first fragment after a discontinuity (every slate switch) by its decode time,
  // so a delay opens a hole of that size in the buffer, which a sub-second LL buffer stalls on.
  s.decode_delay_ticks = o.part_target_seconds > 0 ? 0 : kDecodeDelayTicks;
  if (o.part_target_seconds > 0) {
    s.part_target_ticks =
        std::clamp<int64_t>(SecondsToTicks(o.part_target_seconds), 1, s.target_ticks);
  }
  return s;
}

// Where a segment sits on the input timeline, for matching it across renditions: the
// keyframe's presentation time (decode times of aligned IDRs differ between encoders with
// different B-frame delays; presentation times do not).
SegmentSpan SpanOf(const SegmentMedia& media) {
  return {media.video.empty() ? media.start_dts : media.video.front().pts,
          media.end_dts - media.start_dts, media.start_wall_ms};
}

int64_t TicksToMs(int64_t ticks) { return (ticks + 45) / 90; }

}  // namespace

RenditionPackager::RenditionPackager(std::string name, const PackagerOptions& options,
                                     base::Clock& clock, LadderTimeline& timeline,
                                     std::function<void()> on_published, int playlist_version,
                                     AudioTrack* audio_track)
    : name_(std::move(name)),
      options_(options),
      clock_(clock),
      timeline_(timeline),
      on_published_(std::move(on_published)),
      audio_track_(audio_track),
      segmenter_(ToSegmenterOptions(options)),
      init_index_(static_cast<int64_t>(options.first_sequence) - 1),
      next_sequence_(options.first_sequence),
      discontinuity_sequence_(0),
      window_(options.playlist_segments, options.extra_retained_segments,
              SecondsToTicks(options.target_segment_seconds) / 90, options.first_sequence,
              playlist_version),
      published_next_sequence_(options.first_sequence) {}

void RenditionPackager::OnVideoConfig(const VideoTrackConfig& config) {
  std::lock_guard lock(writer_mu_);
  if (ended_ || (video_ && *video_ == config)) return;
  fmp4::InitSegmentSpec probe;
  probe.video = config;
  if (auto init = fmp4::BuildInitSegment(probe); !init.ok()) {
    SC_LOG_WARN("package: {}: video config rejected: {}", name_, init.status().ToString());
    ++rejected_configs_;
    if (video_) {
      FlushSegmenterLocked();
      video_.reset();
      UpdateTracksLocked();
    }
    return;
  }
  // A new SPS applies from the next keyframe on; an audio-only segment cannot take video
  // mid-way. Either way the open segment closes with what it has.
  if (segmenter_.open()) FlushSegmenterLocked();
  video_ = config;
  UpdateTracksLocked();
}

void RenditionPackager::OnAudioConfig(const AudioTrackConfig& config) {
  std::lock_guard lock(writer_mu_);
  if (ended_ || (audio_ && *audio_ == config)) return;
  fmp4::InitSegmentSpec probe;
  probe.audio = config;
  if (auto init = fmp4::BuildInitSegment(probe); !init.ok() || config.samples_per_frame <= 0) {
    SC_LOG_WARN("package: {}: audio config rejected: {}", name_, init.status().ToString());
    ++rejected_configs_;
    if (audio_) {
      FlushSegmenterLocked();
      audio_.reset();
      UpdateTracksLocked();
    }
    return;
  }
  // Frames of the old configuration must not share a segment with the new one (nor may audio
  // held for the next segment be replayed under it). A first audio config joins the open video
  // segment (the init changes at the next segment boundary).
  if (audio_) FlushSegmenterLocked();
  audio_ = config;
  UpdateTracksLocked();
}

void RenditionPackager::UpdateTracksLocked() {
  const int64_t audio_frame_ticks =
      audio_ ? fmp4::RescaleTime(audio_->samples_per_frame, audio_->sample_rate, media::kTimescale)
             : 1920;
  // Before the first segment an audio-only start waits a little for a late video config.
  segmenter_.SetTracks(video_.has_value(), audio_.has_value(), audio_frame_ticks,
                       !video_ && !published_);
}

void RenditionPackager::OnAccessUnit(const AccessUnit& unit) {
  std::lock_guard lock(writer_mu_);
  if (ended_) return;
  if (paused_) {  // the transcoder stopped this rung; a stray unit must not open a segment
    ++dropped_units_;
    return;
  }
  const bool video = unit.kind == media::TrackKind::kVideo;
  if (video ? (!video_ || unit.codec != video_->codec) : (!audio_ || unit.codec != audio_->codec)) {
    ++dropped_units_;
    return;
  }
  std::vector<SegmentMedia> closed;
  std::vector<PartMedia> parts;
  segmenter_.Add(unit, base::ToUnixMillis(clock_.WallNow()), closed, parts);
  PublishLocked(closed, parts);
}

void RenditionPackager::FlushSegmenterLocked() {
  std::vector<SegmentMedia> closed;
  std::vector<PartMedia> parts;
  segmenter_.Flush(closed, parts);
  PublishLocked(closed, parts);
}

void RenditionPackager::PublishLocked(std::vector<SegmentMedia>& closed,
                                      std::vector<PartMedia>& parts) {
  size_t next_part = 0;
  for (SegmentMedia& media : closed) {
    while (next_part < parts.size() && parts[next_part].segment_start_dts == media.start_dts) {
      PublishPartLocked(parts[next_part++]);
    }
    std::vector<SegmentMedia> one;
    one.push_back(std::move(media));
    PublishSegmentsLocked(one);
  }
  for (; next_part < parts.size(); ++next_part) PublishPartLocked(parts[next_part]);
}

int64_t RenditionPackager::OffsetAfterDiscontinuity(int64_t start_dts) const {
  if (!output_end_dts_) return dts_offset_;
  const bool continuous =
      input_end_dts_ && std::llabs(start_dts - *input_end_dts_) <= media::kTimescale / 2;
  return continuous ? dts_offset_ : *output_end_dts_ - start_dts;
}

void RenditionPackager::PublishPartLocked(const PartMedia& part) {
  if (options_.part_target_seconds <= 0 || paused_) return;
  if (!open_parts_ || open_parts_->segment_start_dts != part.segment_start_dts) {
    open_parts_.reset();
    // A part opens its segment only at index 0, after a published segment (see OpenParts).
    // The first part of either kind opens the segment (an audio part may close before the
    // first video part: they are cut on their own).
    if (!published_ || rejoining_ || part.index != 0 || part.units.empty()) return;
    OpenParts open;
    open.segment_start_dts = part.segment_start_dts;
    open.init_changed = EnsureInitLocked();
    open.discontinuity = part.segment_discontinuity || open.init_changed;
    open.sequence = next_sequence_;
    open.discontinuity_sequence = discontinuity_sequence_ + (open.discontinuity ? 1 : 0);
    open.dts_offset = dts_offset_;
    // Continue the output timeline where it stopped (as PlaceLocked does at a discontinuity).
    if (open.discontinuity) open.dts_offset = OffsetAfterDiscontinuity(part.segment_start_dts);
    // The ladder's date for this segment (the same when the segment itself is published).
    open.wall_ms =
        timeline_.ProgramDate(open.sequence, open.discontinuity_sequence,
                              part.segment_start_dts + open.dts_offset, part.segment_start_wall_ms);
    open_parts_ = open;
  }
  const OpenParts& open = *open_parts_;
  if (!part.video) {
    if (!SeparateAudioLocked() || !audio_) return;
    AudioPartOffer offer;
    offer.source = this;
    offer.sequence = open.sequence;
    offer.index = part.index;
    offer.discontinuity_sequence = open.discontinuity_sequence;
    offer.program_date_ms = open.wall_ms;
    offer.dts_offset = open.dts_offset;
    offer.start_dts = part.start_dts;
    offer.end_dts = part.end_dts;
    offer.units = part.units;
    offer.config = &*audio_;
    offer.preferred = !is_audio_source_ || is_audio_source_();
    audio_track_->OfferPart(offer);
    return;
  }
  if (part.units.empty()) return;
  std::vector<AccessUnit> units = part.units;
  for (AccessUnit& u : units) {
    u.dts += open.dts_offset;
    u.pts += open.dts_offset;
  }
  const int64_t end = part.end_dts + open.dts_offset;
  fmp4::MediaSegmentSpec spec;
  spec.sequence_number = static_cast<uint32_t>(open.sequence + 1);
  spec.tracks.push_back(
      {fmp4::kVideoTrackId, static_cast<uint64_t>(units.front().dts),
       fmp4::VideoSamples(units, end, static_cast<uint32_t>(kDefaultFrameTicks))});
  auto bytes = fmp4::BuildMediaSegment(spec);
  if (!bytes.ok()) return;
  PublishedPart published;
  published.entry.index = part.index;
  published.entry.duration_us = (end - units.front().dts) * 100 / 9;
  published.entry.independent = part.independent;
  published.bytes = base::Buffer::CopyIntoMemfd(*bytes, "steadycast-part");
  OpenSegment segment;
  segment.sequence = open.sequence;
  segment.discontinuity = open.discontinuity;
  segment.init_index = init_index_;
  segment.program_date_ms = open.wall_ms;
  window_.AddPart(segment, std::move(published));
}

void RenditionPackager::OnEndOfStream() {
  std::lock_guard lock(writer_mu_);
  if (ended_) return;
  FlushSegmenterLocked();
  ended_ = true;
  {
    // A paused rendition lists up to the others' last segment (StreamPackager ends the paused
    // renditions last), then takes no more gaps: nothing may follow EXT-X-ENDLIST.
    std::lock_guard gap_lock(gap_mu_);
    if (paused_) AppendGapsLocked(std::nullopt);
    gaps_closed_ = true;
  }
  window_.End();
}

void RenditionPackager::SetPaused(bool paused) {
  std::lock_guard lock(writer_mu_);
  if (paused == paused_) return;
  // Before taking gap_mu_: publishing runs the hook, which takes the siblings' gap locks.
  if (paused && !ended_) FlushSegmenterLocked();
  std::lock_guard gap_lock(gap_mu_);
  if (paused) {
    // Used only while the window is empty: the gaps start at the ladder's next number.
    gap_start_ = timeline_.NextSequence();
  } else {
    // Everything the others published until now is a gap here; what follows is this
    // rendition's own again, placed like a late join (the same number, offset and audio time
    // as the others for that span).
    if (!gaps_closed_) AppendGapsLocked(std::nullopt);
    rejoining_ = true;
    join_skips_ = 0;
  }
  paused_ = paused;
  if (paused && !gaps_closed_) AppendGapsLocked(std::nullopt);
}

void RenditionPackager::CatchUpGaps() {
  if (!paused_) return;  // the common case: no lock on every sibling's publish
  std::lock_guard lock(gap_mu_);
  if (paused_ && !gaps_closed_) AppendGapsLocked(std::nullopt);
}

void RenditionPackager::AppendGapsLocked(std::optional<uint64_t> before) {
  std::optional<SegmentWindow::Tail> tail = window_.tail();
  uint64_t next = tail ? tail->next_sequence : gap_start_;
  const uint64_t limit = before.value_or(timeline_.NextSequence());
  if (next >= limit) return;
  uint64_t discontinuity = tail ? tail->discontinuity_sequence : 0;
  const std::vector<RecordedSegment> records = timeline_.Since(next);
  size_t i = 0;
  for (; next < limit; ++next) {
    while (i < records.size() && records[i].sequence < next) ++i;
    RecordedSegment record{next, SecondsToTicks(options_.target_segment_seconds), discontinuity,
                           base::ToUnixMillis(clock_.WallNow())};
    // Records are consecutive; one is missing only when it is older than the timeline keeps,
    // which catching up at every publish prevents. The numbering must not skip regardless.
    if (i < records.size() && records[i].sequence == next) record = records[i];
    PlaylistSegment entry;
    entry.sequence = next;
    entry.duration_ms = TicksToMs(record.duration);
    entry.program_date_ms = record.wall_ms;
    if (!tail) {
      window_.SetFirstDiscontinuitySequence(record.discontinuity_sequence);
      discontinuity = record.discontinuity_sequence;
    } else if (record.discontinuity_sequence > discontinuity) {
      entry.discontinuity = true;
      ++discontinuity;
    }
    window_.AddGap(entry);
    tail = SegmentWindow::Tail{next + 1, discontinuity};
    ++gap_segments_;
  }
  published_next_sequence_ = next;
}

void RenditionPackager::OnDiscontinuity() {
  std::lock_guard lock(writer_mu_);
  if (!ended_) FlushSegmenterLocked();
}

// Builds a new init segment when the configuration differs from the newest one.
bool RenditionPackager::EnsureInitLocked() {
  // With separate audio the init describes the video track alone.
  const std::optional<AudioTrackConfig> audio = SeparateAudioLocked() ? std::nullopt : audio_;
  if (init_index_ >= static_cast<int64_t>(options_.first_sequence) && init_video_ == video_ &&
      init_audio_ == audio) {
    return false;
  }
  fmp4::InitSegmentSpec spec;
  spec.video = video_;
  spec.audio = audio;
  auto init = fmp4::BuildInitSegment(spec);
  if (!init.ok()) return false;  // unreachable: both configs were validated on arrival
  ++init_index_;
  init_video_ = video_;
  init_audio_ = audio;
  // Init and media segments are served many times each: a sealed memfd lets the HTTP server
  // send them with sendfile(2) instead of copying them into every socket (heap on failure).
  window_.AddInit(init_index_, base::Buffer::CopyIntoMemfd(*init, "steadycast-init"));
  ++inits_;
  return true;
}

// Numbers the segment and sets dts_offset_ for it; nullopt: skip it (a first segment that
// matches nothing the other renditions published).
// A segment joining a window that already lists gaps (resuming after a pause, or a first
// segment after a pause that came before it): the numbers before it become gaps as well, and
// it follows them without EXT-X-DISCONTINUITY when the ladder had none there (the gaps account
// for the time and its output offset is the others'). False: its number is already listed as
// a gap (the others published that span while this rendition was paused), so it is dropped.
bool RenditionPackager::FitAfterGapsLocked(SegmentPlacement& placement, SegmentMedia& media,
                                           bool init_changed) {
  std::lock_guard lock(gap_mu_);
  std::optional<SegmentWindow::Tail> tail = window_.tail();
  if (!tail) return true;
  if (placement.sequence < tail->next_sequence) {
    ++late_resume_segments_;
    return false;
  }
  AppendGapsLocked(placement.sequence);
  tail = window_.tail();
  // A first init (a rendition paused before its first segment) changes nothing.
  media.discontinuity = placement.discontinuity_sequence > tail->discontinuity_sequence ||
                        (init_changed && published_);
  // What the playlist shows (the count of tags); differs from the record only when the
  // configuration changed across the pause (then counted as misaligned by Place later).
  placement.discontinuity_sequence = tail->discontinuity_sequence + (media.discontinuity ? 1 : 0);
  return true;
}

std::optional<SegmentPlacement> RenditionPackager::PlaceLocked(SegmentMedia& media,
                                                               bool init_changed) {
  const SegmentSpan span = SpanOf(media);
  bool misaligned = false;
  if (!published_ || rejoining_) {
    const int64_t own = media.start_dts < 0 ? -media.start_dts : 0;
    auto placement = timeline_.Join(span, own, join_skips_ < kMaxJoinSkips, &misaligned);
    if (!placement) {
      ++join_skips_;
      ++skipped_at_join_;
      return std::nullopt;
    }
    if (!FitAfterGapsLocked(*placement, media, init_changed)) return std::nullopt;
    // Output times stay ≥ 0 even where another rendition's start was slightly later.
    placement->dts_offset = std::max(placement->dts_offset, own);
    dts_offset_ = placement->dts_offset;
    audio_next_time_.reset();
    if (audio_ && placement->audio_rate == audio_->sample_rate) {
      audio_next_time_ = placement->audio_time;  // BuildSegment snaps to it within a frame
    }
    next_sequence_ = placement->sequence;
    discontinuity_sequence_ = placement->discontinuity_sequence;
    window_.SetFirstDiscontinuitySequence(discontinuity_sequence_);
    if (misaligned) ++misaligned_;
    return placement;
  }
  SegmentPlacement proposed{next_sequence_, discontinuity_sequence_, dts_offset_};
  if (media.discontinuity) {
    ++proposed.discontinuity_sequence;
    // Continue the output timeline where it stopped (see StreamPackager::OnDiscontinuity).
    proposed.dts_offset = OffsetAfterDiscontinuity(media.start_dts);
  }
  proposed.dts_offset = timeline_.Place(span, proposed, media.discontinuity, &misaligned);
  if (misaligned) ++misaligned_;
  dts_offset_ = proposed.dts_offset;
  discontinuity_sequence_ = proposed.discontinuity_sequence;
  return proposed;
}

void RenditionPackager::PublishSegmentsLocked(std::vector<SegmentMedia>& closed) {
  const SegmenterStats& stats = segmenter_.stats();
  forced_cuts_ = stats.forced_cuts;
  timeline_breaks_ = stats.timeline_breaks;
  segmenter_dropped_ = stats.dropped_before_keyframe + stats.dropped_audio;
  for (SegmentMedia& media : closed) {
    if (media.video.empty() && media.audio.empty()) continue;
    // Published in parts: the placement fixed at its first part stands.
    std::optional<OpenParts> in_parts;
    if (open_parts_ && open_parts_->segment_start_dts == media.start_dts) in_parts = open_parts_;
    open_parts_.reset();
    const bool init_changed = EnsureInitLocked() || (in_parts && in_parts->init_changed);
    const bool first = !published_;
    media.discontinuity = !first && !rejoining_ && (media.discontinuity || init_changed);
    const uint64_t discontinuity_before = discontinuity_sequence_;
    std::optional<SegmentPlacement> placement = PlaceLocked(media, init_changed);
    if (!placement) continue;
    if (in_parts && placement->sequence == in_parts->sequence) dts_offset_ = in_parts->dts_offset;
    // Decoders that ignore a new EXT-X-MAP still switch at in-band parameter sets.
    if (init_changed && !first && !media.video.empty() && video_) {
      media.video.front().data = WithParameterSets(media.video.front(), *video_);
    }
    const uint64_t sequence = placement->sequence;
    std::optional<AudioRun> audio;
    auto bytes = BuildSegmentLocked(media, sequence, audio);
    if (!bytes.ok()) {
      SC_LOG_WARN("package: {}: segment {} dropped: {}", name_, sequence,
                  bytes.status().ToString());
      discontinuity_sequence_ = discontinuity_before;
      continue;
    }
    if (audio) timeline_.SetAudio(sequence, *audio);
    next_sequence_ = sequence + 1;
    published_next_sequence_ = next_sequence_;
    published_ = true;
    rejoining_ = false;
    output_end_dts_ = media.end_dts + dts_offset_;
    input_end_dts_ = media.end_dts;
    PublishedSegment segment;
    segment.entry.sequence = sequence;
    segment.entry.duration_ms = (media.end_dts - media.start_dts + 45) / 90;
    // One anchor per run for the whole ladder: segment N has the same date everywhere.
    segment.entry.program_date_ms = timeline_.ProgramDate(
        sequence, discontinuity_sequence_, media.start_dts + dts_offset_, media.start_wall_ms);
    segment.entry.discontinuity = media.discontinuity;
    segment.entry.init_index = init_index_;
    segment.bytes = base::Buffer::CopyIntoMemfd(*bytes, "steadycast-segment");
    segment.timescale = fmp4::kVideoTimescale;
    if (!media.video.empty()) {
      int64_t earliest = media.video.front().pts;
      for (const AccessUnit& u : media.video) earliest = std::min(earliest, u.pts);
      segment.media_time = earliest + dts_offset_;
    } else {
      segment.media_time = media.start_dts + dts_offset_;
    }
    segment.media_duration = media.end_dts - media.start_dts;
    if (!video_ && audio_ && audio) {  // audio-only: the audio track's own timescale
      segment.timescale = static_cast<uint32_t>(audio_->sample_rate);
      segment.media_time = audio->start;
      segment.media_duration = audio->end - audio->start;
    }
    bytes_ += segment.bytes.size();
    UpdateVariantLocked(media);
    // Counted before the window shows it: the master cache keys on window versions, so a
    // reader that sees the new version must see the new count too.
    ++segments_;
    if (SeparateAudioLocked()) {
      AudioOffer offer;
      offer.sequence = sequence;
      offer.discontinuity_sequence = discontinuity_sequence_;
      offer.duration_ms = segment.entry.duration_ms;
      offer.program_date_ms = segment.entry.program_date_ms;
      offer.dts_offset = dts_offset_;
      offer.units = media.audio;
      offer.config = audio_ ? &*audio_ : nullptr;
      offer.preferred = !is_audio_source_ || is_audio_source_();
      audio_track_->Offer(offer);
    }
    window_.AddSegment(std::move(segment));
    if (first) UpdateTracksLocked();     // audio-only starts need not wait any more
    if (on_published_) on_published_();  // paused siblings list this number as a gap
  }
}

base::Result<base::Buffer> RenditionPackager::BuildSegmentLocked(const SegmentMedia& media,
                                                                 uint64_t sequence,
                                                                 std::optional<AudioRun>& audio) {
  fmp4::MediaSegmentSpec spec;
  spec.sequence_number = static_cast<uint32_t>(sequence + 1);
  if (!media.video.empty()) {
    const int64_t fallback = video_ && video_->frame_rate && *video_->frame_rate > 0
                                 ? std::llround(media::kTimescale / *video_->frame_rate)
                                 : kDefaultFrameTicks;
    std::optional<int64_t> next = media.next_video_dts;
    if (next) *next += dts_offset_;
    std::vector<AccessUnit> units = media.video;
    for (AccessUnit& u : units) {
      u.dts += dts_offset_;
      u.pts += dts_offset_;
    }
    spec.tracks.push_back({fmp4::kVideoTrackId, static_cast<uint64_t>(units.front().dts),
                           fmp4::VideoSamples(units, next, static_cast<uint32_t>(fallback))});
  }
  if (!media.audio.empty() && audio_ && !SeparateAudioLocked()) {
    int64_t base = fmp4::RescaleTime(media.audio.front().dts + dts_offset_, media::kTimescale,
                                     audio_->sample_rate);
    // Continue exactly where the previous run ended unless the input really jumped.
    if (audio_next_time_ && std::llabs(base - *audio_next_time_) <= audio_->sample_rate) {
      base = *audio_next_time_;
    }
    base = std::max<int64_t>(base, 0);
    auto samples = AudioSamplesWithGaps(media.audio, *audio_, dts_offset_, base);
    int64_t end = base;
    for (const auto& s : samples) end += s.duration;
    audio = AudioRun{audio_->sample_rate, base, end};
    audio_next_time_ = end;
    spec.tracks.push_back({fmp4::kAudioTrackId, static_cast<uint64_t>(base), std::move(samples)});
  }
  return fmp4::BuildMediaSegment(spec);
}

void RenditionPackager::UpdateVariantLocked(const SegmentMedia& media) {
  VariantStream v;
  v.name = name_;
  if (video_) {
    v.codecs = video_->CodecString();
    v.width = video_->width;
    v.height = video_->height;
    if (media.video.size() > 1 && !media.forced) {
      video_frames_ += media.video.size();
      video_ticks_ += media.end_dts - media.start_dts;
    }
    if (video_->frame_rate && *video_->frame_rate > 0) {
      v.frame_rate = *video_->frame_rate;
    } else if (video_ticks_ > 0) {
      v.frame_rate = static_cast<double>(video_frames_) * media::kTimescale / video_ticks_;
    }
  }
  if (audio_ && !SeparateAudioLocked()) {
    v.codecs += (v.codecs.empty() ? "" : ",") + audio_->CodecString();
  }
  window_.SetVariant(std::move(v));
}

RenditionStats RenditionPackager::Stats() const {
  RenditionStats s;
  s.name = name_;
  s.segments = segments_;
  s.bytes = bytes_;
  if (auto variant = window_.Variant()) {
    s.peak_bandwidth = variant->bandwidth;
    s.average_bandwidth = variant->average_bandwidth;
  }
  s.init_segments = inits_;
  s.forced_cuts = forced_cuts_;
  s.timeline_breaks = timeline_breaks_;
  s.dropped_units = dropped_units_ + segmenter_dropped_;
  s.rejected_configs = rejected_configs_;
  s.next_sequence = published_next_sequence_;
  s.misaligned_segments = misaligned_;
  s.skipped_at_join = skipped_at_join_;
  s.paused = paused_;
  s.gap_segments = gap_segments_;
  s.late_resume_segments = late_resume_segments_;
  return s;
}

}  // namespace steadycast::package
