#include "package/stream_packager.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "base/log.h"
#include "package/audio_track.h"
#include "package/dash_source.h"
#include "package/ladder_timeline.h"
#include "package/low_latency_playlist.h"
#include "package/rendition_packager.h"

namespace steadycast::package {
namespace {

constexpr const char* kDefaultRendition = "src";

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > kMaxRenditionNameLength) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Segment starts of aligned renditions agree exactly in presentation time; a quarter of the
// target tolerates upstream jitter without confusing neighbouring segments.
int64_t ToleranceTicks(const PackagerOptions& options) {
  const double ticks = options.target_segment_seconds * media::kTimescale / 4;
  return ticks > 0 && ticks < 1e12 ? static_cast<int64_t>(ticks) : 0;
}

}  // namespace

class StreamPackager::Impl {
 public:
  Impl(PackagerOptions options, const std::vector<RenditionSpec>& renditions, base::Clock& clock)
      : options_(options),
        timeline_(options.first_sequence, ToleranceTicks(options)),
        audio_(options) {
    // Any rendition of a ladder may be paused and list EXT-X-GAP segments; its playlist's
    // version cannot change later (see MediaPlaylistModel::version). One rendition has no
    // sibling to take gap timings from, so it never lists one.
    const int version = renditions.size() > 1 ? 8 : 7;
    for (size_t i = 0; i < renditions.size(); ++i) {
      renditions_.push_back(std::make_unique<RenditionPackager>(
          renditions[i].name, options, clock, timeline_, [this, i] { OnPublished(i); }, version,
          &audio_));
      renditions_.back()->SetAudioSourceQuery([this, i] { return audio_source_.load() == i; });
    }
    audio_source_ = renditions_.empty() ? 0 : renditions_.size() - 1;
  }

  RenditionPackager& rendition(size_t index) const {
    if (index >= renditions_.size()) {
      SC_LOG_ERROR("package: rendition {} of {} does not exist", index, renditions_.size());
      std::abort();  // a programming error, like an out-of-range vector index
    }
    return *renditions_[index];
  }
  size_t size() const { return renditions_.size(); }

  void SetPaused(size_t index, bool paused) {
    if (index >= renditions_.size()) return;
    renditions_[index]->SetPaused(paused);
    ++pause_changes_;  // the master's wait rule counts paused renditions
    audio_source_ = AudioSource();
  }
  void OnEndOfStream() {
    // The paused renditions last, so that their gaps cover the others' final segments. The
    // second pass ends every rendition (a no-op for those already ended): one paused or
    // resumed concurrently must not be skipped by both passes.
    for (const auto& r : renditions_) {
      if (!r->paused()) r->OnEndOfStream();
    }
    for (const auto& r : renditions_) r->OnEndOfStream();
    audio_.End();
  }

  const AudioTrack& audio() const { return audio_; }
  const PackagerOptions& options() const { return options_; }

  std::optional<std::string> LowLatencyPlaylist(std::string_view rendition, bool skip) const {
    const SegmentWindow* window = Window(rendition);
    if (window == nullptr) return std::nullopt;
    LowLatencySettings settings;
    settings.part_target_us = static_cast<int64_t>(options_.part_target_seconds * 1e6 + 0.5);
    settings.skip = skip;
    auto report = [&](const std::string& name, const SegmentWindow& other) {
      if (name == rendition) return;
      if (auto r = ReportOf(*other.Snapshot(), "../" + name + "/index.m3u8")) {
        settings.reports.push_back(std::move(*r));
      }
    };
    for (const auto& r : renditions_) report(r->name(), r->window());
    report(kAudioRenditionName, audio_.window());
    return RenderLowLatencyPlaylist(*window->Snapshot(), settings);
  }
  const SegmentWindow* Window(std::string_view rendition) const {
    if (rendition == kAudioRenditionName) return &audio_.window();
    for (const auto& r : renditions_) {
      if (r->name() == rendition) return &r->window();
    }
    return nullptr;
  }

