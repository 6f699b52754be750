#pragma once
// Encoder guidance: from what a publisher's link really carries, the highest video bitrate the
// encoder should use and a sentence a person can act on. Pure (no clock, no I/O): a function
// of the ingest figures (IngestMeter) and, for SRT, the link figures (SrtFigures); the health
// route, the health history and /metrics all call it, so they always agree.
//
// recommended_max_kbps is a VIDEO bitrate: the budget for everything the encoder sends minus
// the audio it sends now (so a person sets it as the encoder's video bitrate and keeps the
// audio setting). Rounded down (10 kb/s steps below 1 Mb/s, 100 kb/s above). nullopt when
// there is nothing to base a ceiling on.
//
// Rules, first match wins:
//   no media yet                     → nullopt, "waiting for media ..."
//   SRT, fewer than 50 packets over the window (and none dropped) → nullopt, "measuring ..."
//   SRT, lossy: loss or retransmissions ≥ 2 % over the window, or packets dropped in it
//     budget = what the link carries (receive rate, retransmissions included; the capacity
//     estimate when lower) × (1 − retransmission share) ÷ 1.25
//   SRT, starved: the receive buffer holds < 1/4 of the latency while media flows
//     budget = the link's receive rate ÷ 1.25
//   SRT, capacity estimate known      budget = estimate ÷ 1.25 (libsrt's default 25 % of room
//                                     for retransmissions, SRTO_OHEADBW); "has headroom" when
//                                     the stream fits, else "too close"
//   SRT, clean without an estimate    → nullopt, "keeps up"
//   RTMP, starved: drift > 1 s and growing ≥ 50 ms per second (media arrives ≥ 5 % slower
//     than real time): budget = the achieved (arrival) rate × 0.8
//   RTMP, lagging but no longer growing (drift > 2 s) → nullopt, the lag stays until a reconnect
//   RTMP, keeping up                  → nullopt (RTMP gives no capacity estimate)
// An SRT publisher before its first link sample is judged like RTMP (by its drift).

#include <cstdint>
#include <optional>
#include <string>

#include "health/ingest_meter.h"
#include "health/srt_figures.h"

namespace steadycast::health {

struct Guidance {
  std::optional<int64_t> recommended_max_kbps;
  std::string reason;
  bool operator==(const Guidance&) const = default;
};

// `srt`: the link figures of an SRT publisher, nullopt for RTMP.
Guidance Guide(const IngestFigures& ingest, const std::optional<SrtFigures>& srt);

// "2.1 Mb/s" from 1000 kb/s up (one decimal), "640 kb/s" below.
std::string FormatRate(double kbps);

}  // namespace steadycast::health
