#include "worker/transcode_worker.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/log.h"
#include "formats/worker_link/worker_link.h"
#include "net/child_process.h"
#include "transcode/transcoder.h"
#include "transcode/worker_config.h"
#include "worker/stats_json.h"

namespace steadycast::worker {
namespace {

namespace wl = formats::worker_link;
using std::chrono::steady_clock;

struct Fault {
  enum class Kind { kNone, kCrash, kHang } kind = Kind::kNone;
  uint64_t after_frames = 0;
  int width = 0;  // only for a source of this width (0: any): one stream of several
};

Fault ReadFault() {
  const char* env = std::getenv("STEADYCAST_WORKER_FAULT");
  if (env == nullptr) return {};
  const std::string v(env);
  const auto colon = v.find(':');
  if (colon == std::string::npos) return {};
  Fault f;
  const std::string kind = v.substr(0, colon);
  if (kind == "crash-after-frames") {
    f.kind = Fault::Kind::kCrash;
  } else if (kind == "hang-after-frames") {
    f.kind = Fault::Kind::kHang;
  } else {
    return {};
  }
  char* end = nullptr;
  f.after_frames = std::strtoull(v.c_str() + colon + 1, &end, 10);
  if (end != nullptr && std::string_view(end).starts_with(",width=")) {
    f.width = std::atoi(end + 7);
  }
  return f;
}

// Writes messages to the link from any thread (rendition workers, the main loop).
class LinkWriter {
 public:
  explicit LinkWriter(net::ByteLink& link) : link_(link) {}
  void Send(const wl::Message& message) {
    std::lock_guard lock(mu_);
    if (broken_) return;
    buffer_.clear();
    if (const base::Status s = wl::Encode(message, buffer_); !s.ok()) {
      SC_LOG_WARN("worker: cannot encode a message: {}", s.ToString());
      return;
    }
    if (!link_.WriteAll(buffer_).ok()) broken_ = true;  // the server is gone: the loop ends
    if (std::holds_alternative<wl::AccessUnit>(message)) ++units_out_;
  }
  bool broken() {
    std::lock_guard lock(mu_);
    return broken_;
  }
  uint64_t units_out() {
    std::lock_guard lock(mu_);
    return units_out_;
  }

 private:
  net::ByteLink& link_;
  std::mutex mu_;
  std::vector<uint8_t> buffer_;
  bool broken_ = false;
  uint64_t units_out_ = 0;
};

// One rendition's output, sent back over the link.
class RenditionOutput final : public media::MediaSink {
 public:
  RenditionOutput(LinkWriter& writer, uint8_t index, const std::atomic<bool>* gate)
      : writer_(writer), index_(index), gate_(gate) {}
  void OnVideoConfig(const media::VideoTrackConfig& config) override {
    if (Open()) writer_.Send(wl::VideoConfig{.rendition = index_, .config = config});
  }
  void OnAudioConfig(const media::AudioTrackConfig& config) override {
    if (Open()) writer_.Send(wl::AudioConfig{.rendition = index_, .config = config});
  }
  void OnAccessUnit(const media::AccessUnit& unit) override {
    if (Open()) writer_.Send(wl::AccessUnit{.rendition = index_, .unit = unit});
  }

 private:
  bool Open() const { return gate_ == nullptr || gate_->load(); }
  LinkWriter& writer_;
  uint8_t index_;
  const std::atomic<bool>* gate_;  // the passthrough's: open while holding only
};

class Worker {
 public:
  explicit Worker(net::ByteLink& link) : link_(link), writer_(link), fault_(ReadFault()) {}

  int Run() {
    writer_.Send(wl::Hello{.role = "transcode"});
    std::vector<uint8_t> buf(size_t{256} * 1024);
    auto next_tick = steady_clock::now();
    auto next_heartbeat = next_tick + std::chrono::seconds(1);
    auto next_stats = next_tick + std::chrono::milliseconds(500);
    while (!writer_.broken() && !stop_) {
      auto n = link_.Read(buf, std::chrono::milliseconds(50));
      if (!n.ok()) return 0;  // the server closed the link
      if (*n > 0) {
        std::vector<wl::Message> messages;
        const base::Status fed = decoder_.Feed(std::span(buf.data(), *n), messages);
        for (wl::Message& m : messages) {
          if (const base::Status s = Handle(m); !s.ok()) return Fail(s);
          if (stop_) break;
        }
        if (!fed.ok()) return Fail(fed);
      }
      const auto now = steady_clock::now();
      if (now >= next_tick) {
        if (transcoder_) transcoder_->Tick();
        next_tick = now + std::chrono::milliseconds(100);
      }
      if (now >= next_heartbeat) {
        writer_.Send(wl::Heartbeat{
            .sequence = ++heartbeats_, .units_in = units_in_, .units_out = writer_.units_out()});
        next_heartbeat = now + std::chrono::seconds(1);
      }
      if (now >= next_stats && transcoder_) {
        writer_.Send(wl::Stats{.json = StatsToJson(transcoder_->Stats())});
        next_stats = now + std::chrono::milliseconds(500);
      }
    }
    return 0;
  }

