#include "store/live_stream.h"

#include <gtest/gtest.h>

namespace steadycast::store {
namespace {

TEST(StreamStatusTest, NamesRoundTrip) {
  for (StreamStatus s : {StreamStatus::kIdle, StreamStatus::kActive, StreamStatus::kReconnecting,
                         StreamStatus::kDisabled}) {
    auto parsed = ParseStreamStatus(StreamStatusName(s));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, s);
  }
  EXPECT_EQ(StreamStatusName(StreamStatus::kReconnecting), "reconnecting");
}

TEST(StreamStatusTest, UnknownNamesAreRejected) {
  EXPECT_FALSE(ParseStreamStatus("").has_value());
  EXPECT_FALSE(ParseStreamStatus("Idle").has_value());
  EXPECT_FALSE(ParseStreamStatus("idle ").has_value());
}

}  // namespace
}  // namespace steadycast::store
