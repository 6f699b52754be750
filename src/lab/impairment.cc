#include "lab/impairment.h"

#include <algorithm>
#include <cmath>

namespace steadycast::lab {

namespace {

constexpr size_t kFullSizePacket = 1500;

uint64_t SplitMix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

size_t QueueBytes(uint64_t rate_kbit, std::chrono::milliseconds queue) {
  // kbit/s × ms = bits / 1000 ... × 1000 / 8 → bytes = rate_kbit × queue_ms / 8.
  const double bytes = static_cast<double>(rate_kbit) * static_cast<double>(queue.count()) / 8.0;
  const double capped = std::min(bytes, 1e15);
  return std::max(static_cast<size_t>(capped), 2 * kFullSizePacket);
}

Rng::Rng(uint64_t seed) {
  for (uint64_t& word : s_) word = SplitMix64(seed);
}

uint64_t Rng::Next() {
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

double Rng::Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

ImpairedLink::ImpairedLink(LinkProfile profile, LinkMode mode, std::vector<Outage> outages,
                           uint64_t seed, TimePoint origin, LinkLimits limits)
    : profile_(profile),
      mode_(mode),
      outages_(std::move(outages)),
      origin_(origin),
      limits_(limits),
      queue_bytes_(QueueBytes(profile.rate_kbit, profile.queue)),
      loss_rng_(seed),
      // A different stream of numbers for jitter, so loss does not depend on it.
      jitter_rng_(seed ^ 0x6a09e667f3bcc908ull),
      link_free_at_(origin),
      last_release_(origin) {}

Verdict ImpairedLink::Offer(TimePoint now, base::Buffer bytes, uint64_t tag) {
  const size_t size = bytes.size();
  const bool datagram = mode_ == LinkMode::kDatagram;
  ++counters_.offered_packets;
  counters_.offered_bytes += size;
  if (datagram && InOutage(now)) {
    ++counters_.dropped_outage;
    return Verdict::kDroppedOutage;
  }
  if (pending_.size() >= limits_.max_pending_packets ||
      pending_bytes_ + size > limits_.max_pending_bytes) {
    ++counters_.dropped_overflow;
    return Verdict::kDroppedOverflow;
  }

  // The bottleneck: wait for the serialiser (and, on a stream, for the link to come back).
  TimePoint start = std::max(now, link_free_at_);
  if (!datagram) start = OutageEnd(start).value_or(start);
  TimePoint departure = start;
  if (profile_.rate_kbit > 0) {
    if (datagram) {
      const double queued_bytes = static_cast<double>((start - now).count()) *
                                  static_cast<double>(profile_.rate_kbit) / 8e6;
      if (queued_bytes + static_cast<double>(size) > static_cast<double>(queue_bytes_)) {
        ++counters_.dropped_rate;
        return Verdict::kDroppedRate;
      }
    }
    departure = start + SerialisationTime(size);
    link_free_at_ = departure;
  }
  const Duration waited = start - now;
  counters_.queue_delay_total += waited;
  ++counters_.queue_delay_samples;
  counters_.queue_delay_max = std::max(counters_.queue_delay_max, waited);

  // The wire: loss after the bottleneck, so a lost packet still used its share of the rate.
  if (datagram && profile_.loss_percent > 0 && loss_rng_.Unit() * 100.0 < profile_.loss_percent) {
    ++counters_.dropped_loss;
    return Verdict::kDroppedLoss;
  }

  const Duration propagation = std::max(Duration(0), Duration(profile_.delay) + JitterSample());
  TimePoint release = departure + propagation;
  if (!datagram) release = OutageEnd(release).value_or(release);
  if (!datagram || !profile_.reorder) release = std::max(release, last_release_);
  last_release_ = std::max(last_release_, release);

  pending_bytes_ += size;
  pending_.push(Pending{release, sequence_++, now, std::move(bytes), tag});
  return Verdict::kQueued;
}

std::optional<TimePoint> ImpairedLink::NextRelease() const {
  if (pending_.empty()) return std::nullopt;
  return pending_.top().release;
}

size_t ImpairedLink::TakeDue(TimePoint now, std::vector<ReleasedPacket>& out) {
  size_t taken = 0;
  while (!pending_.empty() && pending_.top().release <= now) {
    const Pending& top = pending_.top();
    out.push_back(ReleasedPacket{top.bytes, top.tag, top.arrival, top.release});
    pending_bytes_ -= top.bytes.size();
    ++counters_.released_packets;
    counters_.released_bytes += top.bytes.size();
    pending_.pop();
    ++taken;
  }
  return taken;
}

bool ImpairedLink::InOutage(TimePoint now) const { return OutageEnd(now).has_value(); }

Duration ImpairedLink::Backlog(TimePoint now) const {
  return link_free_at_ > now ? link_free_at_ - now : Duration(0);
}

std::optional<TimePoint> ImpairedLink::OutageEnd(TimePoint t) const {
  if (t < origin_) return std::nullopt;
  Duration offset = t - origin_;
  bool inside = false;
  // Back-to-back or overlapping outages chain: keep moving to the end of whichever one the
  // current point falls in. Each pass moves strictly later, so this ends.
  for (bool moved = true; moved;) {
    moved = false;
    for (const Outage& outage : outages_) {
      if (outage.length > Duration(0) && offset >= outage.at &&
          offset < outage.at + outage.length) {
        offset = outage.at + outage.length;
        inside = moved = true;
      }
    }
  }
  if (!inside) return std::nullopt;
  return origin_ + offset;
}

Duration ImpairedLink::SerialisationTime(size_t bytes) const {
  // bits / (kbit/s) = ms; in ns: bytes × 8 × 1e6 / rate_kbit.
  const double ns = static_cast<double>(bytes) * 8e6 / static_cast<double>(profile_.rate_kbit);
  return Duration(static_cast<int64_t>(std::ceil(ns)));
}

Duration ImpairedLink::JitterSample() {
  const int64_t jitter_us = profile_.jitter.count();
  if (jitter_us <= 0) return Duration(0);
  const auto span = static_cast<double>(2 * jitter_us + 1);
  const auto sample = static_cast<int64_t>(jitter_rng_.Unit() * span) - jitter_us;
  return std::chrono::microseconds(sample);
}

}  // namespace steadycast::lab
