#include "health/ingest_meter.h"

#include <algorithm>

namespace steadycast::health {
namespace {

constexpr int64_t kMaxJumpAhead = 10 * media::kTimescale;
constexpr int64_t kMaxJumpBack = 5 * media::kTimescale;
constexpr int64_t kMinRateSpanNs = 1'000'000'000;

int64_t Nanos(IngestMeter::Time t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

double Kbps(int64_t bytes, double seconds) {
  return seconds > 0 ? static_cast<double>(bytes) * 8 / 1000 / seconds : 0;
}

}  // namespace

void IngestMeter::MediaClock::Advance(int64_t dts, int64_t wall_gap_ticks) {
  if (!started) {
    started = true;
    newest = dts;
    return;
  }
  const int64_t delta = dts - newest;
  if (delta > 0) {
    elapsed += delta > wall_gap_ticks + kMaxJumpAhead ? wall_gap_ticks : delta;
    newest = dts;
  } else if (delta < -kMaxJumpBack) {
    elapsed += wall_gap_ticks;
    newest = dts;
  }
  // A small step back is interleaving between tracks (or B-frame reordering): no media time.
}

void IngestMeter::OnVideoConfig(media::Codec codec, int width, int height) {
  video_codec_ = codec;
  width_ = width;
  height_ = height;
}

void IngestMeter::OnAccessUnit(Time arrival, const media::AccessUnit& unit) {
  const int64_t now_ns = Nanos(arrival);
  if (units_ == 0) first_arrival_ns_ = last_arrival_ns_ = now_ns;
  const int64_t gap_ticks =
      std::max<int64_t>(0, now_ns - last_arrival_ns_) * media::kTimescale / 1'000'000'000;
  last_arrival_ns_ = std::max(last_arrival_ns_, now_ns);
  ++units_;
  media_.Advance(unit.dts, gap_ticks);
  const bool video = unit.kind == media::TrackKind::kVideo;
  if (video) {
    video_.Advance(unit.dts, gap_ticks);
    if (unit.keyframe) {
      if (last_keyframe_ && video_.elapsed > *last_keyframe_) {
        keyframe_interval_ = video_.elapsed - *last_keyframe_;
      }
      last_keyframe_ = video_.elapsed;
    }
  }
  if (size_ == kCapacity) {
    head_ = (head_ + 1) % kCapacity;
    --size_;
  }
  ring_[(head_ + size_) % kCapacity] = Record{.arrival_ns = now_ns,
                                              .media_elapsed = media_.elapsed,
                                              .video_elapsed = video_.elapsed,
                                              .bytes = static_cast<uint32_t>(unit.data.size()),
                                              .video = video};
  ++size_;
}

double IngestMeter::DriftMsAt(int64_t arrival_ns, int64_t media_elapsed) const {
  const double wall_ms = static_cast<double>(arrival_ns - first_arrival_ns_) / 1e6;
  return wall_ms - static_cast<double>(media_elapsed) * 1000 / media::kTimescale;
}

IngestFigures IngestMeter::Figures(Time now) const {
  IngestFigures f;
  f.units = units_;
  f.video_codec = video_codec_;
  f.width = width_;
  f.height = height_;
  if (keyframe_interval_) {
    f.keyframe_interval_s = static_cast<double>(*keyframe_interval_) / media::kTimescale;
  }
  if (size_ == 0) return f;
  const int64_t now_ns = std::max(Nanos(now), last_arrival_ns_);
  f.drift_ms = DriftMsAt(now_ns, media_.elapsed);
  const int64_t window_start = now_ns - std::chrono::nanoseconds(kWindow).count();
  size_t first = 0;
  while (first < size_ && At(first).arrival_ns <= window_start) ++first;
  if (first == size_) return f;  // nothing arrived in the window: rates are 0
  // The baseline of media spans: the unit just before the window when it is still kept, else
  // the window's first unit (whose own bytes then do not count).
  const size_t base = first > 0 ? first - 1 : 0;
  AddArrivalRates(f, first, now_ns, window_start);
  AddMediaRates(f, base);
  AddFrameRate(f, first);
  // Drift rate: drift at the newest unit against drift at the baseline unit (from unit to
  // unit: the time since the newest unit is a pause, which bursty senders make all the time).
  const Record& ref = At(base);
  const Record& last = At(size_ - 1);
  if (last.arrival_ns - ref.arrival_ns >= kMinRateSpanNs) {
    f.drift_rate_ms_per_s = (DriftMsAt(last.arrival_ns, last.media_elapsed) -
                             DriftMsAt(ref.arrival_ns, ref.media_elapsed)) /
                            (static_cast<double>(last.arrival_ns - ref.arrival_ns) / 1e9);
  }
  return f;
}

std::pair<int64_t, int64_t> IngestMeter::BytesFrom(size_t first) const {
  int64_t bytes = 0, audio_bytes = 0;
  for (size_t i = first; i < size_; ++i) {
    bytes += At(i).bytes;
    if (!At(i).video) audio_bytes += At(i).bytes;
  }
  return {bytes, audio_bytes};
}

// Every byte that arrived in the window, over the window (or the time since the first unit,
// at least 1 s). When the ring no longer holds the whole window, over what it holds: from the
// oldest unit kept, whose own bytes then do not count.
void IngestMeter::AddArrivalRates(IngestFigures& f, size_t first, int64_t now_ns,
                                  int64_t window_start) const {
  int64_t start_ns = std::max(window_start, first_arrival_ns_);
  if (first == 0 && units_ > static_cast<int64_t>(size_)) {
    start_ns = At(0).arrival_ns;
    first = 1;
  }
  const auto [bytes, audio_bytes] = BytesFrom(first);
  const int64_t span_ns = std::max(now_ns - start_ns, kMinRateSpanNs);
  f.bitrate_kbps = Kbps(bytes, static_cast<double>(span_ns) / 1e9);
  f.audio_kbps = Kbps(audio_bytes, static_cast<double>(span_ns) / 1e9);
}

// The bytes after the baseline unit over the media time since it.
void IngestMeter::AddMediaRates(IngestFigures& f, size_t base) const {
  const auto [bytes, audio_bytes] = BytesFrom(base + 1);
  const double media_s =
      static_cast<double>(At(size_ - 1).media_elapsed - At(base).media_elapsed) / media::kTimescale;
  f.media_kbps = Kbps(bytes, media_s);
  f.audio_media_kbps = Kbps(audio_bytes, media_s);
}

// (frames − 1) over the video time from the window's first frame to its last.
void IngestMeter::AddFrameRate(IngestFigures& f, size_t first) const {
  std::optional<size_t> first_video, last_video;
  int64_t frames = 0;
  for (size_t i = first; i < size_; ++i) {
    if (!At(i).video) continue;
    if (!first_video) first_video = i;
    last_video = i;
    ++frames;
  }
  if (frames < 2) return;
  const int64_t span = At(*last_video).video_elapsed - At(*first_video).video_elapsed;
  if (span > 0) {
    f.fps = static_cast<double>(frames - 1) * media::kTimescale / static_cast<double>(span);
  }
}

}  // namespace steadycast::health