  bool HasSegments() const;
  std::optional<std::string> DashManifest(const DashRequest& request) const;
  std::optional<std::string> MasterPlaylist(std::string_view playback_id) const;
  std::optional<Resource> Lookup(std::string_view subpath) const;
  PackagerStats Stats() const;

 private:
  uint64_t Version() const;
  std::vector<VariantStream> ListedVariants() const;
  // Rendition `from` published a segment (its writer thread, its writer lock held): the paused
  // renditions list that number as a gap. Only gap locks are taken (lock order in
  // rendition_packager.h), so two publishing renditions never wait for each other.
  void OnPublished(size_t from) const {
    for (size_t i = 0; i < renditions_.size(); ++i) {
      if (i != from) renditions_[i]->CatchUpGaps();
    }
  }

  const PackagerOptions options_;
  LadderTimeline timeline_;
  AudioTrack audio_;  // declared before the renditions, which refer to it
  std::vector<std::unique_ptr<RenditionPackager>> renditions_;
  std::atomic<uint64_t> pause_changes_{0};
  std::atomic<size_t> audio_source_{0};

  // The audio track's source (audio_track.h): the last rendition that is not paused. In a
  // ladder that is the cheapest transcoded rung: the passthrough rendition (first) switches
  // configuration into and out of a slate, which makes discontinuities there that the other
  // variants do not have, and a player must never see a discontinuity in the audio that its
  // video lacks (hls.js waits for a timestamp mapping the video never provides). Degradation
  // pauses the most expensive rungs first, so the cheapest is the last to go.
  size_t AudioSource() const {
    for (size_t i = renditions_.size(); i-- > 0;) {
      if (!renditions_[i]->paused()) return i;
    }
    return renditions_.empty() ? 0 : renditions_.size() - 1;
  }
  mutable DashSource dash_;

  // Master playlist cache: rebuilt when a window changed or another playback id asks.
  mutable std::mutex master_mu_;
  mutable std::optional<uint64_t> master_version_;
  mutable std::string master_playback_id_;
  mutable std::string master_text_;
};

bool StreamPackager::Impl::HasSegments() const {
  return std::any_of(renditions_.begin(), renditions_.end(),
                     [](const auto& r) { return r->window().HasSegments(); });
}

// Every window's version only grows, so their sum changes whenever any of them changed.
uint64_t StreamPackager::Impl::Version() const {
  uint64_t version = pause_changes_ + audio_.window().version();
  for (const auto& r : renditions_) version += r->window().version();
  return version;
}

// The variants the master lists now (empty while waiting for the renditions' first segments).
std::vector<VariantStream> StreamPackager::Impl::ListedVariants() const {
  struct Listed {
    VariantStream variant;
    size_t index;
  };
  std::vector<Listed> listed;
  uint64_t most_segments = 0;
  size_t paused_without_segment = 0;  // not waited for: the transcoder stopped them
  for (size_t i = 0; i < renditions_.size(); ++i) {
    most_segments = std::max(most_segments, renditions_[i]->segments());
    if (auto variant = renditions_[i]->Variant()) {
      listed.push_back({std::move(*variant), i});
    } else if (renditions_[i]->paused()) {
      ++paused_without_segment;
    }
  }
  const uint64_t wait = static_cast<uint64_t>(std::max(options_.master_wait_segments, 0));
  if (listed.empty() ||
      (listed.size() + paused_without_segment < renditions_.size() && most_segments <= wait)) {
    return {};
  }
  std::stable_sort(listed.begin(), listed.end(), [](const Listed& a, const Listed& b) {
    if (a.variant.bandwidth != b.variant.bandwidth)
      return a.variant.bandwidth < b.variant.bandwidth;
    return static_cast<int64_t>(a.variant.width) * a.variant.height <
           static_cast<int64_t>(b.variant.width) * b.variant.height;
  });
  std::vector<VariantStream> variants;
  variants.reserve(listed.size());
  for (Listed& l : listed) variants.push_back(std::move(l.variant));
  return variants;
}

