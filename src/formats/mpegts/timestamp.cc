#include "formats/mpegts/timestamp.h"

namespace steadycast::formats::mpegts {

int64_t TimestampUnwrapper::Unwrap(uint64_t timestamp) {
  const int64_t value = static_cast<int64_t>(timestamp & (kTimestampWrap - 1));
  if (!started_) {
    started_ = true;
    last_ = value;
    return value;
  }
  // The distance from the previous value modulo 2^33, folded into [−2^32, 2^32).
  int64_t delta = (value - last_) & (kTimestampWrap - 1);
  if (delta >= kTimestampWrap / 2) delta -= kTimestampWrap;
  last_ += delta;
  return last_;
}

}  // namespace steadycast::formats::mpegts
