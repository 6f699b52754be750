#include "formats/mpegts/timestamp.h"

#include <gtest/gtest.h>

namespace steadycast::formats::mpegts {
namespace {

TEST(TimestampUnwrapperTest, FirstValueAsIs) {
  TimestampUnwrapper u;
  EXPECT_EQ(u.Unwrap(123456), 123456);
  EXPECT_EQ(u.Unwrap(123456 + 3600), 123456 + 3600);
}

TEST(TimestampUnwrapperTest, WrapsForwardAndSmallStepsBack) {
  TimestampUnwrapper u;
  const uint64_t near_end = kTimestampWrap - 3000;
  EXPECT_EQ(u.Unwrap(near_end), static_cast<int64_t>(near_end));
  EXPECT_EQ(u.Unwrap(600), kTimestampWrap + 600);               // crossed the wrap
  EXPECT_EQ(u.Unwrap(near_end + 1000), kTimestampWrap - 2000);  // B-frame just before it
  EXPECT_EQ(u.Unwrap(4200), kTimestampWrap + 4200);
  // A second wrap, 26.5 hours later, in steps of one hour.
  int64_t expected = kTimestampWrap + 4200;
  uint64_t raw = 4200;
  for (int i = 0; i < 27; ++i) {
    raw = (raw + uint64_t{3600} * 90000) % static_cast<uint64_t>(kTimestampWrap);
    expected += int64_t{3600} * 90000;
    EXPECT_EQ(u.Unwrap(raw), expected);
  }
  EXPECT_GT(expected, 2 * kTimestampWrap);
}

TEST(TimestampUnwrapperTest, BigJumpsStayBig) {
  TimestampUnwrapper u;
  EXPECT_EQ(u.Unwrap(1'000'000), 1'000'000);
  EXPECT_EQ(u.Unwrap(1'000'000 + 3'000'000'000), 3'001'000'000);  // +9.3 hours
  EXPECT_EQ(u.Unwrap(1'000'000), 1'000'000);                      // and back
  // Beyond half the range a jump looks like the other direction (inherent to 33 bits).
  EXPECT_EQ(u.Unwrap(1'000'000 + (uint64_t{1} << 32) + 5), 1'000'000 - (int64_t{1} << 32) + 5);
}

TEST(TimestampUnwrapperTest, MasksTo33Bits) {
  TimestampUnwrapper u;
  EXPECT_EQ(u.Unwrap((uint64_t{1} << 40) | 77), 77);
}

}  // namespace
}  // namespace steadycast::formats::mpegts