std::optional<std::string> StreamPackager::Impl::MasterPlaylist(
    std::string_view playback_id) const {
  std::lock_guard lock(master_mu_);
  const uint64_t version = Version();
  if (version != master_version_ || playback_id != master_playback_id_) {
    std::vector<VariantStream> variants = ListedVariants();
    // Audio is its own rendition once it has a segment: every variant names it, and its
    // BANDWIDTH is the sum of both peaks (RFC 8216bis §4.4.6.2: the largest combination).
    std::optional<AudioRendition> audio;
    if (auto track = audio_.Variant(); track && !variants.empty()) {
      audio.emplace();
      audio->uri = fmt::format("{}/{}/index.m3u8", playback_id, kAudioRenditionName);
      audio->channels = audio_.channels().value_or(2);
      audio->codecs = track->codecs;
      for (VariantStream& v : variants) {
        v.bandwidth += track->bandwidth;
        v.average_bandwidth += track->average_bandwidth;
        v.codecs += (v.codecs.empty() ? "" : ",") + track->codecs;
      }
    }
    master_text_ = variants.empty() ? "" : RenderMasterPlaylist(variants, playback_id, audio);
    master_version_ = version;
    master_playback_id_ = std::string(playback_id);
  }
  if (master_text_.empty()) return std::nullopt;
  return master_text_;
}

std::optional<std::string> StreamPackager::Impl::DashManifest(const DashRequest& request) const {
  const std::vector<VariantStream> variants = ListedVariants();
  if (variants.empty()) return std::nullopt;
  std::vector<DashTrack> video;
  std::optional<DashTrack> audio;
  for (const VariantStream& v : variants) {
    const SegmentWindow* window = Window(v.name);
    if (window == nullptr) continue;
    if (v.width == 0 && v.height == 0 && !audio) {  // an audio-only stream keeps audio in "src"
      audio = DashTrack{v, window->Snapshot(), 2};
      continue;
    }
    video.push_back(DashTrack{v, window->Snapshot(), 0});
  }
  if (auto track = audio_.Variant()) {
    audio = DashTrack{*track, audio_.window().Snapshot(), audio_.channels().value_or(2)};
  }
  std::optional<DashManifestModel> model = dash_.Build(video, audio, request);
  if (!model) return std::nullopt;
  return RenderDashManifest(*model);
}

std::optional<Resource> StreamPackager::Impl::Lookup(std::string_view subpath) const {
  const size_t slash = subpath.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const SegmentWindow* window = Window(subpath.substr(0, slash));
  if (window == nullptr) return std::nullopt;
  return window->Lookup(subpath.substr(slash + 1));
}

PackagerStats StreamPackager::Impl::Stats() const {
  PackagerStats s;
  s.next_sequence = options_.first_sequence;
  for (const auto& r : renditions_) {
    RenditionStats rs = r->Stats();
    s.segments += rs.segments;
    s.init_segments += rs.init_segments;
    s.forced_cuts += rs.forced_cuts;
    s.timeline_breaks += rs.timeline_breaks;
    s.dropped_units += rs.dropped_units;
    s.rejected_configs += rs.rejected_configs;
    s.next_sequence = std::max(s.next_sequence, rs.next_sequence);
    s.renditions.push_back(std::move(rs));
  }
  if (audio_.window().HasSegments()) s.audio = audio_.Stats();
  return s;
}

StreamPackager::StreamPackager(PackagerOptions options, base::Clock& clock)
    : StreamPackager(options, {RenditionSpec{kDefaultRendition}}, clock) {}

StreamPackager::StreamPackager(PackagerOptions options, std::vector<RenditionSpec> renditions,
                               base::Clock& clock) {
  if (base::Status valid = ValidateRenditions(renditions); !valid.ok()) {
    SC_LOG_ERROR("package: {}", valid.ToString());
    std::abort();  // names come from code (the ladder plan); Create() returns the error
  }
  impl_ = std::make_unique<Impl>(options, renditions, clock);
}

