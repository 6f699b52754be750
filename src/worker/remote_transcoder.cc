#include "worker/remote_transcoder.h"

#include <fmt/format.h>

#include "base/log.h"
#include "net/child_process.h"
#include "transcode/worker_config.h"
#include "worker/stats_json.h"

namespace steadycast::worker {
namespace {

namespace wl = formats::worker_link;
using Time = base::Clock::MonotonicTime;

// A restart stays the health reason this long after the worker came back.
constexpr std::chrono::seconds kRestartReasonHold{30};

int64_t Ticks(double seconds) { return static_cast<int64_t>(seconds * 90000.0); }

}  // namespace

struct RemoteTranscoder::Instance {
  std::unique_ptr<net::ChildProcess> child;
  std::thread reader;
  std::thread writer;
  std::atomic<bool> stop{false};
};

base::Result<std::unique_ptr<RemoteTranscoder>> RemoteTranscoder::Create(
    transcode::LadderPlan plan, transcode::TranscoderOptions options,
    std::vector<media::MediaSink*> sinks, RemoteTranscoderOptions remote) {
  if (plan.transcoded_count() == 0) return base::InvalidArgument("nothing to transcode");
  if (sinks.size() != plan.renditions.size()) {
    return base::InvalidArgument("one sink per rendition is needed");
  }
  for (media::MediaSink* sink : sinks) {
    if (sink == nullptr) return base::InvalidArgument("a rendition sink is null");
  }
  if (plan.renditions.size() >= wl::kSourceTrack)
    return base::InvalidArgument("too many renditions");
  std::unique_ptr<RemoteTranscoder> t(
      new RemoteTranscoder(std::move(plan), std::move(options), std::move(sinks), remote));
  {
    // The first worker starts now, so the broadcast's first keyframe already queues for it.
    std::lock_guard lock(t->mu_);
    t->StartWorker(t->clock_.Now());
  }
  t->supervisor_ = std::thread([raw = t.get()] { raw->Supervise(); });
  return t;
}

RemoteTranscoder::RemoteTranscoder(transcode::LadderPlan plan, transcode::TranscoderOptions options,
                                   std::vector<media::MediaSink*> sinks,
                                   RemoteTranscoderOptions remote)
    : plan_(std::move(plan)),
      options_(std::move(options)),
      remote_(std::move(remote)),
      clock_(remote_.clock ? *remote_.clock : base::Clock::Real()),
      sinks_(std::move(sinks)),
      cut_mirror_(Ticks(options_.target_segment_seconds), Ticks(options_.timeline_break_seconds)),
      queue_(remote_.queue),
      policy_(remote_.restart),
      hang_(remote_.hang_timeout),
      outage_paused_(plan_.renditions.size(), false),
      degrader_paused_(plan_.renditions.size(), false) {
  for (size_t i = 0; i < plan_.renditions.size(); ++i) {
    if (plan_.renditions[i].passthrough && passthrough_index_ == SIZE_MAX) passthrough_index_ = i;
  }
  configure_json_ = transcode::WorkerConfigToJson(plan_, options_);
}

RemoteTranscoder::~RemoteTranscoder() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  flushed_cv_.notify_all();
  if (supervisor_.joinable()) supervisor_.join();
}

// --- publisher side ---------------------------------------------------------------------

void RemoteTranscoder::PassthroughWrite(const std::function<void(media::MediaSink&)>& write,
                                        bool from_worker) {
  if (passthrough_index_ == SIZE_MAX) return;
  std::lock_guard lock(passthrough_mu_);
  if (from_worker != passthrough_from_worker_) return;
  if (from_worker) passthrough_got_slate_ = true;
  write(*sinks_[passthrough_index_]);
}

bool RemoteTranscoder::Send(const wl::Message& message, FrameClass kind) {
  std::vector<uint8_t> frame;
  if (const base::Status s = wl::Encode(message, frame); !s.ok()) {
    SC_LOG_WARN("transcoder worker link: {}", s.ToString());
    return false;
  }
  bool queued = false;
  {
    std::lock_guard lock(mu_);
    if (!instance_) return false;
    queued = queue_.Push(std::move(frame), kind);
  }
  cv_.notify_all();
  return queued;
}

