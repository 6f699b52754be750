#pragma once
// HealthHistory: one health sample per second per stream, in memory, for
// GET /v1/live-streams/{id}/health/history. Each stream's samples sit in a ring of plain
// structs (HealthSample) that grows to `samples_per_stream` (default 3600: the last hour) and
// then overwrites its oldest; at most `max_streams` rings exist. A stream gets a ring at its
// first sample with a publisher; its ring is dropped when the stream is deleted (Prune with
// the streams that still exist) or after `keep_without_publisher` (one hour) without one.
// When `max_streams` rings exist, a new stream takes the ring of the stream whose publisher
// left longest ago; while every ring's stream has a publisher, the newcomer has no history.
//
// Memory: sizeof(HealthSample) (about 600 bytes) per sample kept (a ring grows with its
// history, never past its bound), so at most ~2.2 MB per stream with the defaults.
//
// Thread-safe: the server's 1 Hz sampler records and prunes, HTTP threads read.

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "health/ingest_meter.h"
#include "health/srt_figures.h"
#include "health/viewer_figures.h"

namespace steadycast::health {

// One rendition of the stream's broadcast at sampling time.
struct RenditionSample {
  std::array<char, 12> name{};  // "720p", "src" (longer names are cut)
  bool passthrough = false;
  double encode_speed = 0;  // transcoded renditions: media seconds per busy wall second
  int64_t frames_dropped = 0;
  std::string_view Name() const { return {name.data(), strnlen(name.data(), name.size())}; }
};

// A stream's health at one second: a plain value (no heap), so a ring of them is one block.
// Guidance is not stored: it is a pure function of `ingest` and `srt` (guidance.h), computed
// when the sample is shown.
struct HealthSample {
  static constexpr size_t kMaxRenditions = 10;
  int64_t at_ms = 0;        // unix milliseconds
  std::string_view status;  // "active", "reconnecting", ...: must point to static storage
  std::optional<IngestFigures> ingest;  // nullopt: no publisher
  std::optional<SrtFigures> srt;        // SRT publishers with link samples
  std::array<RenditionSample, kMaxRenditions> renditions{};
  size_t rendition_count = 0;
  std::optional<ViewerFigures> viewers;  // nullopt: no viewer figures known

  // Adds a rendition (ignored beyond kMaxRenditions).
  void AddRendition(std::string_view name, bool passthrough, double encode_speed,
                    int64_t frames_dropped);
};

struct HealthHistoryOptions {
  size_t samples_per_stream = 3600;
  size_t max_streams = 256;
  std::chrono::seconds keep_without_publisher{3600};
};

class HealthHistory {
 public:
  using Time = base::Clock::MonotonicTime;

  explicit HealthHistory(HealthHistoryOptions options = {}) : options_(options) {}

  // Adds `sample` of `stream_id`, taken at `now`. A sample without a publisher is kept only
  // for a stream that already has a ring. False when it was not kept.
  bool Record(const std::string& stream_id, const HealthSample& sample, Time now);
  // Drops the rings of streams for which `exists` is false (deleted) and of streams without a
  // publisher for keep_without_publisher.
  void Prune(Time now, const std::function<bool(const std::string&)>& exists);
  // The last `seconds` samples (one per second), oldest first; empty without a ring.
  std::vector<HealthSample> Recent(const std::string& stream_id, size_t seconds) const;
  bool Has(const std::string& stream_id) const;
  size_t streams() const;

 private:
  struct Ring {
    std::vector<HealthSample> samples;  // grows to samples_per_stream, then wraps
    size_t next = 0;                    // where the next sample goes once full
    bool publisher = false;             // the newest sample had one
    Time last_publisher;                // when a sample last had one
  };
  // Makes room for one more ring; false when every ring's stream has a publisher.
  bool MakeRoomLocked();

  HealthHistoryOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, Ring> rings_;
};

}  // namespace steadycast::health
