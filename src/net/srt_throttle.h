#pragma once
// SrtHandshakeThrottle: keeps a handshake flood from one address (a wrong key retried
// hundreds of times, or random keys) from costing a store lookup per attempt, without
// locking out a legitimate publisher behind the same address (a NAT, a venue, loopback).
//
// Two rules, checked in the SRT listen callback before the decider is asked:
//   1. Repeat refusals: once an (address, streamid) pair was refused
//      `max_refusals_per_stream_id` times within `window`, further attempts with that pair
//      get the same refusal code at once until the window has passed. Another streamid
//      from the same address (the right key) is still looked up.
//   2. Decision rate: each address has a token bucket of decider calls
//      (`decisions_per_second`, bursts of `decision_burst`); an empty bucket refuses with
//      1402 (overload) without asking. This bounds the lookup cost of random-key floods.
// Memory is bounded: at most `max_addresses` addresses (idle ones, then the least recently
// seen, are forgotten first) and `max_stream_ids_per_address` refused streamids each
// (stored as 64-bit hashes, never the text: streamids carry stream keys).
//
// libsrt rejects a wrong passphrase itself, after the callback accepted, so those failures
// are not seen here; guessing a passphrase needs a valid stream key first.
//
// Pure apart from the injected clock. Thread-safe (one mutex; libsrt may run listen callbacks
// on several receiver threads when several listeners exist).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/clock.h"

namespace steadycast::net {

struct SrtThrottleOptions {
  // Rule 1; 0 disables it.
  int max_refusals_per_stream_id = 3;
  std::chrono::milliseconds window{10'000};
  // Rule 2; decisions_per_second <= 0 disables it.
  double decisions_per_second = 50;
  double decision_burst = 100;
  size_t max_addresses = 4096;
  size_t max_stream_ids_per_address = 16;
};

class SrtHandshakeThrottle {
 public:
  struct Verdict {
    bool ask = true;      // call the decider
    int reject_code = 0;  // when !ask: the code to reject with
  };

  SrtHandshakeThrottle(SrtThrottleOptions options, const base::Clock& clock);

  // Before the decider; `address` is the caller's IP without port. Takes a decision token
  // when it answers `ask`.
  Verdict Check(std::string_view address, std::string_view stream_id);
  // After the decider refused.
  void RecordRefusal(std::string_view address, std::string_view stream_id, int reject_code);

  size_t tracked_addresses() const;

 private:
  using Time = base::Clock::MonotonicTime;
  struct Refusal {
    uint64_t stream_id_hash = 0;
    int count = 0;
    int reject_code = 0;
    Time first;  // the window of this pair starts here
  };
  struct Entry {
    double tokens = 0;
    Time refilled;
    Time last_seen;
    std::vector<Refusal> refusals;
  };

  Entry& Find(std::string_view address, Time now);
  void MakeRoom(Time now);
  void Refill(Entry& entry, Time now) const;

  const SrtThrottleOptions options_;
  const base::Clock& clock_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace steadycast::net
