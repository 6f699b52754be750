#include "package/stream_packager.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <utility>
#include <vector>

#include "base/log.h"
#include "formats/fmp4/init_segment.h"
#include "formats/fmp4/media_segment.h"
#include "package/segment_window.h"
#include "package/segmenter.h"

namespace steadycast::package {
namespace {

namespace fmp4 = formats::fmp4;
using media::AccessUnit;
using media::AudioTrackConfig;
using media::VideoTrackConfig;

constexpr const char* kRendition = "src";     // the only rendition until the ABR ladder lands
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
  return s;
}

// Audio samples of one segment. Frames normally last samples_per_frame; where the input has a
// gap (lost frames) the frame before it is stretched, so later frames keep their timestamps.
std::vector<fmp4::Sample> AudioSamplesWithGaps(const std::vector<AccessUnit>& units,
                                               const AudioTrackConfig& config, int64_t offset,
                                               int64_t base_time) {
  std::vector<fmp4::Sample> samples =
      fmp4::AudioSamples(units, static_cast<uint32_t>(config.samples_per_frame));
  const int64_t frame = config.samples_per_frame;
  int64_t time = base_time;
  for (size_t i = 0; i + 1 < units.size(); ++i) {
    const int64_t next =
        fmp4::RescaleTime(units[i + 1].dts + offset, media::kTimescale, config.sample_rate);
    if (next - (time + frame) > frame / 2) samples[i].duration = static_cast<uint32_t>(next - time);
    time += samples[i].duration;
  }
  return samples;
}

}  // namespace

class StreamPackager::Impl {
 public:
  Impl(PackagerOptions options, base::Clock& clock)
      : options_(options),
        clock_(clock),
        segmenter_(ToSegmenterOptions(options)),
        init_index_(static_cast<int64_t>(options.first_sequence) - 1),
        next_sequence_(options.first_sequence),
        window_(options.playlist_segments, options.extra_retained_segments,
                SecondsToTicks(options.target_segment_seconds) / 90, options.first_sequence),
        published_next_sequence_(options.first_sequence) {}

  void OnVideoConfig(const VideoTrackConfig& config);
  void OnAudioConfig(const AudioTrackConfig& config);
  void OnAccessUnit(const AccessUnit& unit);
  void OnEndOfStream();
  void OnDiscontinuity();

  bool HasSegments() const { return window_.HasSegments(); }
  std::optional<std::string> MasterPlaylist(std::string_view playback_id) const;
  std::optional<Resource> Lookup(std::string_view subpath) const;
  PackagerStats Stats() const;

 private:
  void FlushSegmenter();
  void UpdateTracks();
  void Publish(std::vector<SegmentMedia>& closed);
  bool EnsureInit();
  base::Result<base::Buffer> BuildSegment(const SegmentMedia& media, uint64_t sequence);
  void UpdateVariant(const SegmentMedia& media);

  const PackagerOptions options_;
  base::Clock& clock_;

  // Writer side (one thread at a time).
  Segmenter segmenter_;
  std::optional<VideoTrackConfig> video_;
  std::optional<AudioTrackConfig> audio_;
  std::optional<VideoTrackConfig> init_video_;  // what the newest init segment describes
  std::optional<AudioTrackConfig> init_audio_;
  int64_t init_index_;  // of the newest init segment (first_sequence - 1 before the first)
  uint64_t next_sequence_;
  bool published_ = false;  // a segment was published
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
  std::atomic<uint64_t> inits_{0};
  std::atomic<uint64_t> forced_cuts_{0};
  std::atomic<uint64_t> timeline_breaks_{0};

  // Master playlist cache: rebuilt when the window changed or another playback id asks.
  mutable std::mutex master_mu_;
  mutable uint64_t master_version_ = 0;
  mutable std::string master_playback_id_;
  mutable std::string master_text_;
};

void StreamPackager::Impl::OnVideoConfig(const VideoTrackConfig& config) {
  if (ended_ || (video_ && *video_ == config)) return;
  fmp4::InitSegmentSpec probe;
  probe.video = config;
  if (auto init = fmp4::BuildInitSegment(probe); !init.ok()) {
    SC_LOG_WARN("package: video config rejected: {}", init.status().ToString());
    ++rejected_configs_;
    if (video_) {
      FlushSegmenter();
      video_.reset();
      UpdateTracks();
    }
    return;
  }
  // A new SPS applies from the next keyframe on; an audio-only segment cannot take video
  // mid-way. Either way the open segment closes with what it has.
  if (segmenter_.open()) FlushSegmenter();
  video_ = config;
  UpdateTracks();
}

