#include "package/audio_track.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "base/log.h"
#include "formats/fmp4/init_segment.h"

namespace steadycast::package {
namespace {

namespace fmp4 = formats::fmp4;

int64_t TargetMs(const PackagerOptions& options) {
  return static_cast<int64_t>(std::llround(options.target_segment_seconds * 1000));
}

}  // namespace

std::vector<fmp4::Sample> AudioSamplesWithGaps(std::span<const media::AccessUnit> units,
                                               const media::AudioTrackConfig& config,
                                               int64_t offset, int64_t base_time) {
  std::vector<fmp4::Sample> samples =
      fmp4::AudioSamples(units, static_cast<uint32_t>(config.samples_per_frame));
  const int64_t frame = config.samples_per_frame;
  const int64_t overlap_tolerance = std::max<int64_t>(config.sample_rate * 3 / 2000, 1);
  std::vector<fmp4::Sample> out;
  out.reserve(samples.size());
  int64_t time = base_time;  // where the next sample goes
  for (size_t i = 0; i < units.size(); ++i) {
    const int64_t at =
        fmp4::RescaleTime(units[i].dts + offset, media::kTimescale, config.sample_rate);
    const int64_t late = time - at;  // > 0: the timeline runs ahead of this frame
    if (late > frame / 2) continue;  // mostly covered already: dropped
    if (!out.empty()) {
      // Stretch the sample before over a gap, or shorten it over an overlap, so that this
      // frame keeps its time.
      if (-late > frame / 2 || late > overlap_tolerance) {
        const int64_t duration = static_cast<int64_t>(out.back().duration) - late;
        out.back().duration = static_cast<uint32_t>(std::max<int64_t>(duration, 1));
        time = at;
      }
    }
    out.push_back(std::move(samples[i]));
    time += out.back().duration;
  }
  return out;
}

AudioTrack::AudioTrack(const PackagerOptions& options)
    : options_(options),
      init_index_(static_cast<int64_t>(options.first_sequence) - 1),
      window_(options.playlist_segments, options.extra_retained_segments, TargetMs(options), 0,
              /*playlist_version=*/8) {
  stats_.name = kAudioRenditionName;
}

bool AudioTrack::EnsureInitLocked(const media::AudioTrackConfig& config) {
  if (config_ && *config_ == config) return false;
  fmp4::InitSegmentSpec spec;
  spec.audio = config;
  auto init = fmp4::BuildInitSegment(spec);
  if (!init.ok()) {  // the rendition validated this config already
    SC_LOG_WARN("package: audio: init segment failed: {}", init.status().ToString());
    return false;
  }
  config_ = config;
  ++init_index_;
  window_.AddInit(init_index_, base::Buffer::CopyIntoMemfd(*init, "steadycast-init"));
  ++stats_.init_segments;
  return true;
}

bool AudioTrack::Offer(const AudioOffer& offer) {
  std::lock_guard lock(mu_);
  if (ended_) return false;
  if (offer.preferred) {
    const bool taken = AcceptLocked(offer);
    if (pending_ && pending_->offer.sequence <= offer.sequence) pending_.reset();
    return taken;
  }
  if (next_sequence_ && offer.sequence < *next_sequence_) return false;
  // The source has not offered the kept number although this rendition is a segment further:
  // it fell behind (paused, stalled), so the kept offer is taken.
  bool taken = false;
  if (pending_ && pending_->offer.sequence < offer.sequence) {
    taken = AcceptLocked(pending_->offer);
    pending_.reset();
  }
  if (next_sequence_ && offer.sequence < *next_sequence_) return taken;
  Pending kept;
  kept.offer = offer;
  kept.units.assign(offer.units.begin(), offer.units.end());
  if (offer.config) {
    kept.config = *offer.config;
    kept.has_config = true;
  }
  pending_ = std::move(kept);
  pending_->offer.units = pending_->units;
  pending_->offer.config = pending_->has_config ? &pending_->config : nullptr;
  return taken;
}

bool AudioTrack::AcceptLocked(const AudioOffer& offer) {
  if (next_sequence_ && offer.sequence < *next_sequence_) return false;  // already listed
  const bool has_audio = offer.config != nullptr && !offer.units.empty();
  if (!next_sequence_ && !has_audio) return false;  // the track starts with real audio

  PlaylistSegment entry;
  entry.sequence = offer.sequence;
  entry.duration_ms = offer.duration_ms;
  entry.program_date_ms = offer.program_date_ms;

  // Numbers nobody offered (cannot happen while every rendition offers every segment it
  // publishes; kept so the numbering never skips): gaps of the target duration.
  while (next_sequence_ && *next_sequence_ < offer.sequence) {
    PlaylistSegment gap;
    gap.sequence = (*next_sequence_)++;
    gap.duration_ms = TargetMs(options_);
    gap.program_date_ms = offer.program_date_ms;
    window_.AddGap(gap);
    ++stats_.gap_segments;
  }
  const bool first = !next_sequence_.has_value();
  if (first) discontinuity_sequence_ = offer.discontinuity_sequence;
  if (!has_audio) {
    entry.discontinuity = !first && offer.discontinuity_sequence > discontinuity_sequence_;
    if (entry.discontinuity) discontinuity_sequence_ = offer.discontinuity_sequence;
    window_.AddGap(entry);
    ++stats_.gap_segments;
    next_sequence_ = offer.sequence + 1;
    stats_.next_sequence = *next_sequence_;
    return true;
  }

  const media::AudioTrackConfig& config = *offer.config;
  bool init_changed = EnsureInitLocked(config);
  std::optional<OpenParts> parts;
  if (parts_ && parts_->sequence == offer.sequence) parts = std::move(parts_);
  parts_.reset();
  if (parts) init_changed |= parts->init_changed;
  int64_t base = fmp4::RescaleTime(offer.units.front().dts + offer.dts_offset, media::kTimescale,
                                   config.sample_rate);
  // Continue exactly where the previous segment ended unless the input really jumped (the
  // samples absorb smaller differences, see AudioSamplesWithGaps).
  const bool continuous = next_time_ && std::llabs(base - *next_time_) <= config.sample_rate;
  if (continuous && !init_changed) base = *next_time_;
  // Discontinuities follow the video renditions' exactly (matching content keeps matching
  // discontinuity sequence numbers, RFC 8216 §6.2.4: hls.js lines audio up with video by
  // them); a jump in the audio's own times is left as a gap or overlap, which players bridge,
  // rather than an audio-only discontinuity, which they cannot map.
  entry.discontinuity = !first && offer.discontinuity_sequence > discontinuity_sequence_;
  if (entry.discontinuity) {
    discontinuity_sequence_ = std::max(discontinuity_sequence_ + 1, offer.discontinuity_sequence);
  }
  entry.init_index = init_index_;
  base = std::max<int64_t>(base, 0);
  std::vector<fmp4::Sample> samples;
  if (parts && parts->exact && parts->units == offer.units.size() &&
      parts->first_dts == offer.units.front().dts && !parts->samples.empty()) {
    // The segment is its parts (RFC 8216bis §3.2: the same samples, the same timing).
    base = parts->base;
    samples = std::move(parts->samples);
  } else {
    samples = AudioSamplesWithGaps(offer.units, config, offer.dts_offset, base);
  }
  int64_t end = base;
  for (const fmp4::Sample& s : samples) end += s.duration;
  fmp4::MediaSegmentSpec spec;
  spec.sequence_number = static_cast<uint32_t>(offer.sequence + 1);
  spec.tracks.push_back({fmp4::kAudioTrackId, static_cast<uint64_t>(base), std::move(samples)});
  auto bytes = fmp4::BuildMediaSegment(spec);
  if (!bytes.ok()) {
    SC_LOG_WARN("package: audio: segment {} failed: {}", offer.sequence, bytes.status().ToString());
    window_.AddGap(entry);
    ++stats_.gap_segments;
    next_sequence_ = offer.sequence + 1;
    stats_.next_sequence = *next_sequence_;
    return true;
  }
  next_time_ = end;
  // EXTINF is the audio's own duration (whole AAC frames: up to a frame longer or shorter
  // than the video segment of the same number). Players place the audio parts and the next
  // segment by these durations; the video's EXTINF here put them up to a frame away from
  // where the audio really is, and hls.js then waited for audio it believed was missing.
  entry.duration_ms = ((end - base) * 1000 + config.sample_rate / 2) / config.sample_rate;

  VariantStream variant;
  variant.name = kAudioRenditionName;
  variant.codecs = config.CodecString();
  window_.SetVariant(std::move(variant));

  PublishedSegment segment;
  segment.entry = entry;
  segment.bytes = base::Buffer::CopyIntoMemfd(*bytes, "steadycast-segment");
  segment.timescale = static_cast<uint32_t>(config.sample_rate);
  segment.media_time = base;
  segment.media_duration = end - base;
  ++stats_.segments;
  stats_.bytes += segment.bytes.size();
  window_.AddSegment(std::move(segment));
  next_sequence_ = offer.sequence + 1;
  stats_.next_sequence = *next_sequence_;
  return true;
}

bool AudioTrack::OfferPart(const AudioPartOffer& offer) {
  std::lock_guard lock(mu_);
  if (ended_ || !offer.preferred || offer.config == nullptr || !next_sequence_ ||
      offer.sequence != *next_sequence_) {
    return false;
  }
  const media::AudioTrackConfig& config = *offer.config;
  if (!parts_ || parts_->sequence != offer.sequence) {
    if (offer.index != 0) return false;
    OpenParts open;
    open.sequence = offer.sequence;
    open.source = offer.source;
    open.init_changed = EnsureInitLocked(config);
    int64_t base = offer.units.empty()
                       ? fmp4::RescaleTime(offer.start_dts + offer.dts_offset, media::kTimescale,
                                           config.sample_rate)
                       : fmp4::RescaleTime(offer.units.front().dts + offer.dts_offset,
                                           media::kTimescale, config.sample_rate);
    const bool continuous = next_time_ && std::llabs(base - *next_time_) <= config.sample_rate;
    open.discontinuity = offer.discontinuity_sequence > discontinuity_sequence_;
    if (continuous && !open.init_changed) base = *next_time_;
    open.next_time = std::max<int64_t>(base, 0);
    open.base = open.next_time;
    parts_ = std::move(open);
  }
  if (parts_->source != offer.source || parts_->next_index != offer.index) return false;

  PublishedPart part;
  part.entry.index = offer.index;
  part.entry.independent = true;
  std::vector<fmp4::Sample> samples;
  int64_t base = parts_->next_time;
  if (!offer.units.empty()) {
    const int64_t own = fmp4::RescaleTime(offer.units.front().dts + offer.dts_offset,
                                          media::kTimescale, config.sample_rate);
    if (std::llabs(own - base) > config.sample_rate) {
      base = std::max<int64_t>(own, 0);
      parts_->exact = false;
    }
    samples = AudioSamplesWithGaps(offer.units, config, offer.dts_offset, base);
  }
  if (samples.empty()) {  // no audio, or all of it covered already
    parts_->exact = false;
    part.entry.gap = true;
    part.entry.duration_us = (offer.end_dts - offer.start_dts) * 100 / 9;
    parts_->next_time +=
        fmp4::RescaleTime(offer.end_dts - offer.start_dts, media::kTimescale, config.sample_rate);
  } else {
    int64_t end = base;
    for (const fmp4::Sample& sample : samples) end += sample.duration;
    if (!parts_->first_dts) parts_->first_dts = offer.units.front().dts;
    parts_->units += offer.units.size();
    parts_->samples.insert(parts_->samples.end(), samples.begin(), samples.end());
    fmp4::MediaSegmentSpec spec;
    spec.sequence_number = static_cast<uint32_t>(offer.sequence + 1);
    spec.tracks.push_back({fmp4::kAudioTrackId, static_cast<uint64_t>(base), std::move(samples)});
    auto bytes = fmp4::BuildMediaSegment(spec);
    if (!bytes.ok()) return false;
    part.entry.duration_us = (end - base) * 1'000'000 / config.sample_rate;
    part.bytes = base::Buffer::CopyIntoMemfd(*bytes, "steadycast-part");
    parts_->next_time = end;
  }
  ++parts_->next_index;
  OpenSegment open;
  open.sequence = offer.sequence;
  open.discontinuity = parts_->discontinuity;
  open.init_index = init_index_;
  open.program_date_ms = offer.program_date_ms;
  window_.AddPart(open, std::move(part));
  return true;
}

void AudioTrack::End() {
  std::lock_guard lock(mu_);
  if (ended_) return;
  ended_ = true;
  window_.End();
}

std::optional<int> AudioTrack::channels() const {
  std::lock_guard lock(mu_);
  if (!config_) return std::nullopt;
  return config_->channels;
}

RenditionStats AudioTrack::Stats() const {
  std::lock_guard lock(mu_);
  RenditionStats s = stats_;
  if (auto variant = window_.Variant()) {
    s.peak_bandwidth = variant->bandwidth;
    s.average_bandwidth = variant->average_bandwidth;
  }
  return s;
}

}  // namespace steadycast::package
