#include "base/log.h"

#include <gtest/gtest.h>

namespace steadycast::base {
namespace {

TEST(RedactSecretTest, ShowsAShortHashAndNothingOfTheSecret) {
  const std::string key = "abcdEFGH1234ijklMNOP5678qrst";
  const std::string redacted = RedactSecret(key);
  EXPECT_EQ(redacted.size(), 9u);
  EXPECT_EQ(redacted[0], '#');
  EXPECT_EQ(redacted.find("abcd"), std::string::npos);
  EXPECT_EQ(RedactSecret(key), redacted);  // stable, so log lines can be correlated
  EXPECT_NE(RedactSecret(key + "x"), redacted);
  EXPECT_EQ(RedactSecret("").size(), 9u);
}

}  // namespace
}  // namespace steadycast::base
