#include "base/json_nesting.h"

#include <string>

#include <gtest/gtest.h>

namespace steadycast::base {
namespace {

TEST(JsonNestingDepthTest, CountsBracketsOutsideStrings) {
  EXPECT_EQ(JsonNestingDepth(""), 0);
  EXPECT_EQ(JsonNestingDepth("1"), 0);
  EXPECT_EQ(JsonNestingDepth("[]"), 1);
  EXPECT_EQ(JsonNestingDepth(R"({"a":[1,{"b":[]}]})"), 4);
  EXPECT_EQ(JsonNestingDepth(R"([[1],[2],[3]])"), 2);  // siblings do not add up
}

TEST(JsonNestingDepthTest, IgnoresBracketsInsideStrings) {
  EXPECT_EQ(JsonNestingDepth(R"({"a":"[[[{{{"})"), 1);
  EXPECT_EQ(JsonNestingDepth(R"(["\"[[", "\\", [1]])"), 2);  // escaped quote, escaped backslash
}

TEST(JsonNestingDepthTest, DeepHostileInputIsMeasuredWithoutRecursion) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(JsonNestingDepth(deep), 100000);
  EXPECT_EQ(JsonNestingDepth(std::string(100000, '{')), 100000);  // unbalanced still counts
}

}  // namespace
}  // namespace steadycast::base