void RemoteTranscoder::OnVideoConfig(const media::VideoTrackConfig& config) {
  if (holding_) {
    pending_pt_video_ = config;
  } else {
    PassthroughWrite([&](media::MediaSink& s) { s.OnVideoConfig(config); }, false);
  }
  cut_mirror_.Reset();
  {
    std::lock_guard lock(mu_);
    source_video_ = config;
  }
  Send(wl::VideoConfig{.config = config}, FrameClass::kControl);
}

void RemoteTranscoder::OnAudioConfig(const media::AudioTrackConfig& config) {
  if (holding_) {
    pending_pt_audio_ = config;
  } else {
    PassthroughWrite([&](media::MediaSink& s) { s.OnAudioConfig(config); }, false);
  }
  cut_mirror_.Reset();
  {
    std::lock_guard lock(mu_);
    source_audio_ = config;
  }
  Send(wl::AudioConfig{.config = config}, FrameClass::kControl);
}

void RemoteTranscoder::OnAccessUnit(const media::AccessUnit& unit) {
  const bool video = unit.kind == media::TrackKind::kVideo;
  // The source rendition, straight from here. After a hold, nothing before the returning
  // publisher's first keyframe (as in-process); the slate's configuration is replaced by the
  // source's there.
  if (holding_ && video && unit.keyframe) {
    holding_ = false;
    {
      std::lock_guard state(mu_);
      hold_requested_ = false;
    }
    std::lock_guard lock(passthrough_mu_);
    passthrough_from_worker_ = false;
    if (passthrough_index_ != SIZE_MAX) {
      media::MediaSink& pt = *sinks_[passthrough_index_];
      std::optional<media::VideoTrackConfig> v = pending_pt_video_;
      std::optional<media::AudioTrackConfig> a = pending_pt_audio_;
      if (passthrough_got_slate_) {
        std::lock_guard state(mu_);
        if (!v) v = source_video_;
        if (!a) a = source_audio_;
      }
      if (v) pt.OnVideoConfig(*v);
      if (a) pt.OnAudioConfig(*a);
    }
    pending_pt_video_.reset();
    pending_pt_audio_.reset();
  }
  if (!holding_) PassthroughWrite([&](media::MediaSink& s) { s.OnAccessUnit(unit); }, false);

  // The worker: video only from a keyframe the passthrough cuts at after any gap.
  bool cut = false;
  if (video) {
    if (cut_mirror_.IsTimelineBreak(unit)) cut_mirror_.Reset();
    cut = passthrough_index_ != SIZE_MAX ? cut_mirror_.OnSourceVideo(unit) : unit.keyframe;
  }
  {
    std::lock_guard lock(mu_);
    if (!instance_) return;
    if (video && need_cut_ && !(unit.keyframe && cut)) return;
  }
  std::vector<uint8_t> frame;
  if (!wl::Encode(wl::AccessUnit{.unit = unit}, frame).ok()) return;
  {
    std::lock_guard lock(mu_);
    if (!instance_) return;
    const FrameClass kind = !video          ? FrameClass::kAudio
                            : unit.keyframe ? FrameClass::kVideoKeyframe
                                            : FrameClass::kVideo;
    if (queue_.Push(std::move(frame), kind)) {
      if (video) {
        need_cut_ = false;
        hang_.OnVideoSent(clock_.Now());
      }
    } else if (video) {
      need_cut_ = true;
      ++link_video_dropped_;
    }
  }
  cv_.notify_all();
}

void RemoteTranscoder::Hold() {
  holding_ = true;
  {
    std::lock_guard lock(passthrough_mu_);
    passthrough_from_worker_ = true;
    passthrough_got_slate_ = false;
  }
  {
    std::lock_guard lock(mu_);
    hold_requested_ = true;
  }
  Send(wl::Control{.command = wl::Command::kHold}, FrameClass::kControl);
}

void RemoteTranscoder::Flush() {
  // A flush ends a hold (as in-process): the source rendition is fed from here again, with
  // the configuration a returning publisher announced meanwhile.
  if (holding_) {
    holding_ = false;
    std::lock_guard lock(passthrough_mu_);
    passthrough_from_worker_ = false;
    if (passthrough_index_ != SIZE_MAX) {
      media::MediaSink& pt = *sinks_[passthrough_index_];
      if (pending_pt_video_) pt.OnVideoConfig(*pending_pt_video_);
      if (pending_pt_audio_) pt.OnAudioConfig(*pending_pt_audio_);
    }
  }
  pending_pt_video_.reset();
  pending_pt_audio_.reset();
  uint64_t answered = 0;
  const Instance* instance = nullptr;
  {
    std::lock_guard lock(mu_);
    hold_requested_ = false;
    if (!instance_) return;
    answered = flushes_answered_;
    instance = instance_.get();
  }
  Send(wl::Control{.command = wl::Command::kFlush}, FrameClass::kControl);
  std::unique_lock lock(mu_);
  flushed_cv_.wait_for(lock, remote_.flush_timeout, [&] {
    return stopping_ || flushes_answered_ > answered || instance_.get() != instance;
  });
  cut_mirror_.Reset();
}

