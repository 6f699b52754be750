// Fuzzes ImpairedLink with an arbitrary profile, outage schedule and packet sequence, and
// checks its promises: nothing leaves before it arrived, order is kept unless reordering is
// allowed, a stream never drops, and counters and pending memory add up.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "lab/impairment.h"

using namespace steadycast;

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

uint8_t Take(const uint8_t*& data, size_t& size) {
  if (size == 0) return 0;
  --size;
  return *data++;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using std::chrono::microseconds;
  using std::chrono::milliseconds;
  lab::LinkProfile profile;
  const uint8_t flags = Take(data, size);
  const auto mode = (flags & 1) ? lab::LinkMode::kStream : lab::LinkMode::kDatagram;
  profile.reorder = (flags & 2) != 0;
  profile.loss_percent = Take(data, size) % 101;
  profile.delay = milliseconds(Take(data, size) * 4);
  profile.jitter = milliseconds(Take(data, size) * 2);
  profile.rate_kbit = uint64_t{Take(data, size)} * 50;
  profile.queue = milliseconds(1 + Take(data, size) * 4);
  std::vector<lab::Outage> outages;
  for (int i = Take(data, size) % 4; i > 0; --i) {
    outages.push_back({milliseconds(Take(data, size) * 20), milliseconds(Take(data, size) * 20)});
  }
  lab::LinkLimits limits;
  limits.max_pending_bytes = 200'000;
  limits.max_pending_packets = 500;
  const lab::TimePoint origin{std::chrono::hours(1)};
  lab::ImpairedLink link(profile, mode, outages, flags, origin, limits);

  lab::TimePoint now = origin;
  uint64_t index = 0;
  uint64_t last_index = 0;
  lab::TimePoint last_release = origin;
  std::vector<lab::ReleasedPacket> out;
  auto drain = [&](lab::TimePoint until) {
    out.clear();
    link.TakeDue(until, out);
    for (const auto& p : out) {
      Check(p.release >= p.arrival && p.release <= until);
      Check(p.release >= last_release);  // always taken in time order
      last_release = p.release;
      const bool ordered = mode == lab::LinkMode::kStream || !profile.reorder;
      if (ordered) Check(p.tag >= last_index);
      last_index = p.tag;
    }
  };
  while (size >= 2) {
    now += microseconds(Take(data, size) * 500);
    const size_t bytes = size_t{Take(data, size)} * 8;
    drain(now);
    const lab::Verdict verdict =
        link.Offer(now, base::Buffer::Take(std::vector<uint8_t>(bytes)), index++);
    if (mode == lab::LinkMode::kStream) {
      Check(verdict == lab::Verdict::kQueued || verdict == lab::Verdict::kDroppedOverflow);
    }
    Check(link.pending_bytes() <= limits.max_pending_bytes);
    Check(link.pending_packets() <= limits.max_pending_packets);
  }
  while (auto next = link.NextRelease()) drain(*next);
  const auto& c = link.counters();
  Check(c.offered_packets == c.released_packets + c.dropped_loss + c.dropped_rate +
                                 c.dropped_outage + c.dropped_overflow);
  Check(link.pending_bytes() == 0);
  return 0;
}
