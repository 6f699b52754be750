#include "transcode/rendition_worker.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "base/log.h"

namespace steadycast::transcode {
namespace {

constexpr double kDefaultFrameRate = 30.0;
constexpr int64_t kMaxFrameGapTicks = media::kTimescale;  // longer gaps do not count as media

double Seconds(base::Clock::Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

double FrameRateFromInterval(int64_t ticks) {
  if (ticks <= 0) return kDefaultFrameRate;
  const double raw = std::clamp(static_cast<double>(media::kTimescale) / ticks, 1.0, 240.0);
  static constexpr double kStandard[] = {23.976, 24, 25, 29.97, 30, 48, 50, 59.94, 60};
  double best = raw;
  double best_error = 0.05;
  for (double rate : kStandard) {
    const double error = std::abs(raw - rate) / rate;
    if (error < best_error) {
      best = rate;
      best_error = error;
    }
  }
  return best;
}

RenditionWorker::RenditionWorker(RenditionPlan plan, WorkerOptions options, media::MediaSink& sink)
    : plan_(std::move(plan)),
      options_(std::move(options)),
      sink_(sink),
      clock_(options_.clock != nullptr ? *options_.clock : base::Clock::Real()),
      queue_(std::max<size_t>(1, options_.queue_frames), options_.queue_bytes),
      scaler_(plan_.width, plan_.height, options_.sws_flags),
      interleaver_(options_.audio_hold_ticks),
      watchdog_(options_.watchdog) {
  preset_ = options_.preset;
  stats_.name = plan_.name;
  stats_.preset = preset_;
}

RenditionWorker::~RenditionWorker() { Stop(); }

void RenditionWorker::Start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
}

void RenditionWorker::Stop() {
  queue_.Close();
  if (thread_.joinable()) thread_.join();
}

bool RenditionWorker::PushFrame(av::FramePtr frame, bool force_idr, int64_t anchor_dts,
                                bool segment_start) {
  Item item;
  item.kind = Kind::kFrame;
  item.frame = std::move(frame);
  item.force_idr = force_idr;
  item.segment_start = segment_start && force_idr;
  item.anchor_dts = anchor_dts;
  const PushMode mode = options_.block_when_full ? PushMode::kBlockIfFull
                        : force_idr              ? PushMode::kMustKeep
                                                 : PushMode::kDropIfFull;
  const bool taken = queue_.Push(std::move(item), Weight{.frames = 1, .bytes = 0}, mode);
  std::lock_guard lock(stats_mu_);
  if (taken) {
    ++stats_.frames_in;
  } else {
    ++stats_.frames_dropped;
    if (force_idr) ++stats_.idr_dropped;
    watchdog_.OnDrop(clock_.Now());
  }
  return taken;
}

void RenditionWorker::PushAudioConfig(const media::AudioTrackConfig& config) {
  Item item;
  item.kind = Kind::kAudioConfig;
  item.audio_config = config;
  PushControl(std::move(item), false);
}

void RenditionWorker::PushAudio(const media::AccessUnit& unit) {
  Item item;
  item.kind = Kind::kAudio;
  item.audio = unit;
  const size_t bytes = std::max<size_t>(1, unit.data.size());
  const PushMode mode = options_.block_when_full ? PushMode::kBlockIfFull : PushMode::kMustKeep;
  (void)queue_.Push(std::move(item), Weight{.frames = 0, .bytes = bytes}, mode);
}

void RenditionWorker::PushFlush(uint64_t flush_id, bool source_changed, bool must_deliver) {
  Item item;
  item.kind = Kind::kFlush;
  item.flush_id = flush_id;
  item.source_changed = source_changed;
  PushControl(std::move(item), must_deliver);
}

void RenditionWorker::PushControl(Item item, bool must_deliver) {
  const bool block = must_deliver || options_.block_when_full;
  if (!queue_.Push(std::move(item), kControlWeight,
                   block ? PushMode::kBlockIfFull : PushMode::kMustKeep)) {
    RecordError(base::ResourceExhausted("queue flooded with control items: one dropped"));
  }
}

RenditionStats RenditionWorker::Stats() const {
  RenditionStats copy;
  {
    std::lock_guard lock(stats_mu_);
    copy = stats_;
  }
  copy.queue_frames = queue_.frames();
  {
    std::lock_guard lock(stats_mu_);
    copy.realtime_speed = watchdog_.Speed().value_or(0);
  }
  copy.encode_speed = copy.busy_seconds > 0 ? copy.media_seconds / copy.busy_seconds : 0;
  return copy;
}

void RenditionWorker::Run() {
  while (std::optional<Item> item = queue_.Pop()) {
    switch (item->kind) {
      case Kind::kFrame:
        HandleFrame(std::move(*item));
        break;
      case Kind::kAudioConfig:
        HandleAudioConfig(item->audio_config);
        break;
      case Kind::kAudio: {
        std::vector<media::AccessUnit> out;
        interleaver_.AddAudio(std::move(item->audio), out);
        SendAudio(out);
        break;
      }
      case Kind::kFlush:
        HandleFlush(*item);
        break;
    }
  }
}

void RenditionWorker::HandleFrame(Item item) {
  const int64_t pts = item.frame->pts;
  if ((last_pts_ && pts <= *last_pts_) || encoder_failed_) {
    std::lock_guard lock(stats_mu_);
    ++stats_.frames_dropped;
    return;
  }
  if (paused_) {
    // Only a forced IDR (a segment boundary in every rendition) may resume.
    if (!item.force_idr || ApplyPauseDecision(item.anchor_dts)) {
      Skip(item);
      return;
    }
  } else if (!encoder_) {
    std::optional<double> rate = plan_.frame_rate;
    if (!rate && !first_frame_) {
      first_frame_ = std::move(item);  // wait for a second frame to measure the rate
      return;
    }
    if (!rate) rate = FrameRateFromInterval(pts - first_frame_->frame->pts);
    if (base::Status status = OpenEncoder(*rate, std::nullopt); !status.ok()) {
      RecordError(status);
      encoder_failed_ = true;  // until the next flush; pictures are dropped meanwhile
      first_frame_.reset();
      return;
    }
    if (first_frame_) {
      Item first = std::move(*first_frame_);
      first_frame_.reset();
      Encode(first);
    }
  } else if (item.force_idr) {
    if (ApplyPauseDecision(item.anchor_dts)) {
      Skip(item);
      return;
    }
    MaybeDegrade();
    if (item.segment_start && encoder_) RestartRateControl();
    if (!encoder_) {  // the faster encoder failed to open (recorded)
      std::lock_guard lock(stats_mu_);
      ++stats_.frames_dropped;
      return;
    }
  }
  Encode(item);
}

// At a forced IDR (a segment boundary in every rendition): when the watchdog says this
// rendition is behind, drain the encoder and open the next one with a faster preset, keeping
// the IDR dts anchoring so segment cuts stay where the other renditions' are.
void RenditionWorker::MaybeDegrade() {
  std::optional<std::string> faster = FasterPreset(preset_);
  if (!faster) return;
  std::optional<double> speed;
  {
    std::lock_guard lock(stats_mu_);
    const auto now = clock_.Now();
    if (!watchdog_.Behind(now)) return;
    speed = watchdog_.Speed();
    watchdog_.OnStep(now);
  }
  std::vector<media::AccessUnit> out;
  if (base::Status status = encoder_->Drain(out); !status.ok()) RecordError(status);
  EmitVideo(out);
  const std::optional<int64_t> anchor_offset = encoder_->anchor_offset();
  encoder_.reset();
  SC_LOG_WARN("transcode {}: behind real time (speed {:.2f}): x264 preset {} -> {}", plan_.name,
              speed.value_or(0), preset_, *faster);
  preset_ = *faster;
  {
    std::lock_guard lock(stats_mu_);
    stats_.preset = preset_;
    ++stats_.degradations;
  }
  if (options_.on_preset_step) options_.on_preset_step(preset_, speed.value_or(0));
  if (base::Status status = OpenEncoder(frame_rate_, anchor_offset); !status.ok()) {
    RecordError(status);
    encoder_failed_ = true;  // until the next flush, as at a first open
  }
}

// A switch point between the publisher's pictures and the slate's. x264's ABR keeps the
// whole encode's bit budget: during a slate (a still picture costs almost nothing) it saves up
// seconds of unspent bits, and after the return it spends them at VBV maxrate from a full VBV
// buffer — the first segments then run at ~1.5× the rung's rate, far above the BANDWIDTH the
// master declares. A fresh encoder with the same settings (same SPS/PPS: no new init segment,
// no discontinuity; the IDR dts anchoring continues) starts the new content with a clean budget.
void RenditionWorker::RestartRateControl() {
  std::vector<media::AccessUnit> out;
  if (base::Status status = encoder_->Drain(out); !status.ok()) RecordError(status);
  EmitVideo(out);
  const std::optional<int64_t> anchor_offset = encoder_->anchor_offset();
  encoder_.reset();
  if (base::Status status = OpenEncoder(frame_rate_, anchor_offset); !status.ok()) {
    RecordError(status);
    encoder_failed_ = true;  // until the next flush, as at a first open
  }
}

RungReport RenditionWorker::Report() {
  RungReport report;
  report.paused = paused_;
  report.exhausted = !FasterPreset(preset_).has_value();
  report.preset = preset_;
  std::lock_guard lock(stats_mu_);
  report.lagging = !paused_ && watchdog_.Lagging(clock_.Now());
  report.realtime_speed = watchdog_.Speed().value_or(0);
  report.encode_speed = watchdog_.EncodeSpeed().value_or(0);
  return report;
}

bool RenditionWorker::ApplyPauseDecision(int64_t anchor_dts) {
  if (!options_.at_idr) return paused_;
  const bool pause = options_.at_idr(Report());
  if (pause && !paused_) Pause(anchor_dts);
  if (!pause && paused_) Resume();
  return paused_;
}

// The picture in hand is a forced IDR: everything before it is a whole segment. The encoder
// drains into that segment (with the audio up to the IDR) before the packager is told.
void RenditionWorker::Pause(int64_t anchor_dts) {
  std::vector<media::AccessUnit> out;
  if (base::Status status = encoder_->Drain(out); !status.ok()) RecordError(status);
  EmitVideo(out);
  paused_anchor_offset_ = encoder_->anchor_offset();
  encoder_.reset();
  std::vector<media::AccessUnit> audio;
  interleaver_.BeforeVideo(anchor_dts - paused_anchor_offset_.value_or(0), audio);
  SendAudio(audio);
  paused_ = true;
  {
    std::lock_guard lock(stats_mu_);
    stats_.paused = true;
    ++stats_.pauses;
  }
  SC_LOG_WARN("transcode {}: paused to keep the ladder in real time", plan_.name);
  if (options_.on_paused) options_.on_paused(true);
}

// Same settings as the encoder drained at the pause (preset, rate, IDR anchoring): the same
// SPS/PPS, so the packager continues with its init segment and without a discontinuity.
void RenditionWorker::Resume() {
  paused_ = false;
  if (options_.on_paused) options_.on_paused(false);  // before the IDR reaches the sink
  {
    std::lock_guard lock(stats_mu_);
    stats_.paused = false;
    watchdog_.Restart();  // what it measured before the pause says nothing about now
  }
  const double rate = frame_rate_ > 0 ? frame_rate_ : plan_.frame_rate.value_or(kDefaultFrameRate);
  if (base::Status status = OpenEncoder(rate, paused_anchor_offset_); !status.ok()) {
    RecordError(status);
    paused_ = true;  // try again at the next forced IDR
    {
      std::lock_guard lock(stats_mu_);
      stats_.paused = true;
    }
    if (options_.on_paused) options_.on_paused(true);
    return;
  }
  SC_LOG_INFO("transcode {}: resumed", plan_.name);
}

// A picture of a paused rendition: no scaling, no encoding. The audio goes on at its pace
// (the paused packager drops it), so nothing stale is held when the rendition resumes.
void RenditionWorker::Skip(const Item& item) {
  last_pts_ = item.frame->pts;
  std::vector<media::AccessUnit> audio;
  interleaver_.BeforeVideo(item.anchor_dts - paused_anchor_offset_.value_or(0), audio);
  SendAudio(audio);
  std::lock_guard lock(stats_mu_);
  ++stats_.frames_skipped;
}

base::Status RenditionWorker::OpenEncoder(double frame_rate, std::optional<int64_t> anchor_offset) {
  EncoderSettings settings;
  settings.width = plan_.width;
  settings.height = plan_.height;
  settings.video_kbps = plan_.video_kbps;
  settings.maxrate_kbps = plan_.maxrate_kbps;
  settings.bufsize_kbits = plan_.bufsize_kbits;
  settings.frame_rate = frame_rate;
  settings.preset = preset_;
  settings.keep_profile = preset_ != options_.preset;  // a degradation step
  settings.anchor_offset = anchor_offset;
  settings.low_latency = options_.low_latency;
  settings.max_lookahead = options_.max_lookahead;
  settings.threads = options_.threads;
  settings.match = options_.match_video;
  SC_ASSIGN_OR_RETURN(encoder_, VideoEncoder::Open(settings));
  frame_rate_ = frame_rate;
  if (!sent_video_config_ || !(*sent_video_config_ == encoder_->config())) {
    sent_video_config_ = encoder_->config();
    sink_.OnVideoConfig(*sent_video_config_);
  }
  if (audio_config_ && !audio_config_sent_) SendAudioConfig();
  return base::Status::Ok();
}

void RenditionWorker::Encode(const Item& item) {
  const auto start = clock_.Now();
  // Taken from a full queue: the picture that left made room for exactly one more.
  const bool queue_full = queue_.frames() + 1 >= std::max<size_t>(1, options_.queue_frames);
  auto scaled = scaler_.Scale(*item.frame);
  if (!scaled.ok()) {
    RecordError(scaled.status());
    return;
  }
  if (item.segment_start) segment_start_pts_ = item.frame->pts;
  std::vector<media::AccessUnit> out;
  base::Status status = encoder_->Encode(**scaled, item.force_idr, item.anchor_dts, out);
  const auto end = clock_.Now();
  const int64_t pts = item.frame->pts;
  const double media_seconds =
      last_pts_
          ? static_cast<double>(std::min(pts - *last_pts_, kMaxFrameGapTicks)) / media::kTimescale
          : 0.0;
  {
    std::lock_guard lock(stats_mu_);
    stats_.busy_seconds += Seconds(end - start);
    stats_.media_seconds += media_seconds;
    watchdog_.OnEncoded(end, media_seconds, queue_full, Seconds(end - start));
  }
  last_pts_ = pts;
  if (!status.ok()) RecordError(status);
  EmitVideo(out);
}

void RenditionWorker::EmitVideo(std::vector<media::AccessUnit>& units) {
  for (media::AccessUnit& unit : units) {
    // Two encoders of one run (a preset step) must still give strictly increasing dts.
    if (last_video_dts_ && unit.dts <= *last_video_dts_ && *last_video_dts_ < unit.pts) {
      unit.dts = *last_video_dts_ + 1;
    }
    last_video_dts_ = unit.dts;
    if (segment_start_pts_ && unit.keyframe && unit.pts == *segment_start_pts_) {
      unit.segment_start = true;
      segment_start_pts_.reset();
    }
    std::vector<media::AccessUnit> audio;
    interleaver_.BeforeVideo(unit.dts, audio);
    SendAudio(audio);
    sink_.OnAccessUnit(unit);
    std::lock_guard lock(stats_mu_);
    ++stats_.frames_out;
    if (unit.keyframe) ++stats_.keyframes_out;
  }
}

void RenditionWorker::HandleAudioConfig(const media::AudioTrackConfig& config) {
  if (audio_config_ && *audio_config_ == config) return;
  audio_config_ = config;
  audio_config_sent_ = false;
  if (sent_video_config_) SendAudioConfig();
}

void RenditionWorker::SendAudioConfig() {
  sink_.OnAudioConfig(*audio_config_);
  audio_config_sent_ = true;
}

void RenditionWorker::SendAudio(std::vector<media::AccessUnit>& units) {
  if (units.empty()) return;
  // Normally the video config went first; audio forced out by the hold bound (no video for
  // seconds) may be the first thing this sink sees.
  if (audio_config_ && !audio_config_sent_) SendAudioConfig();
  for (const media::AccessUnit& unit : units) sink_.OnAccessUnit(unit);
  std::lock_guard lock(stats_mu_);
  stats_.audio_out += units.size();
}

void RenditionWorker::HandleFlush(const Item& item) {
  if (first_frame_ && !encoder_) {
    Item first = std::move(*first_frame_);
    first_frame_.reset();
    if (base::Status status = OpenEncoder(kDefaultFrameRate, std::nullopt); status.ok()) {
      Encode(first);
    } else {
      RecordError(status);
    }
  }
  if (encoder_) {
    std::vector<media::AccessUnit> out;
    if (base::Status status = encoder_->Drain(out); !status.ok()) RecordError(status);
    EmitVideo(out);
    encoder_.reset();  // libx264 cannot take frames after a drain: a new one opens on demand
  }
  std::vector<media::AccessUnit> audio;
  interleaver_.Drain(audio);
  SendAudio(audio);
  last_pts_.reset();
  last_video_dts_.reset();
  paused_anchor_offset_.reset();  // a paused rendition resumes on a fresh timeline
  encoder_failed_ = false;
  segment_start_pts_.reset();
  if (options_.resend_config_after_flush) {
    sent_video_config_.reset();
    audio_config_sent_ = false;
  }
  if (item.source_changed && options_.on_source_changed) options_.on_source_changed();
  flushed_id_.store(item.flush_id);
  if (options_.on_flushed) options_.on_flushed();
}

void RenditionWorker::RecordError(const base::Status& status) {
  uint64_t errors = 0;
  {
    std::lock_guard lock(stats_mu_);
    errors = ++stats_.errors;
    stats_.last_error = status.ToString();
  }
  // A broken input can fail every picture: log the first and then every 100th.
  if (errors == 1 || errors % 100 == 0) {
    SC_LOG_WARN("transcode {}: error #{}: {}", plan_.name, errors, status.ToString());
  }
}

}  // namespace steadycast::transcode