 private:
  int Fail(const base::Status& status) {
    SC_LOG_ERROR("worker: {}", status.ToString());
    writer_.Send(wl::Event{.kind = wl::EventKind::kFailed, .detail = status.ToString()});
    return 1;
  }

  base::Status Handle(wl::Message& message) {
    if (auto* hello = std::get_if<wl::Hello>(&message)) {
      if (hello->version != wl::kWorkerLinkVersion || hello->role != "server") {
        return base::FailedPrecondition("unexpected hello from " + hello->role);
      }
      hello_ = true;
      return base::Status::Ok();
    }
    if (!hello_) return base::FailedPrecondition("a message before hello");
    if (auto* configure = std::get_if<wl::Configure>(&message)) return Configure(configure->json);
    if (!transcoder_) return base::FailedPrecondition("media before configure");
    if (auto* v = std::get_if<wl::VideoConfig>(&message)) {
      if (v->rendition == wl::kSourceTrack) {
        source_width_ = v->config.width;
        transcoder_->OnVideoConfig(v->config);
      }
    } else if (auto* a = std::get_if<wl::AudioConfig>(&message)) {
      if (a->rendition == wl::kSourceTrack) transcoder_->OnAudioConfig(a->config);
    } else if (auto* u = std::get_if<wl::AccessUnit>(&message)) {
      if (u->rendition != wl::kSourceTrack) return base::Status::Ok();
      ++units_in_;
      if (u->unit.kind == media::TrackKind::kVideo) MaybeFault();
      transcoder_->OnAccessUnit(u->unit);
      if (holding_.load() && !transcoder_->Stats().holding) holding_ = false;
    } else if (auto* c = std::get_if<wl::Control>(&message)) {
      switch (c->command) {
        case wl::Command::kHold:
          holding_ = true;
          transcoder_->Hold();
          break;
        case wl::Command::kResume:
          break;  // the next source keyframe resumes (Transcoder::Hold)
        case wl::Command::kFlush:
          transcoder_->Flush();
          // The figures at the end of the drain (frames dropped on the way) reach the server
          // before the answer it waits for.
          writer_.Send(wl::Stats{.json = StatsToJson(transcoder_->Stats())});
          writer_.Send(wl::Event{.kind = wl::EventKind::kFlushed});
          break;
        case wl::Command::kStop:
          stop_ = true;
          break;
      }
    }
    return base::Status::Ok();
  }

  base::Status Configure(const std::string& json) {
    if (transcoder_) return base::FailedPrecondition("configured twice");
    SC_ASSIGN_OR_RETURN(transcode::WorkerConfig config, transcode::WorkerConfigFromJson(json));
    config.options.on_source_changed = [this](size_t i) {
      writer_.Send(
          wl::Event{.kind = wl::EventKind::kSourceChanged, .rendition = static_cast<uint8_t>(i)});
    };
    config.options.on_rendition_paused = [this](size_t i, bool paused) {
      writer_.Send(wl::Event{
          .kind = paused ? wl::EventKind::kRenditionPaused : wl::EventKind::kRenditionResumed,
          .rendition = static_cast<uint8_t>(i)});
    };
    std::vector<media::MediaSink*> sinks;
    for (size_t i = 0; i < config.plan.renditions.size(); ++i) {
      const bool passthrough = config.plan.renditions[i].passthrough;
      outputs_.push_back(std::make_unique<RenditionOutput>(writer_, static_cast<uint8_t>(i),
                                                           passthrough ? &holding_ : nullptr));
      sinks.push_back(outputs_.back().get());
    }
    auto transcoder = transcode::Transcoder::Create(config.plan, config.options, sinks);
    if (!transcoder.ok()) return std::move(transcoder).status().WithContext("transcoder");
    transcoder_ = std::move(*transcoder);
    return base::Status::Ok();
  }

  void MaybeFault() {
    if (fault_.kind == Fault::Kind::kNone) return;
    if (fault_.width != 0 && fault_.width != source_width_) return;
    if (++fault_frames_ < fault_.after_frames) return;
    if (fault_.kind == Fault::Kind::kCrash) {
      SC_LOG_WARN("worker: injected crash after {} frames", fault_frames_);
      std::abort();
    }
    SC_LOG_WARN("worker: injected hang after {} frames", fault_frames_);
    for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
  }

  net::ByteLink& link_;
  LinkWriter writer_;
  wl::Decoder decoder_;
  Fault fault_;
  uint64_t fault_frames_ = 0;
  int source_width_ = 0;
  bool hello_ = false;
  bool stop_ = false;
  std::atomic<bool> holding_{false};
  uint64_t units_in_ = 0;
  uint64_t heartbeats_ = 0;
  std::vector<std::unique_ptr<RenditionOutput>> outputs_;
  std::unique_ptr<transcode::Transcoder> transcoder_;  // after the outputs: stopped first
};

}  // namespace

int RunTranscodeWorker(int link_fd) {
  net::ByteLink link(link_fd);
  Worker worker(link);
  return worker.Run();
}

}  // namespace steadycast::worker
