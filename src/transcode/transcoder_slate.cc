// Transcoder: the reconnect-window hold, the slate and the broadcast timeline (transcoder.h).
#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "base/log.h"
#include "transcode/decode_stage.h"
#include "transcode/silent_audio.h"
#include "transcode/slate_picture.h"
#include "transcode/transcoder.h"

namespace steadycast::transcode {
namespace {

// Slate pictures per Tick() at most, in seconds of pictures: a timeline that is behind the
// wall clock (the slate starts ≥ 1 s after the last media) catches up at ≤ 1.5× real time
// (ticks every 100 ms), gently enough that the renditions' queues (8 pictures) never overflow
// and the real-time watchdog does not mistake the catch-up for an overload.
constexpr double kCatchUpSecondsPerTick = 0.15;
constexpr int64_t kMinFrameTicks = media::kTimescale / 120;
constexpr int64_t kMaxFrameTicks = media::kTimescale / 5;

// A picture shared read-only by the slate's queue items (freed with the last reference).
std::shared_ptr<const AVFrame> Shared(av::FramePtr frame) {
  return std::shared_ptr<const AVFrame>(frame.release(), [](const AVFrame* f) {
    AVFrame* owned = const_cast<AVFrame*>(f);
    av_frame_free(&owned);
  });
}

int64_t TicksOf(base::Clock::Duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count() * media::kTimescale /
         1'000'000;
}

}  // namespace

void Transcoder::Track(const media::AccessUnit& unit) {
  if (unit.kind == media::TrackKind::kVideo) {
    if (last_video_dts_) {
      const int64_t delta = unit.dts - *last_video_dts_;
      if (delta >= kMinFrameTicks && delta <= kMaxFrameTicks) video_frame_ticks_ = delta;
    }
    last_video_dts_ = unit.dts;
    max_video_pts_ = std::max(max_video_pts_.value_or(unit.pts), unit.pts);
  } else {
    last_audio_dts_ = unit.dts;
  }
}

// The output time right after everything sent so far.
int64_t Transcoder::NextVideoTime() const {
  int64_t last = std::max(max_video_pts_.value_or(0), last_video_dts_.value_or(0));
  return last + video_frame_ticks_;
}

void Transcoder::Hold() {
  if (!options_.slate.enabled || !decode_ || holding_) return;
  holding_ = true;
  holding_flag_ = true;
  slate_failed_ = false;
  ++holds_;
  // The publisher's last pictures still inside the decoder go out now; the encoders keep
  // their state (no flush: the timeline continues through the hold).
  SourceItem item;
  item.kind = SourceItem::Kind::kDrainDecoder;
  PushControl(std::move(item), true);
  if (video_config_) {
    const double rate = video_config_->frame_rate.value_or(0);
    if (rate >= 1 && rate <= 120) {
      video_frame_ticks_ = std::llround(media::kTimescale / rate);
    }
  }
}

void Transcoder::Tick() {
  if (!holding_ || slate_failed_) return;
  const auto now = clock_.Now();
  const auto silent_for = now - last_media_time_;
  if (!slate_active_) {
    if (std::chrono::duration<double>(silent_for).count() < options_.slate.start_after_seconds) {
      return;
    }
    if (!StartSlate()) return;
  }
  // The timeline runs on from the last media at real time.
  const int64_t due = slate_origin_ + TicksOf(silent_for);
  const double fps = static_cast<double>(media::kTimescale) / video_frame_ticks_;
  int budget = std::max(1, static_cast<int>(std::ceil(fps * kCatchUpSecondsPerTick)));
  while (next_slate_pts_ <= due && budget-- > 0) {
    EmitSlatePicture();
    while (!silence_.empty() && next_silence_dts_ < next_slate_pts_) EmitSilence();
  }
}

bool Transcoder::StartSlate() {
  auto fail = [this](std::string why) {
    slate_failed_ = true;
    SC_LOG_WARN("transcode: no slate for this hold: {}", why);
    std::lock_guard lock(slate_error_mu_);
    slate_error_ = std::move(why);
    return false;
  };
  if (!video_config_) return fail("the source has no video");
  // The picture at the source's size (even), rebuilt when the size changed.
  int width = video_config_->width / 2 * 2;
  int height = video_config_->height / 2 * 2;
  if (width < 2 || height < 2) {
    for (const RenditionPlan& r : plan_.renditions) {  // e.g. a source without a known size
      if (!r.passthrough && r.width * r.height > width * height) {
        width = r.width;
        height = r.height;
      }
    }
  }
  if (!slate_picture_ || width != slate_width_ || height != slate_height_) {
    auto picture = MakeSlatePicture(width, height, options_.slate.image_path);
    if (!picture.ok() && !options_.slate.image_path.empty()) {
      SC_LOG_WARN("transcode: slate image unusable ({}); showing the generated card",
                  picture.status().ToString());
      picture = MakeSlateCard(width, height, kDefaultSlateText);
    }
    if (!picture.ok()) return fail(picture.status().ToString());
    slate_picture_ = Shared(std::move(*picture));
    slate_width_ = width;
    slate_height_ = height;
  }
  // Silence that decodes under the source's audio configuration.
  if (audio_config_ && (!silence_config_ || !(*silence_config_ == *audio_config_))) {
    silence_config_ = audio_config_;
    auto silence = SilentAacFrame(*audio_config_);
    silence_ = silence.ok() ? *silence : base::Buffer();
    if (!silence.ok()) {
      SC_LOG_WARN("transcode: slate without audio: {}", silence.status().ToString());
    }
    audio_frame_ticks_ = audio_config_->samples_per_frame * media::kTimescale /
                         std::max(1, audio_config_->sample_rate);
  }
  slate_origin_ = NextVideoTime();
  next_slate_pts_ = slate_origin_;
  next_silence_dts_ = last_audio_dts_ ? *last_audio_dts_ + audio_frame_ticks_ : slate_origin_;
  // Silence up to the slate's first picture goes to the passthrough rendition now, before the
  // slate's configuration closes its segment there (audio before a segment's first keyframe
  // would be dropped: a hole in the audio track).
  while (!silence_.empty() && next_silence_dts_ < slate_origin_) EmitSilence(true);
  SourceItem begin;
  begin.kind = SourceItem::Kind::kSlateBegin;
  begin.slate_worker = SlateWorker();
  if (audio_config_ && !silence_.empty()) {
    begin.audio_config = *audio_config_;
    begin.has_audio_config = true;
  }
  PushControl(std::move(begin), true);
  slate_cadence_.Reset();
  slate_active_ = true;
  slate_flag_ = true;
  {
    std::lock_guard lock(slate_error_mu_);
    slate_error_.clear();
  }
  SC_LOG_INFO("transcode: slate on ({}x{}{})", width, height,
              silence_.empty() ? ", no audio" : ", silent audio");
  return true;
}

// The passthrough rendition's slate encoder for the current source size (nullptr without a
// passthrough rendition).
RenditionWorker* Transcoder::SlateWorker() {
  if (passthrough_sink_ == nullptr) return nullptr;
  // The source's codec string, so the passthrough variant's CODECS stays true through the
  // slate (players read it once; a second avc1 entry would break MSE players).
  std::optional<H264Signature> match;
  if (video_config_ && video_config_->codec == media::Codec::kH264) {
    match = H264Signature{video_config_->profile_idc, video_config_->constraint_flags,
                          video_config_->level_idc};
  }
  for (const auto& worker : slate_workers_) {
    if (worker->plan().width == slate_width_ && worker->plan().height == slate_height_ &&
        worker->match_video() == match) {
      return slate_worker_ = worker.get();
    }
  }
  RenditionPlan plan;
  plan.name = "src";
  plan.width = slate_width_;
  plan.height = slate_height_;
  plan.video_kbps = std::max(100, options_.slate.passthrough_kbps);
  plan.maxrate_kbps = plan.video_kbps * 11 / 10;
  plan.bufsize_kbits = plan.maxrate_kbps * 2;
  plan.frame_rate = static_cast<double>(media::kTimescale) / video_frame_ticks_;
  WorkerOptions w;
  w.preset = options_.preset;
  // No reordering: the slate's first IDR then has dts = pts, so the passthrough packager,
  // which continues its output decode time across the discontinuity into the slate, leaves
  // no presentation hole there (with B-frames it would be the reorder delay, ~2 frames).
  w.low_latency = true;
  w.threads = 1;
  w.queue_frames = options_.rendition_queue_frames;
  w.audio_hold_ticks = static_cast<int64_t>(options_.audio_hold_seconds * media::kTimescale);
  w.block_when_full = options_.block_when_full;
  w.clock = options_.clock;
  w.watchdog.enabled = false;  // a still picture is cheap
  w.match_video = match;
  // Between slates the packager gets the source's configuration: each slate re-announces its.
  w.resend_config_after_flush = true;
  w.on_flushed = [this] {
    std::lock_guard lock(flush_mu_);
    flush_cv_.notify_all();
  };
  slate_workers_.push_back(
      std::make_unique<RenditionWorker>(plan, std::move(w), *passthrough_sink_));
  slate_workers_.back()->Start();
  return slate_worker_ = slate_workers_.back().get();
}

void Transcoder::EmitSlatePicture() {
  av::FramePtr copy = av::CloneFrame(*slate_picture_);
  if (!copy) return;
  copy->pts = next_slate_pts_;
  const bool first = next_slate_pts_ == slate_origin_;
  SourceItem item;
  item.kind = SourceItem::Kind::kSlatePicture;
  item.force_idr = slate_cadence_.OnFrame(next_slate_pts_) || first;
  item.segment_start = first;
  item.picture = Shared(std::move(copy));
  const PushMode mode = options_.block_when_full ? PushMode::kBlockIfFull
                        : item.force_idr         ? PushMode::kMustKeep
                                                 : PushMode::kDropIfFull;
  if (decode_->Push(std::move(item), Weight{.frames = 1, .bytes = 0}, mode)) {
    max_video_pts_ = std::max(max_video_pts_.value_or(next_slate_pts_), next_slate_pts_);
    last_video_dts_ = next_slate_pts_;
  }
  next_slate_pts_ += video_frame_ticks_;
}

void Transcoder::EmitSilence(bool passthrough_too) {
  media::AccessUnit unit;
  unit.kind = media::TrackKind::kAudio;
  unit.codec = media::Codec::kAac;
  unit.pts = unit.dts = next_silence_dts_;
  unit.keyframe = true;
  unit.data = silence_;
  next_silence_dts_ += audio_frame_ticks_;
  last_audio_dts_ = unit.dts;
  if (passthrough_too && passthrough_sink_ != nullptr) passthrough_sink_->OnAccessUnit(unit);
  SourceItem item;
  item.kind = SourceItem::Kind::kAudio;
  item.slate = true;
  item.unit = std::move(unit);
  const PushMode mode = options_.block_when_full ? PushMode::kBlockIfFull : PushMode::kMustKeep;
  (void)decode_->Push(std::move(item), Weight{.frames = 0, .bytes = silence_.size()}, mode);
}

void Transcoder::EndSlate() {
  if (!slate_active_) return;
  slate_active_ = false;
  slate_flag_ = false;
  RenditionWorker* worker = slate_worker_;
  SourceItem end;
  end.kind = SourceItem::Kind::kSlateEnd;
  end.flush_id = next_flush_id_++;
  const uint64_t id = end.flush_id;
  PushControl(std::move(end), true);
  if (worker == nullptr) return;
  // The passthrough rendition's slate must be out before the source is written into the
  // same packager from this thread.
  std::unique_lock lock(flush_mu_);
  flush_cv_.wait(lock, [&] { return worker->flushed_id() >= id; });
}

void Transcoder::Resume(const media::AccessUnit& keyframe) {
  // The keyframe continues the timeline: right after the slate, or after the last media.
  const bool slate_was_on = slate_active_;
  const int64_t target = slate_was_on ? next_slate_pts_ : NextVideoTime();
  offset_ = target - keyframe.dts;
  EndSlate();
  fill_silence_ = slate_was_on && !silence_.empty();
  holding_ = false;
  holding_flag_ = false;
  if (pending_audio_config_) {
    const media::AudioTrackConfig audio = *std::exchange(pending_audio_config_, std::nullopt);
    OnAudioConfig(audio);
  }
  // The slate gave the passthrough rendition a configuration of its own: it gets the
  // source's again (a new one, or the one from before the hold).
  std::optional<media::VideoTrackConfig> video = std::exchange(pending_video_config_, std::nullopt);
  const bool changed = video && !(video_config_ && *video_config_ == *video);
  if (!video) video = video_config_;
  if (passthrough_sink_ != nullptr && video && (changed || slate_was_on)) {
    passthrough_sink_->OnVideoConfig(*video);
  }
  if (changed) {
    video_config_ = video;
    SourceItem item;
    item.kind = SourceItem::Kind::kVideoConfig;
    item.video_config = *video;
    PushControl(std::move(item), false);
  }
  cut_mirror_.Reset();  // the keyframe is a cut in every rendition
  last_keyframe_dts_.reset();
  skip_until_keyframe_ = false;
}

}  // namespace steadycast::transcode
