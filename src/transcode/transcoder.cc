#include "transcode/transcoder.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/log.h>
#include <libswscale/swscale.h>
}

#include "transcode/decode_stage.h"

namespace steadycast::transcode {
namespace {

constexpr int64_t kLongGopTicks = 4 * media::kTimescale;

int64_t Ticks(double seconds) {
  return static_cast<int64_t>(std::llround(seconds * media::kTimescale));
}

base::Status Validate(const LadderPlan& plan, const TranscoderOptions& options,
                      const std::vector<media::MediaSink*>& sinks) {
  if (sinks.size() != plan.renditions.size()) {
    return base::InvalidArgument(fmt::format("transcoder: {} sinks for {} renditions", sinks.size(),
                                             plan.renditions.size()));
  }
  if (std::find(sinks.begin(), sinks.end(), nullptr) != sinks.end()) {
    return base::InvalidArgument("transcoder: null sink");
  }
  size_t passthrough = 0;
  for (const RenditionPlan& r : plan.renditions) {
    if (r.passthrough) {
      ++passthrough;
      continue;
    }
    if (r.width <= 0 || r.height <= 0 || r.width % 2 || r.height % 2 || r.video_kbps <= 0) {
      return base::InvalidArgument(fmt::format("transcoder: rendition {} is {}x{} at {} kbps",
                                               r.name, r.width, r.height, r.video_kbps));
    }
  }
  if (passthrough > 1) return base::InvalidArgument("transcoder: more than one passthrough");
  if (!(options.target_segment_seconds > 0) || !(options.timeline_break_seconds > 0)) {
    return base::InvalidArgument("transcoder: segment target and break must be > 0");
  }
  if (plan.transcoded_count() > 0 && avcodec_find_encoder_by_name("libx264") == nullptr) {
    return base::Unimplemented("transcoder: libavcodec has no libx264 encoder");
  }
  return base::Status::Ok();
}

}  // namespace

base::Result<std::unique_ptr<Transcoder>> Transcoder::Create(LadderPlan plan,
                                                             TranscoderOptions options,
                                                             std::vector<media::MediaSink*> sinks) {
  SC_RETURN_IF_ERROR(Validate(plan, options, sinks));
  av::InstallLogBridge();
  std::unique_ptr<Transcoder> transcoder(
      new Transcoder(std::move(plan), std::move(options), std::move(sinks)));
  transcoder->Start();
  return transcoder;
}

Transcoder::Transcoder(LadderPlan plan, TranscoderOptions options,
                       std::vector<media::MediaSink*> sinks)
    : plan_(std::move(plan)),
      options_(std::move(options)),
      cut_on_source_keyframes_(plan_.has_passthrough()),
      cut_mirror_(Ticks(options_.target_segment_seconds), Ticks(options_.timeline_break_seconds)),
      clock_(options_.clock != nullptr ? *options_.clock : base::Clock::Real()),
      slate_cadence_(Ticks(options_.target_segment_seconds)) {
  const size_t transcoded = plan_.transcoded_count();
  const int threads = std::max(1, options_.threads_per_stream / std::max<int>(1, transcoded));
  std::vector<LadderDegrader::Rung> rungs;
  for (size_t i = 0; i < plan_.renditions.size(); ++i) {
    const RenditionPlan& r = plan_.renditions[i];
    if (!r.passthrough) rungs.push_back({i, r.name, r.width * r.height});
  }
  DegraderOptions degrader = options_.degrader;
  degrader.enabled = degrader.enabled && options_.watchdog.enabled;
  degrader_ = std::make_unique<LadderDegrader>(degrader, std::move(rungs), options_.preset);
  std::vector<RenditionWorker*> workers;
  std::vector<int> divisors;
  for (size_t i = 0; i < plan_.renditions.size(); ++i) {
    const RenditionPlan& r = plan_.renditions[i];
    if (r.passthrough) {
      passthrough_sink_ = sinks[i];
      continue;
    }
    WorkerOptions w;
    w.preset = options_.preset;
    w.low_latency = options_.latency_mode == LatencyMode::kLow;
    // Lookahead within half a segment, so an IDR decision never waits for the next segment.
    w.max_lookahead =
        static_cast<int>(options_.target_segment_seconds / 2 * r.frame_rate.value_or(30));
    w.threads = threads;
    w.queue_frames = options_.rendition_queue_frames;
    w.audio_hold_ticks = Ticks(options_.audio_hold_seconds);
    w.block_when_full = options_.block_when_full;
    // With a shared intermediate (≥ 2 rungs) the rungs scale down from the largest rung's
    // picture (≤ 3×), where bilinear is ~10 % cheaper than bicubic and within SSIM 0.997 of
    // bicubic from the source even on synthetic sharp-edged content; the intermediate itself is
    // bicubic. An explicit sws_flags applies to both.
    w.sws_flags = options_.sws_flags != 0 ? options_.sws_flags
                  : transcoded >= 2       ? SWS_BILINEAR
                                          : SWS_BICUBIC;
    w.clock = options_.clock;
    w.watchdog = options_.watchdog;
    if (options_.on_source_changed) {
      w.on_source_changed = [hook = options_.on_source_changed, i] { hook(i); };
    }
    w.at_idr = [this, i](const RungReport& report) {
      std::lock_guard lock(degrader_mu_);
      return degrader_->Report(clock_.Now(), i, report);
    };
    w.on_preset_step = [this, i](const std::string& preset, double speed) {
      std::lock_guard lock(degrader_mu_);
      degrader_->OnPresetStep(i, preset, speed);
    };
    if (options_.on_rendition_paused) {
      w.on_paused = [hook = options_.on_rendition_paused, i](bool paused) { hook(i, paused); };
    }
    w.on_flushed = [this] {
      std::lock_guard lock(flush_mu_);
      flush_cv_.notify_all();
    };
    workers_.push_back(std::make_unique<RenditionWorker>(r, std::move(w), *sinks[i]));
    workers.push_back(workers_.back().get());
    divisors.push_back(r.frame_rate_divisor);
  }
  if (!workers_.empty()) {
    DecodeStageOptions d;
    d.decoder_threads = options_.decoder_threads;
    d.queue_frames = options_.decode_queue_frames;
    d.queue_bytes = options_.decode_queue_bytes;
    d.cut_on_source_keyframes = cut_on_source_keyframes_;
    d.target_ticks = Ticks(options_.target_segment_seconds);
    d.sws_flags = options_.sws_flags != 0 ? options_.sws_flags : SWS_BICUBIC;
    if (transcoded >= 2) {  // the largest transcoded rung is the shared intermediate
      for (const RenditionPlan& r : plan_.renditions) {
        if (!r.passthrough && r.width * r.height > d.intermediate_width * d.intermediate_height) {
          d.intermediate_width = r.width;
          d.intermediate_height = r.height;
        }
      }
    }
    decode_ = std::make_unique<DecodeStage>(d, std::move(workers), std::move(divisors));
  }
}

Transcoder::~Transcoder() {
  // Producers first: the decode thread may be blocked pushing into a worker queue.
  for (auto& worker : workers_) worker->Stop();
  for (auto& worker : slate_workers_) worker->Stop();
  if (decode_) decode_->Stop();
}

void Transcoder::Start() {
  for (auto& worker : workers_) worker->Start();
  if (decode_) decode_->Start();
}

void Transcoder::OnVideoConfig(const media::VideoTrackConfig& config) {
  if (holding_) {  // applies at the returning publisher's first keyframe (Resume)
    pending_video_config_ = config;
    return;
  }
  if (passthrough_sink_ != nullptr) passthrough_sink_->OnVideoConfig(config);
  if (!decode_ || (video_config_ && *video_config_ == config)) return;
  // A new source configuration: the passthrough packager closes its segment and starts the
  // next one at a keyframe; the transcoded renditions drain and restart there too.
  if (video_config_) PushFlush(/*source_changed=*/true, /*must_deliver=*/false);
  video_config_ = config;
  SourceItem item;
  item.kind = SourceItem::Kind::kVideoConfig;
  item.video_config = config;
  PushControl(std::move(item), false);
}

void Transcoder::OnAudioConfig(const media::AudioTrackConfig& config) {
  if (holding_) {
    pending_audio_config_ = config;
    return;
  }
  if (passthrough_sink_ != nullptr) passthrough_sink_->OnAudioConfig(config);
  if (!decode_ || (audio_config_ && *audio_config_ == config)) return;
  // The packager closes the open segment on an audio config change (old and new frames never
  // share one); every rendition does it at the same point when everything before is drained.
  if (audio_config_) PushFlush(/*source_changed=*/false, /*must_deliver=*/false);
  audio_config_ = config;
  SourceItem item;
  item.kind = SourceItem::Kind::kAudioConfig;
  item.audio_config = config;
  PushControl(std::move(item), false);
}

void Transcoder::OnAccessUnit(const media::AccessUnit& source) {
  const bool video = source.kind == media::TrackKind::kVideo;
  ++(video ? video_in_ : audio_in_);
  last_media_time_ = clock_.Now();
  const bool resumed = holding_;
  if (holding_) {
    // Back from a hold: everything waits for a keyframe, which ends the slate.
    if (!video || !source.keyframe || (!video_config_ && !pending_video_config_)) {
      ++source_dropped_;
      return;
    }
    Resume(source);
  }
  media::AccessUnit unit = source;
  unit.pts += offset_;
  unit.dts += offset_;
  unit.segment_start = resumed;  // every rendition cuts here (no discontinuity needed)
  if (!video && last_audio_dts_ && unit.dts <= *last_audio_dts_) {
    ++source_dropped_;  // overlaps the slate's silence (just after a return)
    return;
  }
  // The first source audio after a slate: silence up to it, so the audio track has no hole
  // where the source's audio starts later than its video (players jump holes, with a glitch).
  if (!video && fill_silence_) {
    fill_silence_ = false;
    while (next_silence_dts_ + audio_frame_ticks_ <= unit.dts &&
           unit.dts - next_silence_dts_ < media::kTimescale) {
      EmitSilence(/*passthrough_too=*/true);
    }
  }
  const bool switch_point = unit.segment_start;
  Track(unit);
  if (passthrough_sink_ != nullptr) passthrough_sink_->OnAccessUnit(unit);
  if (!decode_) return;
  if (!video) {
    SourceItem item;
    item.kind = SourceItem::Kind::kAudio;
    item.unit = unit;
    const PushMode mode = options_.block_when_full ? PushMode::kBlockIfFull : PushMode::kMustKeep;
    const Weight weight{.frames = 0, .bytes = std::max<size_t>(1, unit.data.size())};
    if (!decode_->Push(std::move(item), weight, mode)) ++source_dropped_;
    return;
  }
  // The segmenter flushes at a timeline break; x264 also needs increasing pts: restart.
  if (cut_mirror_.IsTimelineBreak(unit)) PushFlush(/*source_changed=*/false, false);
  const bool force_idr = cut_mirror_.OnSourceVideo(unit) && cut_on_source_keyframes_;
  if (unit.keyframe) {
    if (last_keyframe_dts_ && unit.dts - *last_keyframe_dts_ > kLongGopTicks) ++long_source_gops_;
    last_keyframe_dts_ = unit.dts;
  }
  PushVideo(unit, force_idr || switch_point);
}

void Transcoder::PushVideo(const media::AccessUnit& unit, bool force_idr) {
  if (skip_until_keyframe_ && !unit.keyframe) {
    ++source_dropped_;
    return;
  }
  SourceItem item;
  item.kind = SourceItem::Kind::kVideo;
  item.unit = unit;
  item.force_idr = force_idr;
  item.segment_start = unit.segment_start;
  const PushMode mode = options_.block_when_full ? PushMode::kBlockIfFull
                        : unit.keyframe          ? PushMode::kMustKeep
                                                 : PushMode::kDropIfFull;
  const Weight weight{.frames = 1, .bytes = unit.data.size()};
  if (decode_->Push(std::move(item), weight, mode)) {
    skip_until_keyframe_ = false;
    if (force_idr) ++forced_idrs_;
  } else {
    // Pictures after a lost one cannot be decoded until the next keyframe.
    ++source_dropped_;
    skip_until_keyframe_ = true;
  }
}

uint64_t Transcoder::PushFlush(bool source_changed, bool must_deliver) {
  const uint64_t id = next_flush_id_++;
  cut_mirror_.Reset();
  last_keyframe_dts_.reset();
  skip_until_keyframe_ = false;
  SourceItem item;
  item.kind = SourceItem::Kind::kFlush;
  item.flush_id = id;
  item.source_changed = source_changed;
  item.must_deliver = must_deliver;
  PushControl(std::move(item), must_deliver);
  return id;
}

void Transcoder::PushControl(SourceItem item, bool must_deliver) {
  const bool block = must_deliver || options_.block_when_full;
  // Only a publisher flooding configuration changes can fill the queue with these.
  if (!decode_->Push(std::move(item), kControlWeight,
                     block ? PushMode::kBlockIfFull : PushMode::kMustKeep)) {
    ++source_dropped_;
  }
}

bool Transcoder::AllFlushed(uint64_t id) const {
  return std::all_of(workers_.begin(), workers_.end(),
                     [id](const auto& worker) { return worker->flushed_id() >= id; });
}

void Transcoder::Flush() {
  if (!decode_) return;
  EndSlate();
  holding_ = false;
  holding_flag_ = false;
  const uint64_t id = PushFlush(/*source_changed=*/false, /*must_deliver=*/true);
  std::unique_lock lock(flush_mu_);
  flush_cv_.wait(lock, [&] { return AllFlushed(id); });
}

TranscoderStats Transcoder::Stats() const {
  TranscoderStats stats;
  stats.video_in = video_in_.load();
  stats.audio_in = audio_in_.load();
  stats.source_dropped = source_dropped_.load();
  stats.forced_idrs = forced_idrs_.load();
  stats.long_source_gops = long_source_gops_.load();
  if (decode_) {
    stats.decoded_frames = decode_->decoded_frames();
    stats.decode_errors = decode_->decode_errors();
    stats.decode_queue_frames = decode_->queue_frames();
    stats.slate_pictures = decode_->slate_pictures();
  }
  stats.holding = holding_flag_.load();
  stats.slate_active = slate_flag_.load();
  stats.holds = holds_.load();
  {
    std::lock_guard lock(slate_error_mu_);
    stats.slate_error = slate_error_;
  }
  stats.degradation = Degradation();
  size_t next_worker = 0;
  for (size_t i = 0; i < plan_.renditions.size(); ++i) {
    if (plan_.renditions[i].passthrough) {
      RenditionStats r;
      r.name = plan_.renditions[i].name;
      r.passthrough = true;
      r.frames_in = r.frames_out = stats.video_in;
      r.audio_out = stats.audio_in;
      stats.renditions.push_back(std::move(r));
    } else {
      stats.renditions.push_back(workers_[next_worker++]->Stats());
    }
  }
  return stats;
}

DegradationState Transcoder::Degradation() const {
  std::lock_guard lock(degrader_mu_);
  return degrader_->state();
}

}  // namespace steadycast::transcode