void StreamPackager::Impl::OnAudioConfig(const AudioTrackConfig& config) {
  if (ended_ || (audio_ && *audio_ == config)) return;
  fmp4::InitSegmentSpec probe;
  probe.audio = config;
  if (auto init = fmp4::BuildInitSegment(probe); !init.ok() || config.samples_per_frame <= 0) {
    SC_LOG_WARN("package: audio config rejected: {}", init.status().ToString());
    ++rejected_configs_;
    if (audio_) {
      FlushSegmenter();
      audio_.reset();
      UpdateTracks();
    }
    return;
  }
  // Frames of the old configuration must not share a segment with the new one (nor may audio
  // held for the next segment be replayed under it). A first audio config joins the open video
  // segment (the init changes at the next segment boundary).
  if (audio_) FlushSegmenter();
  audio_ = config;
  UpdateTracks();
}

void StreamPackager::Impl::UpdateTracks() {
  const int64_t audio_frame_ticks =
      audio_ ? fmp4::RescaleTime(audio_->samples_per_frame, audio_->sample_rate, media::kTimescale)
             : 1920;
  // Before the first segment an audio-only start waits a little for a late video config.
  segmenter_.SetTracks(video_.has_value(), audio_.has_value(), audio_frame_ticks,
                       !video_ && !published_);
}

void StreamPackager::Impl::OnAccessUnit(const AccessUnit& unit) {
  if (ended_) return;
  const bool video = unit.kind == media::TrackKind::kVideo;
  if (video ? (!video_ || unit.codec != video_->codec) : (!audio_ || unit.codec != audio_->codec)) {
    ++dropped_units_;
    return;
  }
  std::vector<SegmentMedia> closed;
  segmenter_.Add(unit, base::ToUnixMillis(clock_.WallNow()), closed);
  Publish(closed);
}

void StreamPackager::Impl::FlushSegmenter() {
  std::vector<SegmentMedia> closed;
  segmenter_.Flush(closed);
  Publish(closed);
}

void StreamPackager::Impl::OnEndOfStream() {
  if (ended_) return;
  FlushSegmenter();
  ended_ = true;
  window_.End();
}

void StreamPackager::Impl::OnDiscontinuity() {
  if (!ended_) FlushSegmenter();
}

// Builds a new init segment when the configuration differs from the newest one.
bool StreamPackager::Impl::EnsureInit() {
  if (init_index_ >= static_cast<int64_t>(options_.first_sequence) && init_video_ == video_ &&
      init_audio_ == audio_) {
    return false;
  }
  fmp4::InitSegmentSpec spec;
  spec.video = video_;
  spec.audio = audio_;
  auto init = fmp4::BuildInitSegment(spec);
  if (!init.ok()) return false;  // unreachable: both configs were validated on arrival
  ++init_index_;
  init_video_ = video_;
  init_audio_ = audio_;
  // Init and media segments are served many times each: a sealed memfd lets the HTTP server
  // send them with sendfile(2) instead of copying them into every socket (heap on failure).
  window_.AddInit(init_index_, base::Buffer::CopyIntoMemfd(*init, "steadycast-init"));
  ++inits_;
  return true;
}

void StreamPackager::Impl::Publish(std::vector<SegmentMedia>& closed) {
  const SegmenterStats& stats = segmenter_.stats();
  forced_cuts_ = stats.forced_cuts;
  timeline_breaks_ = stats.timeline_breaks;
  segmenter_dropped_ = stats.dropped_before_keyframe + stats.dropped_audio;
  for (SegmentMedia& media : closed) {
    if (media.video.empty() && media.audio.empty()) continue;
    const bool init_changed = EnsureInit();
    const bool first = !published_;
    media.discontinuity = !first && (media.discontinuity || init_changed);
    if (first) {
      dts_offset_ = media.start_dts < 0 ? -media.start_dts : 0;
      audio_next_time_.reset();
    } else if (media.discontinuity && output_end_dts_) {
      // Continue the output timeline where it stopped (see OnDiscontinuity).
      dts_offset_ = *output_end_dts_ - media.start_dts;
    }
    const uint64_t sequence = next_sequence_;
    auto bytes = BuildSegment(media, sequence);
    if (!bytes.ok()) {
      SC_LOG_WARN("package: segment {} dropped: {}", sequence, bytes.status().ToString());
      continue;
    }
    ++next_sequence_;
    published_next_sequence_ = next_sequence_;
    published_ = true;
    output_end_dts_ = media.end_dts + dts_offset_;
    PublishedSegment segment;
    segment.entry.sequence = sequence;
    segment.entry.duration_ms = (media.end_dts - media.start_dts + 45) / 90;
    segment.entry.program_date_ms = media.start_wall_ms;
    segment.entry.discontinuity = media.discontinuity;
    segment.entry.init_index = init_index_;
    segment.bytes = base::Buffer::CopyIntoMemfd(*bytes, "steadycast-segment");
    UpdateVariant(media);
    window_.AddSegment(std::move(segment));
    ++segments_;
    if (first) UpdateTracks();  // audio-only starts need not wait any more
  }
}