// --- supervision ------------------------------------------------------------------------

void RemoteTranscoder::Supervise() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, std::chrono::milliseconds(50));
    if (stopping_) break;
    const Time now = clock_.Now();
    if (instance_) {
      std::optional<std::string> why = failure_;
      std::optional<std::string> ended = instance_->child->TryReap();
      if (why && !ended) {  // the link broke: the exit status explains better, if it comes
        lock.unlock();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        lock.lock();
        if (!instance_) continue;
        ended = instance_->child->TryReap();
      }
      if (ended) why = "worker " + *ended + (why ? " (" + *why + ")" : "");
      if (!why && hang_.Hung(now)) {
        why = fmt::format("worker hung (no output for {} ms while video went in)",
                          remote_.hang_timeout.count());
      }
      if (why) OnFailure(now, *why);
    } else if (policy_.RestartDue(now)) {
      StartWorker(now);
    }
  }
  lock.unlock();
  StopWorker();
}

void RemoteTranscoder::StartWorker(Time now) {
  const bool restart = policy_.state() == RestartPolicy::State::kBackingOff;
  net::ChildSpec spec{.executable = remote_.executable,
                      .args = remote_.args,
                      .nice = remote_.nice,
                      .address_space_bytes = remote_.memory_mb * 1024 * 1024};
  auto child = net::ChildProcess::Spawn(spec);
  if (!child.ok()) {
    if (restart) policy_.OnStarted();
    OnFailure(now, "cannot start the worker: " + child.status().ToString());
    return;
  }
  auto instance = std::make_unique<Instance>();
  instance->child = std::move(*child);
  pid_ = instance->child->pid();
  queue_.Clear();
  failure_.reset();
  hang_.Reset();
  need_cut_ = true;
  const auto push = [this](const wl::Message& m) {
    std::vector<uint8_t> frame;
    if (wl::Encode(m, frame).ok()) queue_.Push(std::move(frame), FrameClass::kControl);
  };
  push(wl::Hello{.role = "server"});
  push(wl::Configure{.json = configure_json_});
  if (source_video_) push(wl::VideoConfig{.config = *source_video_});
  if (source_audio_) push(wl::AudioConfig{.config = *source_audio_});
  // A worker restarted while the publisher is away shows the slate again (the source
  // rendition takes the slate from it until the publisher's first keyframe).
  if (hold_requested_) push(wl::Control{.command = wl::Command::kHold});
  if (restart) {
    policy_.OnStarted();
    last_restart_ = now;
    SC_LOG_WARN("transcoder worker restarted (pid {}, restart {})", pid_, policy_.restarts());
  }
  Instance* raw = instance.get();
  instance_ = std::move(instance);
  raw->reader = std::thread([this, raw] { ReadLoop(raw); });
  raw->writer = std::thread([this, raw] { WriteLoop(raw); });
}

// The supervisor's exit path (mu_ not held).
void RemoteTranscoder::StopWorker() {
  std::unique_ptr<Instance> instance;
  {
    std::lock_guard lock(mu_);
    instance = std::move(instance_);
    pid_ = 0;
  }
  if (!instance) return;
  instance->stop = true;
  instance->child->Kill();
  instance->child->link().Shutdown();
  cv_.notify_all();
  flushed_cv_.notify_all();
  if (instance->reader.joinable()) instance->reader.join();
  if (instance->writer.joinable()) instance->writer.join();
  instance->child.reset();  // reaps
}

