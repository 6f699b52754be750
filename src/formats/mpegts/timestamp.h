#pragma once
// TimestampUnwrapper: places 33-bit PTS/DTS values (ISO/IEC 13818-1 §2.4.3.7, 90 kHz, wrapping
// every 2^33 ticks ≈ 26.5 hours) on a 64-bit timeline that keeps counting across wraps.
//
// Each value is put at the signed 33-bit distance (−2^32 .. 2^32−1) from the previous value,
// so a wrap moves forward, small backward steps (B-frame PTS, A/V interleaving) move back,
// and a big jump stays a big jump (the caller reports it; nothing is rebased). The first
// value is taken as is. One unwrapper is shared by all tracks of a program so audio and
// video stay on the same timeline even when they cross the wrap at different moments.
// Not thread-safe.

#include <cstdint>

namespace steadycast::formats::mpegts {

inline constexpr int64_t kTimestampWrap = int64_t{1} << 33;

class TimestampUnwrapper {
 public:
  // `timestamp` is masked to 33 bits.
  int64_t Unwrap(uint64_t timestamp);

 private:
  bool started_ = false;
  int64_t last_ = 0;
};

}  // namespace steadycast::formats::mpegts
