// RelayRunner: the output of `lab relay` — description, one line per second, a total — and
// --duration, on a real UDP relay on loopback.
#include "lab/relay_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <sstream>
#include <string>
#include <vector>

#include "lab/relay_test_util.h"

namespace steadycast::lab {
namespace {

using namespace std::chrono_literals;
using net::testing::IoThread;
using net::testing::WaitUntil;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(RelayRunnerTest, PrintsEverySecondAndATotalThenStopsAtTheDuration) {
  IoThread io;
  testing::UdpEcho echo(io.io());
  auto options = testing::LoopbackOptions(RelayProtocol::kUdp, echo.endpoint());
  options.duration = 2500ms;
  std::ostringstream out;
  std::atomic<bool> stopped{false};
  std::unique_ptr<RelayRunner> runner;
  net::IpEndpoint bound;
  io.Run([&] {
    runner = std::make_unique<RelayRunner>(io.io(), options, base::Clock::Real(), out,
                                           [&] { stopped = true; });
    bound = runner->Start().value();
  });
  auto client = std::move(net::UdpSocket::Bind(io.io(), testing::LoopbackAny())).value();
  client->StartReceiving([](std::span<const uint8_t>, const net::IpEndpoint&) {});
  for (int i = 0; i < 100; ++i) {
    client->SendTo(bound, base::Buffer::FromString("0123456789"));
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_TRUE(WaitUntil([&] { return stopped.load(); }, 5s));
  std::string text;
  io.Run([&] {
    text = out.str();
    client.reset();
    runner.reset();
    echo.Close();
  });
  const auto lines = Lines(text);
  ASSERT_EQ(lines.size(), 4u) << text;
  EXPECT_EQ(lines[0].rfind("relay proto=udp listen=127.0.0.1:" + std::to_string(bound.port()), 0),
            0u)
      << lines[0];
  EXPECT_EQ(lines[1].rfind("t=1 up pkts=", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind("t=2 up pkts=", 0), 0u) << lines[2];
  EXPECT_EQ(lines[3].rfind("total elapsed=2.5 up pkts=100 bytes=1000 fwd=100 ", 0), 0u) << lines[3];
  EXPECT_NE(lines[3].find("| down pkts=100 bytes=1000 fwd=100 "), std::string::npos) << lines[3];
}

TEST(RelayRunnerTest, StopPrintsTheTotalOnce) {
  IoThread io;
  testing::UdpEcho echo(io.io());
  std::ostringstream out;
  int stopped = 0;
  io.Run([&] {
    RelayRunner runner(io.io(), testing::LoopbackOptions(RelayProtocol::kUdp, echo.endpoint()),
                       base::Clock::Real(), out, [&] { ++stopped; });
    ASSERT_TRUE(runner.Start().ok());
    runner.Stop();
    runner.Stop();
    EXPECT_TRUE(runner.stopped());
    echo.Close();
  });
  EXPECT_EQ(stopped, 1);
  const auto lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 2u) << out.str();
  EXPECT_EQ(lines[1].rfind("total elapsed=0.0 up pkts=0 ", 0), 0u) << lines[1];
}

TEST(RelayRunnerTest, StartErrorsAreReturned) {
  IoThread io;
  std::ostringstream out;
  RelayOptions options;
  options.listen = {"127.0.0.1", 0};
  options.to = {"127.0.0.1", 0};  // invalid: no port
  io.Run([&] {
    RelayRunner runner(io.io(), options, base::Clock::Real(), out);
    auto started = runner.Start();
    EXPECT_FALSE(started.ok());
  });
  EXPECT_TRUE(out.str().empty());
}

}  // namespace
}  // namespace steadycast::lab
