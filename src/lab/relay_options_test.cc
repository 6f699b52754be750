#include "lab/relay_options.h"

#include <gtest/gtest.h>

namespace steadycast::lab {
namespace {

using namespace std::chrono_literals;

TEST(RelayOptionsTest, ParsesHostPort) {
  auto v4 = ParseHostPort("127.0.0.1:9000");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 9000);
  auto v6 = ParseHostPort("[::1]:0");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->ToString(), "[::1]:0");
  auto any = ParseHostPort(":1935");
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->host, "0.0.0.0");
  EXPECT_EQ(ParseHostPort("localhost:80")->host, "localhost");

  for (const char* bad :
       {"", "9000", "host:", "host:65536", "host:-1", "host:12x", "::1:80", "host: 80"}) {
    EXPECT_FALSE(ParseHostPort(bad).ok()) << bad;
  }
}

TEST(RelayOptionsTest, ParsesSecondsAndOutages) {
  EXPECT_EQ(ParseSeconds("30").value(), 30s);
  EXPECT_EQ(ParseSeconds("2.5").value(), 2500ms);
  EXPECT_EQ(ParseSeconds("0").value(), 0s);
  for (const char* bad : {"", "-1", "abc", "1e9", "nan", "inf", "1s", " 1"}) {
    EXPECT_FALSE(ParseSeconds(bad).ok()) << bad;
  }
  auto outage = ParseOutage("10@30");
  ASSERT_TRUE(outage.ok());
  EXPECT_EQ(outage->length, 10s);
  EXPECT_EQ(outage->at, 30s);
  EXPECT_EQ(ParseOutage("0.5@1.25")->at, 1250ms);
  for (const char* bad : {"10", "@30", "10@", "0@5", "10@30@40", "x@1"}) {
    EXPECT_FALSE(ParseOutage(bad).ok()) << bad;
  }
  EXPECT_NE(ParseOutage("10").status().message().find("SECONDS@AT"), std::string::npos);
}

RelayOptions Valid(RelayProtocol protocol) {
  RelayOptions options;
  options.protocol = protocol;
  options.listen = {"127.0.0.1", 0};
  options.to = {"127.0.0.1", 9000};
  return options;
}

TEST(RelayOptionsTest, ValidatesRangesAndProtocolFit) {
  EXPECT_TRUE(Validate(Valid(RelayProtocol::kUdp)).ok());
  EXPECT_TRUE(Validate(Valid(RelayProtocol::kTcp)).ok());

  auto udp = Valid(RelayProtocol::kUdp);
  udp.up.loss_percent = 101;
  EXPECT_FALSE(Validate(udp).ok());
  udp = Valid(RelayProtocol::kUdp);
  udp.down.delay = 61s;
  EXPECT_FALSE(Validate(udp).ok());
  udp = Valid(RelayProtocol::kUdp);
  udp.to.port = 0;
  EXPECT_FALSE(Validate(udp).ok());
  udp = Valid(RelayProtocol::kUdp);
  udp.cuts.push_back(5s);
  EXPECT_NE(Validate(udp).message().find("--cut"), std::string::npos);
  udp = Valid(RelayProtocol::kUdp);
  udp.duration = 0s;
  EXPECT_FALSE(Validate(udp).ok());

  auto tcp = Valid(RelayProtocol::kTcp);
  tcp.up.loss_percent = 1;
  EXPECT_NE(Validate(tcp).message().find("--loss"), std::string::npos);
  tcp = Valid(RelayProtocol::kTcp);
  tcp.down.reorder = true;
  EXPECT_FALSE(Validate(tcp).ok());
  tcp = Valid(RelayProtocol::kTcp);
  tcp.cuts = {3s, 1s};
  tcp.outages = {{2s, 1s}};
  tcp.up.rate_kbit = 2'500;
  EXPECT_TRUE(Validate(tcp).ok());
}

TEST(RelayOptionsTest, DescribeNamesEverythingIncludingTheSeed) {
  auto options = Valid(RelayProtocol::kUdp);
  options.seed = 1234;
  options.up.loss_percent = 10;
  options.up.delay = 50ms;
  options.down.rate_kbit = 2'500;
  options.outages = {{.at = 30s, .length = 10s}};
  options.duration = 20s;
  EXPECT_EQ(Describe(options),
            "relay proto=udp listen=127.0.0.1:0 to=127.0.0.1:9000 seed=1234 "
            "up[loss=10% delay=50ms jitter=0ms rate=unlimited queue=100ms] "
            "down[loss=0% delay=0ms jitter=0ms rate=2500kbit queue=100ms] "
            "outage=10s@30s duration=20s");
}

}  // namespace
}  // namespace steadycast::lab
