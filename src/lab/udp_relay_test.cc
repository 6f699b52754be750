// UdpRelay on loopback: a client socket → relay → UDP echo server → relay → client.
#include "lab/udp_relay.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "lab/relay_test_util.h"

namespace steadycast::lab {
namespace {

using namespace std::chrono_literals;
using net::testing::IoThread;
using net::testing::WaitUntil;
using testing::LoopbackOptions;
using testing::RelayOnThread;
using testing::UdpEcho;

using SteadyClock = std::chrono::steady_clock;

// Sends numbered datagrams and records which come back, and when.
class Client {
 public:
  explicit Client(IoThread& io) : io_(io) {
    socket_ = std::move(net::UdpSocket::Bind(io.io(), testing::LoopbackAny())).value();
    socket_->StartReceiving([this](std::span<const uint8_t> datagram, const net::IpEndpoint&) {
      uint32_t index = 0;
      if (datagram.size() < sizeof(index)) return;
      std::memcpy(&index, datagram.data(), sizeof(index));
      std::lock_guard lock(mu_);
      echoed_.push_back({index, SteadyClock::now()});
    });
  }
  ~Client() {
    io_.Run([&] { socket_.reset(); });
  }

  void Send(const net::IpEndpoint& to, uint32_t index, size_t size = 200) {
    std::vector<uint8_t> bytes(size, 0x5a);
    std::memcpy(bytes.data(), &index, sizeof(index));
    {
      std::lock_guard lock(mu_);
      if (sent_at_.size() <= index) sent_at_.resize(index + 1);
      sent_at_[index] = SteadyClock::now();
    }
    socket_->SendTo(to, base::Buffer::Take(std::move(bytes)));
  }
  size_t echoed() {
    std::lock_guard lock(mu_);
    return echoed_.size();
  }
  std::vector<uint32_t> EchoedIndexes() {
    std::lock_guard lock(mu_);
    std::vector<uint32_t> out;
    for (const auto& e : echoed_) out.push_back(e.index);
    return out;
  }
  // Round-trip times of the echoed datagrams.
  std::vector<SteadyClock::duration> RoundTrips() {
    std::lock_guard lock(mu_);
    std::vector<SteadyClock::duration> out;
    for (const auto& e : echoed_) out.push_back(e.at - sent_at_[e.index]);
    return out;
  }
  const net::IpEndpoint& endpoint() const { return socket_->local_endpoint(); }

