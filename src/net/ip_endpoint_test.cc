#include "net/ip_endpoint.h"

#include <gtest/gtest.h>

#include <unordered_set>

namespace steadycast::net {
namespace {

TEST(IpEndpointTest, ResolvesLiterals) {
  auto v4 = IpEndpoint::Resolve("127.0.0.1", 9000);
  ASSERT_TRUE(v4.ok()) << v4.status().ToString();
  EXPECT_FALSE(v4->is_v6());
  EXPECT_EQ(v4->port(), 9000);
  EXPECT_EQ(v4->ToString(), "127.0.0.1:9000");

  auto v6 = IpEndpoint::Resolve("[::1]", 80);
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  EXPECT_TRUE(v6->is_v6());
  EXPECT_EQ(v6->ToString(), "[::1]:80");
  EXPECT_EQ(IpEndpoint::Resolve("::1", 80).value(), *v6);
}

TEST(IpEndpointTest, ResolvesLocalhostPreferringIpv4) {
  auto local = IpEndpoint::Resolve("localhost", 1935);
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  EXPECT_EQ(local->ToString(), "127.0.0.1:1935");
}

TEST(IpEndpointTest, EqualityAndHashCoverAddressPortAndFamily) {
  const IpEndpoint a = IpEndpoint::V4({10, 0, 0, 1}, 5000);
  const IpEndpoint b = IpEndpoint::V4({10, 0, 0, 1}, 5001);
  const IpEndpoint c = IpEndpoint::V4({10, 0, 0, 2}, 5000);
  EXPECT_EQ(a, IpEndpoint::V4({10, 0, 0, 1}, 5000));
  EXPECT_NE(a, b);
  EXPECT_NE(a, c);
  std::unordered_set<IpEndpoint, IpEndpointHash> set{a, b, c, a};
  EXPECT_EQ(set.size(), 3u);
  EXPECT_EQ(IpEndpoint().ToString(), "0.0.0.0:0");
}

}  // namespace
}  // namespace steadycast::net
