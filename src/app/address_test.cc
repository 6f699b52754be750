#include "app/address.h"

#include <gtest/gtest.h>

namespace steadycast::app {
namespace {

TEST(AddressTest, ParsesHostAndPort) {
  auto a = ParseHostPort("0.0.0.0:8080");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "0.0.0.0");
  EXPECT_EQ(a->port, 8080);
  auto v6 = ParseHostPort("[::1]:0");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  EXPECT_EQ(ParseHostPort(":1935")->host, "0.0.0.0");
}

TEST(AddressTest, RejectsBadInput) {
  EXPECT_FALSE(ParseHostPort("localhost").ok());
  EXPECT_FALSE(ParseHostPort("h:99999").ok());
  EXPECT_FALSE(ParseHostPort("h:12ab").ok());
  EXPECT_FALSE(ParseHostPort("h:").ok());
}

}  // namespace
}  // namespace steadycast::app
