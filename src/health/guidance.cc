#include "health/guidance.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace steadycast::health {
namespace {

constexpr double kSrtRoom = 1.25;  // libsrt's default SRTO_OHEADBW: 25 % above the stream
constexpr double kLossyPct = 2.0;
constexpr int64_t kMinPackets = 50;       // fewer over the window: too few to judge loss by
constexpr double kLowBufferShare = 0.25;  // of the latency
constexpr double kStarvedDriftMs = 1000;
constexpr double kStarvedDriftRate = 50;  // ms per s: media 5 % slower than real time
constexpr double kLaggingDriftMs = 2000;
constexpr double kRtmpMargin = 0.8;

// The video ceiling for a total budget: the audio the encoder sends comes off, then rounded
// down so the number shown is never above the budget.
int64_t VideoCeiling(double total_kbps, const IngestFigures& ingest) {
  const double video = std::max(0.0, total_kbps - ingest.audio_media_kbps);
  const double step = video >= 1000 ? 100 : 10;
  return static_cast<int64_t>(std::floor(video / step) * step);
}

Guidance Capped(int64_t kbps, std::string reason) {
  return Guidance{kbps, fmt::format("{}: set your video bitrate to ≤ {}", reason,
                                    FormatRate(static_cast<double>(kbps)))};
}

// What the encoder sends: its media rate when known, else what arrives.
double Sending(const IngestFigures& ingest) {
  return ingest.media_kbps > 0 ? ingest.media_kbps : ingest.bitrate_kbps;
}

Guidance SrtGuide(const IngestFigures& ingest, const SrtFigures& srt) {
  const double capacity = srt.link_bandwidth_mbps * 1000;
  const double receiving =
      srt.receive_rate_mbps > 0 ? srt.receive_rate_mbps * 1000 : ingest.bitrate_kbps;
  if (srt.received_in_window < kMinPackets && srt.dropped_in_window == 0) {
    return Guidance{std::nullopt, fmt::format("measuring the SRT link ({} packets so far)",
                                              srt.received_in_window)};
  }
  if (srt.loss_pct >= kLossyPct || srt.retransmit_pct >= kLossyPct || srt.dropped_in_window > 0) {
    const double carried = capacity > 0 ? std::min(capacity, receiving) : receiving;
    const double budget = carried * (1 - std::min(srt.retransmit_pct, 50.0) / 100) / kSrtRoom;
    Guidance g = Capped(VideoCeiling(budget, ingest),
                        fmt::format("link carries ~{} with {:.1f} % loss and {:.0f} % "
                                    "retransmissions",
                                    FormatRate(carried), srt.loss_pct, srt.retransmit_pct));
    if (srt.dropped_in_window > 0) {
      g.reason += fmt::format(", and raise the SRT latency ({} packets were lost for good)",
                              srt.dropped_in_window);
    }
    return g;
  }
  if (srt.latency_ms > 0 && ingest.bitrate_kbps > 0 &&
      srt.receive_buffer_ms < kLowBufferShare * srt.latency_ms) {
    return Capped(VideoCeiling(receiving / kSrtRoom, ingest),
                  fmt::format("the receive buffer holds only {} ms of the {} ms latency: the link "
                              "carries ~{} and barely keeps up",
                              srt.receive_buffer_ms, srt.latency_ms, FormatRate(receiving)));
  }
  if (capacity > 0) {
    const double budget = capacity / kSrtRoom;
    if (Sending(ingest) > budget) {
      return Capped(VideoCeiling(budget, ingest),
                    fmt::format("link estimate ~{} leaves too little room for SRT's "
                                "retransmissions at your {}",
                                FormatRate(capacity), FormatRate(Sending(ingest))));
    }
    const int64_t cap = VideoCeiling(budget, ingest);
    return Guidance{cap, fmt::format("link has headroom: ~{} estimated for your {}, no loss; keep "
                                     "your video bitrate ≤ {}",
                                     FormatRate(capacity), FormatRate(Sending(ingest)),
                                     FormatRate(static_cast<double>(cap)))};
  }
  return Guidance{std::nullopt,
                  fmt::format("link keeps up with your {} without loss (no capacity estimate "
                              "from SRT yet)",
                              FormatRate(Sending(ingest)))};
}

Guidance RtmpGuide(const IngestFigures& ingest) {
  if (ingest.drift_ms > kStarvedDriftMs && ingest.drift_rate_ms_per_s >= kStarvedDriftRate) {
    return Capped(VideoCeiling(ingest.bitrate_kbps * kRtmpMargin, ingest),
                  fmt::format("media arrives slower than real time (it lags {:.1f} s, {:.2f} s "
                              "more every second): the link carries ~{} of the {} your "
                              "encoder sends",
                              ingest.drift_ms / 1000, ingest.drift_rate_ms_per_s / 1000,
                              FormatRate(ingest.bitrate_kbps), FormatRate(Sending(ingest))));
  }
  if (ingest.drift_ms > kLaggingDriftMs) {
    return Guidance{std::nullopt,
                    fmt::format("link keeps pace with your {} now, but media lags real time by "
                                "{:.1f} s since an earlier stall (until the encoder reconnects)",
                                FormatRate(ingest.bitrate_kbps), ingest.drift_ms / 1000)};
  }
  return Guidance{std::nullopt,
                  fmt::format("link keeps up with your {} (drift {:.1f} s); there is no "
                              "capacity estimate: raise the bitrate in small steps and watch "
                              "the drift",
                              FormatRate(ingest.bitrate_kbps), ingest.drift_ms / 1000)};
}

}  // namespace

std::string FormatRate(double kbps) {
  if (kbps >= 1000) return fmt::format("{:.1f} Mb/s", std::floor(kbps / 100) / 10);
  return fmt::format("{:.0f} kb/s", std::floor(kbps));
}

Guidance Guide(const IngestFigures& ingest, const std::optional<SrtFigures>& srt) {
  if (ingest.units == 0) {
    return Guidance{std::nullopt, "waiting for media from the publisher"};
  }
  return srt ? SrtGuide(ingest, *srt) : RtmpGuide(ingest);
}

}  // namespace steadycast::health
