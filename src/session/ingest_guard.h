#pragma once
// IngestGuard: brute-force protection for stream keys. Counts refused publish attempts (unknown
// or wrong key, over RTMP or SRT) per source address; more than `max_refusals` within
// `window` locks that address out for `cooldown`, during which its attempts are refused before
// the store is consulted. Other addresses are unaffected. Memory is bounded: at most
// `max_tracked` addresses are tracked (the stalest entries are dropped first).
//
// Threading: thread-safe (one mutex; every call is O(log n)). Time comes from the caller's
// clock, so lockouts are testable without waiting.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace steadycast::session {

struct IngestGuardOptions {
  int max_refusals = 10;  // refusals allowed per window; one more locks the address out
  std::chrono::milliseconds window{60'000};
  std::chrono::milliseconds cooldown{300'000};
  size_t max_tracked = 100'000;
};

struct IngestGuardCounters {
  int64_t refusals = 0;        // refused attempts recorded (unknown key)
  int64_t lockouts = 0;        // addresses locked out since start
  int64_t blocked = 0;         // attempts refused because the address was locked out
  int64_t locked_sources = 0;  // addresses locked out right now
};

class IngestGuard {
 public:
  IngestGuard(IngestGuardOptions options, base::Clock& clock);

  // False while `remote_address` ("ip:port", "[v6]:port" or a bare address) is locked out;
  // counts the blocked attempt.
  bool Allow(std::string_view remote_address);
  // A publish attempt from `remote_address` was refused for its key.
  void RecordRefusal(std::string_view remote_address);
  IngestGuardCounters Counters() const;

  // The address part of "ip:port" / "[v6]:port" (the port changes on every attempt).
  static std::string SourceOf(std::string_view remote_address);

 private:
  using Time = base::Clock::MonotonicTime;
  struct Source {
    std::deque<Time> refusals;  // within the window, oldest first (≤ max_refusals + 1)
    Time locked_until{};
    Time last_seen{};
  };
  void Evict(Time now);

  IngestGuardOptions options_;
  base::Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, Source, std::less<>> sources_;
  IngestGuardCounters counters_;
};

}  // namespace steadycast::session