base::Result<base::Buffer> StreamPackager::Impl::BuildSegment(const SegmentMedia& media,
                                                              uint64_t sequence) {
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
  if (!media.audio.empty() && audio_) {
    int64_t base = fmp4::RescaleTime(media.audio.front().dts + dts_offset_, media::kTimescale,
                                     audio_->sample_rate);
    // Continue exactly where the previous run ended unless the input really jumped.
    if (audio_next_time_ && std::llabs(base - *audio_next_time_) <= audio_->samples_per_frame) {
      base = *audio_next_time_;
    }
    base = std::max<int64_t>(base, 0);
    auto samples = AudioSamplesWithGaps(media.audio, *audio_, dts_offset_, base);
    int64_t end = base;
    for (const auto& s : samples) end += s.duration;
    audio_next_time_ = end;
    spec.tracks.push_back({fmp4::kAudioTrackId, static_cast<uint64_t>(base), std::move(samples)});
  }
  return fmp4::BuildMediaSegment(spec);
}

void StreamPackager::Impl::UpdateVariant(const SegmentMedia& media) {
  VariantStream v;
  v.name = kRendition;
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
  if (audio_) v.codecs += (v.codecs.empty() ? "" : ",") + audio_->CodecString();
  window_.SetVariant(std::move(v));
}

std::optional<std::string> StreamPackager::Impl::MasterPlaylist(
    std::string_view playback_id) const {
  std::lock_guard lock(master_mu_);
  const uint64_t version = window_.version();
  if (version != master_version_ || playback_id != master_playback_id_) {
    auto variant = window_.Variant();
    if (!variant) return std::nullopt;
    master_text_ = RenderMasterPlaylist({*variant}, playback_id);
    master_version_ = version;
    master_playback_id_ = std::string(playback_id);
  }
  if (master_text_.empty()) return std::nullopt;
  return master_text_;
}

std::optional<Resource> StreamPackager::Impl::Lookup(std::string_view subpath) const {
  const std::string_view prefix = "src/";
  if (!subpath.starts_with(prefix)) return std::nullopt;
  return window_.Lookup(subpath.substr(prefix.size()));
}

PackagerStats StreamPackager::Impl::Stats() const {
  PackagerStats s;
  s.segments = segments_;
  s.init_segments = inits_;
  s.forced_cuts = forced_cuts_;
  s.timeline_breaks = timeline_breaks_;
  s.next_sequence = published_next_sequence_;
  s.dropped_units = dropped_units_ + segmenter_dropped_;
  s.rejected_configs = rejected_configs_;
  return s;
}

StreamPackager::StreamPackager(PackagerOptions options, base::Clock& clock)
    : impl_(std::make_unique<Impl>(options, clock)) {}
StreamPackager::~StreamPackager() = default;

void StreamPackager::OnVideoConfig(const media::VideoTrackConfig& config) {
  impl_->OnVideoConfig(config);
}
void StreamPackager::OnAudioConfig(const media::AudioTrackConfig& config) {
  impl_->OnAudioConfig(config);
}
void StreamPackager::OnAccessUnit(const media::AccessUnit& unit) { impl_->OnAccessUnit(unit); }
void StreamPackager::OnEndOfStream() { impl_->OnEndOfStream(); }
void StreamPackager::OnDiscontinuity() { impl_->OnDiscontinuity(); }
bool StreamPackager::HasSegments() const { return impl_->HasSegments(); }
std::optional<std::string> StreamPackager::MasterPlaylist(std::string_view playback_id) const {
  return impl_->MasterPlaylist(playback_id);
}
std::optional<Resource> StreamPackager::Lookup(std::string_view subpath) const {
  return impl_->Lookup(subpath);
}
PackagerStats StreamPackager::Stats() const { return impl_->Stats(); }

}  // namespace steadycast::package
