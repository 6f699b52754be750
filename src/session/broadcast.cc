#include "session/broadcast.h"

#include "session/broadcast_finisher.h"

#include "base/log.h"

namespace steadycast::session {
namespace {

transcode::LadderPlan PassthroughPlan(const std::optional<media::VideoTrackConfig>& video) {
  transcode::LadderPlan plan;
  transcode::RenditionPlan src;
  src.name = "src";
  src.passthrough = true;
  if (video) {
    src.width = video->width;
    src.height = video->height;
    src.frame_rate = video->frame_rate;
  }
  plan.renditions.push_back(src);
  return plan;
}

}  // namespace

std::unique_ptr<Broadcast> Broadcast::Create(const BroadcastOptions& options, base::Clock& clock,
                                             const std::string& ladder_json,
                                             const std::string& latency_mode,
                                             const std::optional<media::VideoTrackConfig>& video) {
  std::unique_ptr<Broadcast> broadcast(new Broadcast());
  broadcast->finisher_ = options.finisher;
  // Plan: the stream's ladder when there is video to transcode, else the source alone.
  broadcast->plan_ = PassthroughPlan(video);
  if (options.transcoding_enabled && video) {
    auto setting = transcode::ParseLadderSetting(ladder_json);
    if (!setting.ok()) {
      broadcast->warnings_.push_back("ladder setting unreadable (" +
                                     std::string(setting.status().message()) +
                                     "): passthrough only");
    } else if (setting->kind != transcode::LadderKind::kPassthrough) {
      auto plan = transcode::PlanLadder(*setting, *video, {}, options.ladder);
      if (plan.ok() && plan->transcoded_count() > 0) {
        broadcast->plan_ = std::move(*plan);
      } else if (!plan.ok()) {
        broadcast->warnings_.push_back("ladder cannot be planned (" +
                                       std::string(plan.status().message()) +
                                       "): passthrough only");
      } else {
        broadcast->warnings_ = plan->warnings;
      }
    }
  }
  for (const std::string& w : broadcast->plan_.warnings) broadcast->warnings_.push_back(w);

  package::PackagerOptions packager_options = options.packager;
  packager_options.part_target_seconds =
      latency_mode == "low" ? options.low_latency_part_seconds : 0;
  std::vector<package::RenditionSpec> specs;
  for (const auto& r : broadcast->plan_.renditions) specs.push_back({r.name});
  auto packager = package::StreamPackager::Create(packager_options, specs, clock);
  if (!packager.ok()) {  // unreachable with planner names; keep the stream alive regardless
    broadcast->warnings_.push_back("packager: " + packager.status().ToString());
    broadcast->plan_ = PassthroughPlan(video);
    packager = package::StreamPackager::Create(packager_options, {{"src"}}, clock);
  }
  broadcast->packager_ = std::shared_ptr<package::StreamPackager>(std::move(*packager));

  if (broadcast->plan_.transcoded_count() > 0) {
    transcode::TranscoderOptions topts = options.transcoder;
    topts.target_segment_seconds = options.packager.target_segment_seconds;
    topts.timeline_break_seconds = options.packager.max_segment_seconds;
    topts.latency_mode =
        latency_mode == "low" ? transcode::LatencyMode::kLow : transcode::LatencyMode::kStandard;
    if (topts.clock == nullptr) topts.clock = &clock;  // tests may give the transcoder its own
    topts.slate.enabled = true;  // used when a loss asks for it (the stream's setting then)
    // The source's configuration changed mid-broadcast (without a publisher loss): the
    // passthrough rendition cuts on its own config change; each transcoded one is cut here,
    // after its encoder delivered everything of the old configuration.
    std::weak_ptr<package::StreamPackager> weak = broadcast->packager_;
    topts.on_source_changed = [weak](size_t index) {
      if (auto packager = weak.lock()) packager->OnRenditionDiscontinuity(index);
    };
    // Degradation step 2: a paused rung stops encoding at a forced IDR; its playlist lists
    // EXT-X-GAP entries in step with the others until it resumes at a later forced IDR.
    topts.on_rendition_paused = [weak](size_t index, bool paused) {
      if (auto packager = weak.lock()) packager->SetRenditionPaused(index, paused);
    };
    std::vector<media::MediaSink*> sinks;
    for (size_t i = 0; i < broadcast->plan_.renditions.size(); ++i) {
      sinks.push_back(&broadcast->packager_->Rendition(i));
    }
    base::Result<std::unique_ptr<transcode::LadderTranscoder>> transcoder =
        base::Status(base::Internal("no transcoder"));
    if (options.transcoder_factory) {
      transcoder = options.transcoder_factory(broadcast->plan_, topts, sinks);
    } else {
      auto local = transcode::Transcoder::Create(broadcast->plan_, topts, sinks);
      if (local.ok()) {
        transcoder = std::unique_ptr<transcode::LadderTranscoder>(std::move(*local));
      } else {
        transcoder = std::move(local).status();
      }
    }
    if (transcoder.ok()) {
      broadcast->transcoder_ = std::move(*transcoder);
    } else {
      // Without a transcoder only a passthrough rendition can be fed: start over with it.
      broadcast->warnings_.push_back("transcoder unavailable (" + transcoder.status().ToString() +
                                     "): passthrough only");
      broadcast->plan_ = PassthroughPlan(video);
      auto single = package::StreamPackager::Create(packager_options, {{"src"}}, clock);
      if (single.ok())
        broadcast->packager_ = std::shared_ptr<package::StreamPackager>(std::move(*single));
    }
  }
  for (const std::string& w : broadcast->warnings_) SC_LOG_WARN("broadcast: {}", w);
  return broadcast;
}

Broadcast::~Broadcast() { End(); }

media::MediaSink& Broadcast::Input() {
  if (transcoder_) return *transcoder_;
  return packager_->Rendition(0);
}

void Broadcast::Discontinuity(bool slate) {
  if (ended_) return;
  if (transcoder_ && slate) {
    transcoder_->Hold();
    return;
  }
  if (transcoder_) transcoder_->Flush();
  packager_->OnDiscontinuity();
}

void Broadcast::Tick() {
  if (!ended_ && transcoder_) transcoder_->Tick();
}

void Broadcast::End() {
  if (ended_) return;
  ended_ = true;
  // Drain, keep the final figures, ENDLIST, stop the transcoder's threads: on the finisher's
  // thread when there is a transcoder to drain and a finisher, else here. std::function needs
  // a copyable job, so the transcoder moves into a shared_ptr.
  std::shared_ptr<transcode::LadderTranscoder> transcoder = std::move(transcoder_);
  auto finish = [transcoder, packager = packager_, final = final_]() mutable {
    if (transcoder) {
      transcoder->Flush();
      KeepFinalFigures(*transcoder, *final);
    }
    packager->OnEndOfStream();
    transcoder.reset();  // the packager keeps the final playlist
  };
  if (transcoder && finisher_) {
    finisher_->Post(std::move(finish));
  } else {
    finish();
  }
}

void Broadcast::KeepFinalFigures(const transcode::LadderTranscoder& transcoder,
                                 FinalFigures& final) {
  transcode::TranscoderStats stats = transcoder.Stats();
  transcode::DegradationState degradation = transcoder.Degradation();
  std::lock_guard lock(final.mu);
  final.stats = std::move(stats);
  final.degradation = std::move(degradation);
}

std::optional<transcode::TranscoderStats> Broadcast::TranscoderStats() const {
  if (transcoder_) return transcoder_->Stats();
  std::lock_guard lock(final_->mu);
  return final_->stats;
}

std::optional<transcode::DegradationState> Broadcast::Degradation() const {
  if (transcoder_) return transcoder_->Degradation();
  std::lock_guard lock(final_->mu);
  return final_->degradation;
}

}  // namespace steadycast::session
