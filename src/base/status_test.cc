#include "base/status.h"

#include <gtest/gtest.h>

namespace steadycast::base {
namespace {

Result<int> ParsePositive(int v) {
  if (v <= 0) return InvalidArgument("not positive");
  return v;
}

Result<int> Doubled(int v) {
  SC_ASSIGN_OR_RETURN(int x, ParsePositive(v));
  return 2 * x;
}

Status Check(int v) {
  SC_RETURN_IF_ERROR(Doubled(v).status().WithContext("doubling"));
  return Status::Ok();
}

TEST(StatusTest, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ContextIsPrependedOutermostFirst) {
  Status s = InvalidArgument("size too big").WithContext("chunk").WithContext("rtmp");
  EXPECT_EQ(s.message(), "rtmp: chunk: size too big");
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.ToString(), "INVALID_ARGUMENT: rtmp: chunk: size too big");
}

TEST(ResultTest, ValueAndErrorPropagate) {
  EXPECT_EQ(*Doubled(4), 8);
  auto bad = Doubled(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "not positive");
  EXPECT_TRUE(Check(3).ok());
  EXPECT_EQ(Check(0).message(), "doubling: not positive");
}

TEST(ResultTest, WithContextOnResult) {
  auto r = ParsePositive(0).WithContext("arg");
  EXPECT_EQ(r.status().message(), "arg: not positive");
  EXPECT_EQ(ParsePositive(1).WithContext("arg").value(), 1);
}

}  // namespace
}  // namespace steadycast::base