StreamPackager::~StreamPackager() = default;

base::Status StreamPackager::ValidateRenditions(const std::vector<RenditionSpec>& renditions) {
  if (renditions.empty() || renditions.size() > kMaxRenditions) {
    return base::InvalidArgument("package: a packager needs 1 to " +
                                 std::to_string(kMaxRenditions) + " renditions, got " +
                                 std::to_string(renditions.size()));
  }
  std::set<std::string_view> names;
  for (const RenditionSpec& spec : renditions) {
    if (!ValidName(spec.name)) {
      return base::InvalidArgument("package: rendition name must be 1 to " +
                                   std::to_string(kMaxRenditionNameLength) +
                                   " characters of [a-z0-9_]");
    }
    if (spec.name == kAudioRenditionName) {
      return base::InvalidArgument(
          "package: rendition name 'audio' is reserved for the audio track");
    }
    if (!names.insert(spec.name).second) {
      return base::InvalidArgument("package: rendition name '" + spec.name + "' is used twice");
    }
  }
  return base::Status::Ok();
}

base::Result<std::unique_ptr<StreamPackager>> StreamPackager::Create(
    PackagerOptions options, std::vector<RenditionSpec> renditions, base::Clock& clock) {
  SC_RETURN_IF_ERROR(ValidateRenditions(renditions));
  return std::make_unique<StreamPackager>(options, std::move(renditions), clock);
}

size_t StreamPackager::rendition_count() const { return impl_->size(); }
const std::string& StreamPackager::rendition_name(size_t index) const {
  return impl_->rendition(index).name();
}
media::MediaSink& StreamPackager::Rendition(size_t index) { return impl_->rendition(index); }

void StreamPackager::OnVideoConfig(const media::VideoTrackConfig& config) {
  impl_->rendition(0).OnVideoConfig(config);
}
void StreamPackager::OnAudioConfig(const media::AudioTrackConfig& config) {
  impl_->rendition(0).OnAudioConfig(config);
}
void StreamPackager::OnAccessUnit(const media::AccessUnit& unit) {
  impl_->rendition(0).OnAccessUnit(unit);
}
void StreamPackager::OnEndOfStream() { impl_->OnEndOfStream(); }
void StreamPackager::SetRenditionPaused(size_t index, bool paused) {
  impl_->SetPaused(index, paused);
}
void StreamPackager::OnRenditionDiscontinuity(size_t index) {
  if (index < impl_->size()) impl_->rendition(index).OnDiscontinuity();
}

void StreamPackager::OnDiscontinuity() {
  for (size_t i = 0; i < impl_->size(); ++i) impl_->rendition(i).OnDiscontinuity();
}
bool StreamPackager::HasSegments() const { return impl_->HasSegments(); }
std::optional<std::string> StreamPackager::MasterPlaylist(std::string_view playback_id) const {
  return impl_->MasterPlaylist(playback_id);
}
std::optional<Resource> StreamPackager::Lookup(std::string_view subpath) const {
  return impl_->Lookup(subpath);
}
std::optional<std::string> StreamPackager::DashManifest(const DashRequest& request) const {
  return impl_->DashManifest(request);
}
bool StreamPackager::low_latency() const { return impl_->options().part_target_seconds > 0; }
double StreamPackager::part_target_seconds() const { return impl_->options().part_target_seconds; }
std::optional<std::string> StreamPackager::LowLatencyPlaylist(std::string_view rendition,
                                                              bool skip) const {
  return impl_->LowLatencyPlaylist(rendition, skip);
}
const SegmentWindow* StreamPackager::Window(std::string_view rendition) const {
  return impl_->Window(rendition);
}
PackagerStats StreamPackager::Stats() const { return impl_->Stats(); }

}  // namespace steadycast::package
