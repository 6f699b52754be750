#pragma once
// SrtFigures: an SRT publisher's link at one moment as a person reads it — the latest libsrt
// sample plus loss and retransmission shares over a short window. Pure; a plain value copied
// into the health history. Built from two cumulative samples (media::LinkStats, about one a
// second): the oldest kept in the window and the newest.

#include <cstdint>

#include "media/media_sink.h"

namespace steadycast::health {

struct SrtFigures {
  double rtt_ms = 0;
  double receive_rate_mbps = 0;    // everything received, retransmissions included
  double link_bandwidth_mbps = 0;  // libsrt's estimate of the link capacity (0: none)
  double loss_pct = 0;             // packets detected lost / packets received, over the window
  double retransmit_pct = 0;       // retransmitted copies / packets received, over the window
  int64_t packets_dropped = 0;     // never recovered in time, since the publisher connected
  int64_t dropped_in_window = 0;   // ... of them over the window
  int64_t received_in_window = 0;  // packets received over the window (the shares' base)
  int receive_buffer_ms = 0;       // media buffered at the receiver
  int latency_ms = 0;              // negotiated receive latency
};

// `oldest` and `newest` are cumulative samples of one connection, `oldest` taken first (the
// same sample twice: the shares are taken over the whole connection).
SrtFigures SrtFiguresOf(const media::LinkStats& oldest, const media::LinkStats& newest);

}  // namespace steadycast::health
