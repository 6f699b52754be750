#pragma once
// Injectable clocks (docs/style.md "Time"): logic that decides something takes a Clock& and never
// reads the wall clock itself, so timers are testable in milliseconds with FakeClock.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace steadycast::base {

class Clock {
 public:
  using Duration = std::chrono::nanoseconds;
  using MonotonicTime = std::chrono::steady_clock::time_point;
  using WallTime = std::chrono::system_clock::time_point;

  virtual ~Clock() = default;
  // Monotonic time for durations, timeouts and windows.
  virtual MonotonicTime Now() const = 0;
  // Wall-clock time for timestamps shown to people (EXT-X-PROGRAM-DATE-TIME, created_at).
  virtual WallTime WallNow() const = 0;

  // The process-wide real clock.
  static Clock& Real();
};

class RealClock final : public Clock {
 public:
  MonotonicTime Now() const override { return std::chrono::steady_clock::now(); }
  WallTime WallNow() const override { return std::chrono::system_clock::now(); }
};

// A clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  FakeClock() : mono_ns_(0), wall_ns_(1'700'000'000'000'000'000) {}
  MonotonicTime Now() const override { return MonotonicTime(Duration(mono_ns_.load())); }
  WallTime WallNow() const override {
    return WallTime(std::chrono::duration_cast<WallTime::duration>(Duration(wall_ns_.load())));
  }
  void Advance(Duration d) {
    mono_ns_ += d.count();
    wall_ns_ += d.count();
  }

 private:
  std::atomic<int64_t> mono_ns_;
  std::atomic<int64_t> wall_ns_;
};

// Unix milliseconds of a wall time.
inline int64_t ToUnixMillis(Clock::WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
// RFC 3339 UTC with milliseconds: "2026-11-25T17:27:22.123Z".
std::string FormatRfc3339(int64_t unix_millis);

}  // namespace steadycast::base
