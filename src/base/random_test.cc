#include "base/random.h"

#include <set>

#include <gtest/gtest.h>

namespace steadycast::base {
namespace {

TEST(RandomTest, UrlSafeLengthAndAlphabet) {
  const std::string s = RandomUrlSafe(24);
  EXPECT_EQ(s.size(), 32u);
  for (char c : s) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
}

TEST(RandomTest, IdsArePrefixedAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string id = RandomId("ls");
    EXPECT_EQ(id.rfind("ls_", 0), 0u);
    EXPECT_EQ(id.size(), 27u);
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace steadycast::base