 private:
  struct Echo {
    uint32_t index;
    SteadyClock::time_point at;
  };
  IoThread& io_;
  std::unique_ptr<net::UdpSocket> socket_;
  std::mutex mu_;
  std::vector<SteadyClock::time_point> sent_at_;
  std::vector<Echo> echoed_;
};

class UdpRelayTest : public ::testing::Test {
 protected:
  ~UdpRelayTest() override {
    io_.Run([&] { echo_.Close(); });
  }
  IoThread io_;
  UdpEcho echo_{io_.io()};
};

// Paced so that neither socket buffer can overflow: loss must come from the relay only.
void SendPaced(Client& client, const net::IpEndpoint& to, uint32_t from, uint32_t count,
               std::chrono::microseconds every = 1ms) {
  for (uint32_t i = from; i < from + count; ++i) {
    client.Send(to, i);
    std::this_thread::sleep_for(every);
  }
}

TEST_F(UdpRelayTest, WithoutImpairmentEveryDatagramComesBack) {
  RelayOnThread relay(io_, LoopbackOptions(RelayProtocol::kUdp, echo_.endpoint()));
  ASSERT_TRUE(relay.ok()) << relay.error().ToString();
  Client client(io_);
  SendPaced(client, relay.endpoint(), 0, 300);
  ASSERT_TRUE(WaitUntil([&] { return client.echoed() == 300; })) << client.echoed();
  const RelayStats stats = relay.Stats();
  EXPECT_EQ(stats.up.released_packets, 300u);
  EXPECT_EQ(stats.down.released_packets, 300u);
  EXPECT_EQ(stats.up.offered_bytes, 300u * 200);
  EXPECT_EQ(stats.clients, 1u);
  EXPECT_EQ(stats.clients_total, 1u);
  EXPECT_EQ(echo_.received(), 300);
}

TEST_F(UdpRelayTest, HalfLossUpstreamLosesAboutHalf) {
  auto options = LoopbackOptions(RelayProtocol::kUdp, echo_.endpoint());
  options.up.loss_percent = 50;
  options.seed = 7;
  RelayOnThread relay(io_, options);
  ASSERT_TRUE(relay.ok());
  Client client(io_);
  SendPaced(client, relay.endpoint(), 0, 400, 500us);
  std::this_thread::sleep_for(200ms);
  const RelayStats stats = relay.Stats();
  EXPECT_EQ(stats.up.offered_packets, 400u);
  EXPECT_EQ(stats.up.dropped_loss + stats.up.released_packets, 400u);
  EXPECT_NEAR(static_cast<double>(stats.up.dropped_loss), 200, 50);
  EXPECT_EQ(stats.down.dropped_loss, 0u);
  EXPECT_EQ(client.echoed(), stats.up.released_packets);  // the way back is clean
}

TEST_F(UdpRelayTest, DelayEachWayAddsUpToTheRoundTrip) {
  auto options = LoopbackOptions(RelayProtocol::kUdp, echo_.endpoint());
  options.up.delay = 30ms;
  options.down.delay = 30ms;
  RelayOnThread relay(io_, options);
  ASSERT_TRUE(relay.ok());
  Client client(io_);
  SendPaced(client, relay.endpoint(), 0, 50, 2ms);
  ASSERT_TRUE(WaitUntil([&] { return client.echoed() == 50; }));
  for (const auto rtt : client.RoundTrips()) {
    EXPECT_GE(rtt, 60ms);
    EXPECT_LT(rtt, 200ms);  // generous: a loaded machine
  }
  const auto order = client.EchoedIndexes();
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
}

TEST_F(UdpRelayTest, NothingComesBackDuringAnOutage) {
  auto options = LoopbackOptions(RelayProtocol::kUdp, echo_.endpoint());
  options.outages = {{400ms, 600ms}};  // down from 0.4 s to 1.0 s
  const auto start = SteadyClock::now();
  RelayOnThread relay(io_, options);
  ASSERT_TRUE(relay.ok());
  Client client(io_);
  std::vector<std::chrono::milliseconds> sent_at;
  for (uint32_t i = 0; SteadyClock::now() - start < 1400ms; ++i) {
    sent_at.push_back(
        std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start));
    client.Send(relay.endpoint(), i);
    std::this_thread::sleep_for(5ms);
  }
  std::this_thread::sleep_for(100ms);
  std::vector<bool> echoed(sent_at.size(), false);
  for (uint32_t index : client.EchoedIndexes()) echoed.at(index) = true;
  size_t before = 0;
  size_t after = 0;
  for (size_t i = 0; i < sent_at.size(); ++i) {
    // 50 ms of slack on each edge for scheduling between this thread and the relay's clock.
    if (sent_at[i] > 450ms && sent_at[i] < 950ms) {
      EXPECT_FALSE(echoed[i]) << "sent at " << sent_at[i].count() << " ms";
    }
    if (sent_at[i] < 350ms) before += echoed[i];
    if (sent_at[i] > 1050ms) after += echoed[i];
  }
  EXPECT_GT(before, 40u);
  EXPECT_GT(after, 40u);
  EXPECT_GT(relay.Stats().up.dropped_outage, 80u);
}

TEST_F(UdpRelayTest, EachClientAddressGetsItsOwnSession) {
  RelayOnThread relay(io_, LoopbackOptions(RelayProtocol::kUdp, echo_.endpoint()));
  ASSERT_TRUE(relay.ok());
  Client first(io_);
  Client second(io_);
  SendPaced(first, relay.endpoint(), 0, 20);
  SendPaced(second, relay.endpoint(), 100, 30);
  ASSERT_TRUE(WaitUntil([&] { return first.echoed() == 20 && second.echoed() == 30; }));
  for (uint32_t index : first.EchoedIndexes()) EXPECT_LT(index, 100u);
  for (uint32_t index : second.EchoedIndexes()) EXPECT_GE(index, 100u);
  const RelayStats stats = relay.Stats();
  EXPECT_EQ(stats.clients, 2u);
  EXPECT_EQ(stats.clients_total, 2u);
}

TEST_F(UdpRelayTest, TheLeastRecentlyActiveSessionMakesRoomForANewClient) {
  auto options = LoopbackOptions(RelayProtocol::kUdp, echo_.endpoint());
  options.udp_max_sessions = 1;
  RelayOnThread relay(io_, options);
  ASSERT_TRUE(relay.ok());
  Client first(io_);
  Client second(io_);
  SendPaced(first, relay.endpoint(), 0, 5);
  ASSERT_TRUE(WaitUntil([&] { return first.echoed() == 5; }));
  SendPaced(second, relay.endpoint(), 0, 5);  // a reconnecting encoder: new source port
  ASSERT_TRUE(WaitUntil([&] { return second.echoed() == 5; }));
  const RelayStats stats = relay.Stats();
  EXPECT_EQ(stats.clients, 1u);
  EXPECT_EQ(stats.clients_total, 2u);
}

TEST_F(UdpRelayTest, RateCapDropsTheExcessAtTheBottleneck) {
  auto options = LoopbackOptions(RelayProtocol::kUdp, echo_.endpoint());
  options.up.rate_kbit = 800;  // 100 kB/s; offered ≈ 1316 B every 2 ms = 658 kB/s
  RelayOnThread relay(io_, options);
  ASSERT_TRUE(relay.ok());
  Client client(io_);
  for (uint32_t i = 0; i < 250; ++i) {
    client.Send(relay.endpoint(), i, 1316);
    std::this_thread::sleep_for(2ms);
  }
  std::this_thread::sleep_for(300ms);
  const RelayStats stats = relay.Stats();
  EXPECT_GT(stats.up.dropped_rate, 100u);
  EXPECT_EQ(stats.up.dropped_rate + stats.up.released_packets, 250u);
  EXPECT_LE(stats.up.queue_delay_max, 110ms);
}

TEST_F(UdpRelayTest, StartFailsCleanlyOnABusyPort) {
  RelayOnThread first(io_, LoopbackOptions(RelayProtocol::kUdp, echo_.endpoint()));
  ASSERT_TRUE(first.ok());
  auto options = LoopbackOptions(RelayProtocol::kUdp, echo_.endpoint());
  options.listen.port = first.endpoint().port();
  RelayOnThread second(io_, options);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message().find("--listen"), std::string::npos)
      << second.error().message();
}

}  // namespace
}  // namespace steadycast::lab
