#include "deliver/byte_range.h"

#include <gtest/gtest.h>

namespace steadycast::deliver {
namespace {

using Kind = ByteRange::Kind;

void ExpectRange(std::string_view header, uint64_t size, uint64_t first, uint64_t last) {
  const ByteRange r = ParseByteRange(header, size);
  EXPECT_EQ(r.kind, Kind::kSatisfiable) << header;
  EXPECT_EQ(r.first, first) << header;
  EXPECT_EQ(r.last, last) << header;
}

TEST(ByteRangeTest, SatisfiableForms) {
  ExpectRange("bytes=0-99", 1000, 0, 99);
  ExpectRange("bytes=0-1", 1000, 0, 1);
  ExpectRange("bytes=500-", 1000, 500, 999);
  ExpectRange("bytes=-100", 1000, 900, 999);
  ExpectRange("bytes=-5000", 1000, 0, 999);       // suffix longer than the body: all of it
  ExpectRange("bytes=900-5000", 1000, 900, 999);  // last clamped
  ExpectRange("  bytes= 10 - 20 ", 1000, 10, 20);
}

TEST(ByteRangeTest, UnsatisfiableRanges) {
  EXPECT_EQ(ParseByteRange("bytes=1000-", 1000).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(ParseByteRange("bytes=2000-3000", 1000).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(ParseByteRange("bytes=-0", 1000).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(ParseByteRange("bytes=0-", 0).kind, Kind::kUnsatisfiable);
}

TEST(ByteRangeTest, IgnoresWhatItDoesNotSupportOrUnderstand) {
  for (const char* header : {"", "bytes=", "bytes=0-1,5-6", "items=0-1", "bytes=5-1", "bytes=a-b",
                             "bytes=-", "bytes=+1-2", "bytes=0x1-2", "bytes=1", "Bytes=0-1",
                             "bytes=99999999999999999999-", "bytes=--1"}) {
    EXPECT_EQ(ParseByteRange(header, 1000).kind, Kind::kNone) << header;
  }
}

}  // namespace
}  // namespace steadycast::deliver