void RemoteTranscoder::OnFailure(Time now, const std::string& why) {
  // mu_ is held (by the supervisor's unique_lock): the instance is taken out under it, the
  // threads are joined without it.
  std::unique_ptr<Instance> instance = std::move(instance_);
  pid_ = 0;
  last_failure_ = why;
  failure_.reset();
  queue_.Clear();
  hang_.Reset();
  need_cut_ = true;
  if (instance) {
    instance->stop = true;
    instance->child->Kill();
    instance->child->link().Shutdown();
    cv_.notify_all();
    flushed_cv_.notify_all();
    mu_.unlock();
    if (instance->reader.joinable()) instance->reader.join();
    if (instance->writer.joinable()) instance->writer.join();
    instance->child.reset();
    mu_.lock();
  }
  for (size_t i = 0; i < plan_.renditions.size(); ++i) {
    if (!plan_.renditions[i].passthrough) PauseForOutage(i);
  }
  if (policy_.OnFailure(now) == RestartPolicy::State::kGaveUp) {
    SC_LOG_ERROR("transcoder worker: {}; {} failures within {} s: passthrough only", why,
                 policy_.failures_in_window(now), remote_.restart.window.count() / 1000);
  } else {
    SC_LOG_WARN("transcoder worker: {}; restarting in {} ms", why,
                policy_.current_backoff().count());
  }
}

void RemoteTranscoder::PauseForOutage(size_t index) {
  if (outage_paused_[index]) return;
  outage_paused_[index] = true;
  if (!degrader_paused_[index] && options_.on_rendition_paused) {
    options_.on_rendition_paused(index, true);
  }
}

void RemoteTranscoder::WriteLoop(Instance* instance) {
  std::deque<std::vector<uint8_t>> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(100),
                   [&] { return instance->stop.load() || queue_.frames() > 0; });
      if (instance->stop) return;
      queue_.TakeAll(batch);
    }
    for (const auto& frame : batch) {
      if (const base::Status s = instance->child->link().WriteAll(frame); !s.ok()) {
        std::lock_guard lock(mu_);
        if (!instance->stop && !failure_) failure_ = s.message();
        cv_.notify_all();
        return;
      }
    }
    batch.clear();
  }
}

void RemoteTranscoder::ReadLoop(Instance* instance) {
  wl::Decoder decoder;
  std::vector<uint8_t> buffer(size_t{256} * 1024);
  std::vector<wl::Message> messages;
  const auto fail = [&](const std::string& why) {
    std::lock_guard lock(mu_);
    if (!instance->stop && !failure_) failure_ = why;
    cv_.notify_all();
  };
  while (!instance->stop) {
    auto n = instance->child->link().Read(buffer, std::chrono::milliseconds(100));
    if (!n.ok()) return fail(n.status().message());
    if (*n == 0) continue;
    messages.clear();
    const base::Status fed = decoder.Feed(std::span(buffer.data(), *n), messages);
    for (wl::Message& m : messages) {
      if (instance->stop) return;
      Dispatch(instance, m);
    }
    if (!fed.ok()) return fail("bad link data: " + fed.message());
  }
}

