#pragma once
// The network-impairment model of `steadycast lab relay`: one direction of an emulated link,
// pure and clock-free (every call takes the current time; no sockets, no threads), so its
// statistics are testable in microseconds and reproducible from a seed.
//
// A packet offered at time t goes through, in order (the picture of a real path):
//
//   arrival ─▶ [outage?] ─▶ [bottleneck queue ─▶ serialiser @ rate] ─▶ [lossy wire] ─▶
//             drop (datagram)   drop when the queue is full        drop p = loss%
//             hold (stream)     (datagram; a stream queues)        (datagram only)
//
//          ─▶ [propagation: delay ± jitter] ─▶ release
//
// - Outages `length@at` (seconds from the origin): datagrams arriving inside one are dropped;
//   on a stream nothing is forwarded inside one (held until it ends, bytes kept in order).
// - Rate cap: the serialiser sends `rate_kbit` kbit/s; a packet waits for the link to be
//   free. The queue in front holds `queue` worth of the rate (at least two full-size
//   packets); a datagram that does not fit is dropped, like a router's tail drop.
// - Loss: independent (Bernoulli) per datagram, from a seeded generator of its own.
// - Delay and jitter: release = departure + delay + U[-jitter, +jitter] (never negative),
//   from another generator, so changing the jitter does not change which packets are lost.
//   Without `reorder`, release = max(previous release, that), so order is kept and each
//   packet's extra delay stays within [delay - jitter, delay + jitter]. Streams never reorder.
//
// Memory is bounded: at most `max_pending_bytes` / `max_pending_packets` wait inside; past
// that a datagram is dropped as overflow (a stream's user must pause reading before that).
//
// Threading: none; one owner. Packets are refcounted buffers; the model never copies bytes.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <queue>
#include <vector>

#include "base/buffer.h"
#include "base/clock.h"

namespace steadycast::lab {

using TimePoint = base::Clock::MonotonicTime;
using Duration = base::Clock::Duration;

// One direction's impairments. All zero: a perfect link.
struct LinkProfile {
  double loss_percent = 0;               // 0..100
  std::chrono::microseconds delay{0};    // one-way propagation delay
  std::chrono::microseconds jitter{0};   // ± around `delay`
  uint64_t rate_kbit = 0;                // serialisation rate; 0: unlimited
  std::chrono::milliseconds queue{100};  // bottleneck queue, in time at `rate_kbit`
  bool reorder = false;                  // let jitter reorder datagrams
};

// Link down for `length` starting `at` after the origin.
struct Outage {
  Duration at{0};
  Duration length{0};
};

enum class LinkMode {
  kDatagram,  // UDP: outages, a full queue and loss drop packets
  kStream,    // TCP: nothing is dropped; outages stall, the queue only delays
};

enum class Verdict { kQueued, kDroppedOutage, kDroppedRate, kDroppedLoss, kDroppedOverflow };

// Cumulative counters of one direction. "Offered" counts every packet given to Offer().
struct LinkCounters {
  uint64_t offered_packets = 0;
  uint64_t offered_bytes = 0;
  uint64_t released_packets = 0;
  uint64_t released_bytes = 0;
  uint64_t dropped_loss = 0;
  uint64_t dropped_rate = 0;
  uint64_t dropped_outage = 0;
  uint64_t dropped_overflow = 0;
  // Time spent waiting for the serialiser (0 without a rate cap), over queued packets.
  Duration queue_delay_total{0};
  uint64_t queue_delay_samples = 0;
  Duration queue_delay_max{0};
};

struct LinkLimits {
  size_t max_pending_bytes = size_t{64} * 1024 * 1024;
  size_t max_pending_packets = size_t{256} * 1024;
};

// A packet leaving the link; `tag` is the caller's (which session it belongs to).
struct ReleasedPacket {
  base::Buffer bytes;
  uint64_t tag = 0;
  TimePoint arrival;
  TimePoint release;
};

// Bottleneck queue bytes for a rate and a queue time: never less than two full-size
// (1500-byte) packets, or a slow link could not carry a single one.
size_t QueueBytes(uint64_t rate_kbit, std::chrono::milliseconds queue);

// Small, fast, deterministic generator (splitmix64-seeded xoshiro256**): the same seed gives
// the same numbers on every platform, unlike std:: distributions.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t Next();
  double Unit();  // [0, 1)

 private:
  uint64_t s_[4];
};

class ImpairedLink {
 public:
  // `origin` is t = 0 of the outage schedule. `seed` makes loss and jitter reproducible.
  ImpairedLink(LinkProfile profile, LinkMode mode, std::vector<Outage> outages, uint64_t seed,
               TimePoint origin, LinkLimits limits = {});

  // A packet arrives at `now` (non-decreasing across calls).
  Verdict Offer(TimePoint now, base::Buffer bytes, uint64_t tag = 0);
  // When the next packet is due, if any.
  std::optional<TimePoint> NextRelease() const;
  // Moves every packet due at `now` to `out` in release order; returns how many.
  size_t TakeDue(TimePoint now, std::vector<ReleasedPacket>& out);

  // True if `now` falls inside a scheduled outage.
  bool InOutage(TimePoint now) const;
  // How long a packet arriving at `now` would wait for the serialiser.
  Duration Backlog(TimePoint now) const;
  size_t pending_packets() const { return pending_.size(); }
  size_t pending_bytes() const { return pending_bytes_; }
  const LinkCounters& counters() const { return counters_; }
  const LinkProfile& profile() const { return profile_; }

 private:
  struct Pending {
    TimePoint release;
    uint64_t sequence;  // ties keep arrival order
    TimePoint arrival;
    base::Buffer bytes;
    uint64_t tag;
  };
  struct Later {
    bool operator()(const Pending& a, const Pending& b) const {
      return a.release != b.release ? a.release > b.release : a.sequence > b.sequence;
    }
  };

  // End of the outage containing `t`, if any (chained outages are followed).
  std::optional<TimePoint> OutageEnd(TimePoint t) const;
  Duration SerialisationTime(size_t bytes) const;
  Duration JitterSample();

  const LinkProfile profile_;
  const LinkMode mode_;
  const std::vector<Outage> outages_;
  const TimePoint origin_;
  const LinkLimits limits_;
  const size_t queue_bytes_;
  Rng loss_rng_;
  Rng jitter_rng_;
  TimePoint link_free_at_;  // when the serialiser finishes what it has
  TimePoint last_release_;  // for order keeping
  uint64_t sequence_ = 0;
  std::priority_queue<Pending, std::vector<Pending>, Later> pending_;
  size_t pending_bytes_ = 0;
  LinkCounters counters_;
};

}  // namespace steadycast::lab
