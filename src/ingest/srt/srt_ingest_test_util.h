#pragma once
// Test doubles for the SRT ingest tests: a net::SrtConnection without a socket and a
// PublishSession that records what it is given. Header-only; for tests only.

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "media/media_sink.h"
#include "net/srt_server.h"

namespace steadycast::ingest::srt::testing {

class FakeConnection : public net::SrtConnection {
 public:
  explicit FakeConnection(std::string stream_id) : stream_id_(std::move(stream_id)) {}
  void Close() override { ++closes; }
  const std::string& remote_address() const override { return remote_address_; }
  const std::string& stream_id() const override { return stream_id_; }
  net::SrtLinkStats Stats() const override { return {}; }

  int closes = 0;

 private:
  std::string remote_address_ = "10.0.0.1:4000";
  std::string stream_id_;
};

// Everything one publisher delivered. Thread-safe (the e2e test reads it from its thread).
struct MediaLog {
  struct Unit {
    media::TrackKind kind;
    int64_t pts;
    int64_t dts;
    bool keyframe;
    bool maybe_corrupt;
    size_t size;
  };

  std::mutex mu;
  std::condition_variable cv;
  std::vector<media::VideoTrackConfig> video_configs;
  std::vector<media::AudioTrackConfig> audio_configs;
  std::vector<Unit> units;
  std::vector<media::LinkStats> link_stats;
  int sessions_created = 0;
  bool session_destroyed = false;

  void Update(const std::function<void(MediaLog&)>& change) {
    {
      std::lock_guard lock(mu);
      change(*this);
    }
    cv.notify_all();
  }
  bool WaitFor(const std::function<bool(MediaLog&)>& predicate, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, [&] { return predicate(*this); });
  }
  int CountUnits(media::TrackKind kind) {
    std::lock_guard lock(mu);
    return static_cast<int>(std::count_if(units.begin(), units.end(),
                                          [kind](const Unit& u) { return u.kind == kind; }));
  }
  bool FirstVideoIsKeyframe() {
    std::lock_guard lock(mu);
    for (const Unit& u : units) {
      if (u.kind == media::TrackKind::kVideo) return u.keyframe;
    }
    return false;
  }
  // One line per event, for comparing runs.
  std::string Dump() {
    std::lock_guard lock(mu);
    std::string out;
    for (const auto& c : video_configs) out += fmt::format("video {}x{}\n", c.width, c.height);
    for (const auto& c : audio_configs) out += fmt::format("audio {} Hz\n", c.sample_rate);
    for (const Unit& u : units) {
      out += fmt::format("{} pts={} dts={} key={} corrupt={} size={}\n",
                         u.kind == media::TrackKind::kVideo ? "V" : "A", u.pts, u.dts, u.keyframe,
                         u.maybe_corrupt, u.size);
    }
    return out;
  }
};

class RecordingSession : public media::PublishSession {
 public:
  explicit RecordingSession(MediaLog& log) : log_(log) {
    log_.Update([](MediaLog& l) { ++l.sessions_created; });
  }
  ~RecordingSession() override {
    log_.Update([](MediaLog& l) { l.session_destroyed = true; });
  }
  const std::string& stream_id() const override { return id_; }
  void OnVideoConfig(const media::VideoTrackConfig& config) override {
    log_.Update([&](MediaLog& l) { l.video_configs.push_back(config); });
  }
  void OnAudioConfig(const media::AudioTrackConfig& config) override {
    log_.Update([&](MediaLog& l) { l.audio_configs.push_back(config); });
  }
  void OnAccessUnit(const media::AccessUnit& unit) override {
    log_.Update([&](MediaLog& l) {
      l.units.push_back(
          {unit.kind, unit.pts, unit.dts, unit.keyframe, unit.maybe_corrupt, unit.data.size()});
    });
  }
  void OnLinkStats(const media::LinkStats& stats) override {
    log_.Update([&](MediaLog& l) { l.link_stats.push_back(stats); });
  }

 private:
  MediaLog& log_;
  std::string id_ = "ls_test";
};

}  // namespace steadycast::ingest::srt::testing