void RemoteTranscoder::Dispatch(Instance* instance, wl::Message& message) {
  const auto fail = [&](const std::string& why) {
    std::lock_guard lock(mu_);
    if (!instance->stop && !failure_) failure_ = why;
    cv_.notify_all();
  };
  const auto valid = [&](uint8_t r) { return r < sinks_.size(); };
  if (auto* hello = std::get_if<wl::Hello>(&message)) {
    if (hello->role != "transcode") fail("unexpected hello role " + hello->role);
  } else if (auto* v = std::get_if<wl::VideoConfig>(&message)) {
    if (!valid(v->rendition)) return fail("output for an unknown rendition");
    if (v->rendition == passthrough_index_) {
      PassthroughWrite([&](media::MediaSink& s) { s.OnVideoConfig(v->config); }, true);
    } else {
      sinks_[v->rendition]->OnVideoConfig(v->config);
    }
  } else if (auto* a = std::get_if<wl::AudioConfig>(&message)) {
    if (!valid(a->rendition)) return fail("output for an unknown rendition");
    if (a->rendition == passthrough_index_) {
      PassthroughWrite([&](media::MediaSink& s) { s.OnAudioConfig(a->config); }, true);
    } else {
      sinks_[a->rendition]->OnAudioConfig(a->config);
    }
  } else if (auto* u = std::get_if<wl::AccessUnit>(&message)) {
    const uint8_t r = u->rendition;
    if (!valid(r)) return fail("output for an unknown rendition");
    if (r == passthrough_index_) {
      PassthroughWrite([&](media::MediaSink& s) { s.OnAccessUnit(u->unit); }, true);
      return;
    }
    bool resume = false;
    {
      std::lock_guard lock(mu_);
      hang_.OnOutput(clock_.Now());
      if (outage_paused_[r]) {
        // A restarted worker: the rendition comes back at its first IDR.
        if (u->unit.kind != media::TrackKind::kVideo || !u->unit.keyframe) return;
        outage_paused_[r] = false;
        resume = !degrader_paused_[r];
      }
    }
    if (resume && options_.on_rendition_paused) options_.on_rendition_paused(r, false);
    sinks_[r]->OnAccessUnit(u->unit);
  } else if (auto* e = std::get_if<wl::Event>(&message)) {
    if (e->kind == wl::EventKind::kFlushed) {
      std::lock_guard lock(mu_);
      ++flushes_answered_;
      flushed_cv_.notify_all();
      return;
    }
    if (e->kind == wl::EventKind::kFailed) return fail("worker failed: " + e->detail);
    if (!valid(e->rendition)) return fail("event for an unknown rendition");
    if (e->kind == wl::EventKind::kSourceChanged) {
      if (options_.on_source_changed) options_.on_source_changed(e->rendition);
    } else {
      const bool paused = e->kind == wl::EventKind::kRenditionPaused;
      bool tell = false;
      {
        std::lock_guard lock(mu_);
        degrader_paused_[e->rendition] = paused;
        tell = !outage_paused_[e->rendition];
      }
      if (tell && options_.on_rendition_paused) options_.on_rendition_paused(e->rendition, paused);
    }
  } else if (auto* s = std::get_if<wl::Stats>(&message)) {
    auto stats = StatsFromJson(s->json);
    if (stats.ok()) {
      std::lock_guard lock(mu_);
      worker_stats_ = std::move(*stats);
    }
  }
}

// --- figures ----------------------------------------------------------------------------

transcode::TranscoderStats RemoteTranscoder::Stats() const {
  std::lock_guard lock(mu_);
  transcode::TranscoderStats s = worker_stats_;
  if (s.renditions.size() != plan_.renditions.size()) {
    s.renditions.assign(plan_.renditions.size(), {});
    for (size_t i = 0; i < plan_.renditions.size(); ++i) {
      s.renditions[i].name = plan_.renditions[i].name;
      s.renditions[i].passthrough = plan_.renditions[i].passthrough;
    }
  }
  for (size_t i = 0; i < s.renditions.size(); ++i) {
    if (outage_paused_[i]) s.renditions[i].paused = true;
  }
  s.worker_restarts = static_cast<uint64_t>(policy_.restarts());
  s.worker_gave_up = policy_.state() == RestartPolicy::State::kGaveUp;
  s.link_video_dropped = link_video_dropped_;
  s.degradation = DegradationLocked();
  return s;
}

transcode::DegradationState RemoteTranscoder::Degradation() const {
  std::lock_guard lock(mu_);
  return DegradationLocked();
}

transcode::DegradationState RemoteTranscoder::DegradationLocked() const {
  transcode::DegradationState d = worker_stats_.degradation;
  std::vector<std::string> outage;
  for (size_t i = 0; i < plan_.renditions.size(); ++i) {
    if (outage_paused_[i]) outage.push_back(plan_.renditions[i].name);
  }
  const Time now = clock_.Now();
  if (policy_.state() == RestartPolicy::State::kGaveUp) {
    d.level = std::max<int>(d.level, 1 + static_cast<int>(outage.size()));
    d.reason = fmt::format(
        "transcoder_failed: {}; {} worker failures within {} s: source "
        "rendition only",
        last_failure_, remote_.restart.max_failures, remote_.restart.window.count() / 1000);
    d.paused = outage;
  } else if (!outage.empty() || (last_restart_ && now - *last_restart_ < kRestartReasonHold)) {
    const int restarts = policy_.restarts() + (outage.empty() ? 0 : 1);
    d.level = std::max<int>(d.level, 1 + static_cast<int>(outage.size()));
    d.reason = fmt::format("transcoder_restarted: {}; worker restart {}", last_failure_, restarts);
    if (!outage.empty()) d.paused = outage;
  }
  return d;
}

int RemoteTranscoder::worker_pid() const {
  std::lock_guard lock(mu_);
  return pid_;
}

}  // namespace steadycast::worker
