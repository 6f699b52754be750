// TcpRelay on loopback: a client stream → relay → TCP echo server → relay → client.
#include "lab/tcp_relay.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "lab/relay_test_util.h"

namespace steadycast::lab {
namespace {

using namespace std::chrono_literals;
using net::testing::IoThread;
using net::testing::WaitUntil;
using testing::LoopbackOptions;
using testing::RelayOnThread;
using testing::TcpEcho;

using SteadyClock = std::chrono::steady_clock;

// A client connection through the relay, recording what it gets back.
class Client {
 public:
  Client(IoThread& io, const net::IpEndpoint& relay) : io_(io) {
    net::TcpStreamEvents events;
    events.on_connected = [this] { connected_ = true; };
    events.on_data = [this](std::span<const uint8_t> bytes) {
      std::lock_guard lock(mu_);
      data_.append(bytes.begin(), bytes.end());
      if (!first_byte_at_) first_byte_at_ = SteadyClock::now();
    };
    events.on_peer_closed = [this] { peer_closed_ = true; };
    events.on_closed = [this](base::Status status) {
      std::lock_guard lock(mu_);
      closed_ = status;
    };
    stream_ = net::TcpStream::Connect(io.io(), relay, 2s, std::move(events));
  }
  ~Client() {
    io_.Run([&] { stream_->Reset(); });
  }
  net::TcpStream& stream() { return *stream_; }
  bool connected() const { return connected_; }
  bool peer_closed() const { return peer_closed_; }
  size_t size() {
    std::lock_guard lock(mu_);
    return data_.size();
  }
  std::string data() {
    std::lock_guard lock(mu_);
    return data_;
  }
  std::optional<base::Status> closed() {
    std::lock_guard lock(mu_);
    return closed_;
  }
  std::optional<SteadyClock::time_point> first_byte_at() {
    std::lock_guard lock(mu_);
    return first_byte_at_;
  }

 private:
  IoThread& io_;
  std::shared_ptr<net::TcpStream> stream_;
  std::atomic<bool> connected_{false};
  std::atomic<bool> peer_closed_{false};
  std::mutex mu_;
  std::string data_;
  std::optional<SteadyClock::time_point> first_byte_at_;
  std::optional<base::Status> closed_;
};

class TcpRelayTest : public ::testing::Test {
 protected:
  ~TcpRelayTest() override {
    io_.Run([&] { echo_.Stop(); });
  }
  IoThread io_;
  TcpEcho echo_{io_.io()};
};

std::string Pattern(size_t size) {
  std::string text(size, '\0');
  for (size_t i = 0; i < size; ++i) text[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return text;
}

TEST_F(TcpRelayTest, ForwardsBytesBothWaysAndAnOrderlyClose) {
  RelayOnThread relay(io_, LoopbackOptions(RelayProtocol::kTcp, echo_.endpoint()));
  ASSERT_TRUE(relay.ok()) << relay.error().ToString();
  Client client(io_, relay.endpoint());
  const std::string payload = Pattern(size_t{2} * 1024 * 1024);
  client.stream().Send(base::Buffer::FromString(payload));
  ASSERT_TRUE(WaitUntil([&] { return client.size() == payload.size(); }, 10s)) << client.size();
  EXPECT_TRUE(client.data() == payload);

  client.stream().ShutdownSend();  // FIN → relay → echo → FIN back
  ASSERT_TRUE(WaitUntil([&] { return client.closed().has_value(); }));
  EXPECT_TRUE(client.peer_closed());
  EXPECT_TRUE(client.closed()->ok()) << client.closed()->ToString();
  ASSERT_TRUE(WaitUntil([&] { return relay.Stats().clients == 0; }));
  const RelayStats stats = relay.Stats();
  EXPECT_EQ(stats.up.released_bytes, payload.size());
  EXPECT_EQ(stats.down.released_bytes, payload.size());
  EXPECT_EQ(stats.clients_total, 1u);
}

TEST_F(TcpRelayTest, DelayAppliesEachWay) {
  auto options = LoopbackOptions(RelayProtocol::kTcp, echo_.endpoint());
  options.up.delay = 50ms;
  options.down.delay = 50ms;
  RelayOnThread relay(io_, options);
  ASSERT_TRUE(relay.ok());
  Client client(io_, relay.endpoint());
  ASSERT_TRUE(WaitUntil([&] { return client.connected(); }));
  std::this_thread::sleep_for(50ms);  // let the relay connect upstream
  const auto sent = SteadyClock::now();
  client.stream().Send(base::Buffer::FromString("ping"));
  ASSERT_TRUE(WaitUntil([&] { return client.size() == 4; }));
  const auto rtt = *client.first_byte_at() - sent;
  EXPECT_GE(rtt, 100ms);
  EXPECT_LT(rtt, 400ms);
}

TEST_F(TcpRelayTest, ACutResetsTheClientAndLaterConnectionsWork) {
  auto options = LoopbackOptions(RelayProtocol::kTcp, echo_.endpoint());
  options.cuts = {400ms};
  RelayOnThread relay(io_, options);
  ASSERT_TRUE(relay.ok());
  Client client(io_, relay.endpoint());
  client.stream().Send(base::Buffer::FromString("before"));
  ASSERT_TRUE(WaitUntil([&] { return client.size() == 6; }));
  ASSERT_TRUE(WaitUntil([&] { return client.closed().has_value(); }, 3s));
  const base::Status status = *client.closed();
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("reset"), std::string::npos) << status.message();
  EXPECT_TRUE(WaitUntil([&] { return echo_.resets() == 1; }));  // the server side too
  EXPECT_EQ(relay.Stats().cuts, 1u);

  Client again(io_, relay.endpoint());
  again.stream().Send(base::Buffer::FromString("after"));
  ASSERT_TRUE(WaitUntil([&] { return again.size() == 5; }));
  EXPECT_FALSE(again.closed().has_value());
}

TEST_F(TcpRelayTest, AnOutageStallsForwardingButKeepsTheConnection) {
  auto options = LoopbackOptions(RelayProtocol::kTcp, echo_.endpoint());
  options.outages = {{300ms, 700ms}};  // stalled from 0.3 s to 1.0 s
  const auto start = SteadyClock::now();
  RelayOnThread relay(io_, options);
  ASSERT_TRUE(relay.ok());
  Client client(io_, relay.endpoint());
  ASSERT_TRUE(WaitUntil([&] { return client.connected(); }));
  std::this_thread::sleep_until(start + 450ms);
  client.stream().Send(base::Buffer::FromString("held"));
  ASSERT_TRUE(WaitUntil([&] { return client.size() == 4; }, 3s));
  EXPECT_GE(*client.first_byte_at() - start, 1000ms);
  EXPECT_FALSE(client.closed().has_value());
  EXPECT_EQ(relay.Stats().up.dropped_outage, 0u);
}

TEST_F(TcpRelayTest, RateCapPacesTheStream) {
  auto options = LoopbackOptions(RelayProtocol::kTcp, echo_.endpoint());
  options.up.rate_kbit = 4'000;  // 500 kB/s
  RelayOnThread relay(io_, options);
  ASSERT_TRUE(relay.ok());
  Client client(io_, relay.endpoint());
  ASSERT_TRUE(WaitUntil([&] { return client.connected(); }));
  const std::string payload = Pattern(size_t{500} * 1000);
  const auto start = SteadyClock::now();
  client.stream().Send(base::Buffer::FromString(payload));
  ASSERT_TRUE(WaitUntil([&] { return client.size() == payload.size(); }, 5s)) << client.size();
  const auto elapsed = SteadyClock::now() - start;
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 2500ms);
  EXPECT_TRUE(client.data() == payload);
  // Flow control kept the bottleneck queue near its 100 ms (one 16 KiB read of overshoot).
  EXPECT_LT(relay.Stats().up.queue_delay_max, 200ms);
}

TEST_F(TcpRelayTest, AnUnreachableServerResetsTheClient) {
  auto options = LoopbackOptions(RelayProtocol::kTcp, echo_.endpoint());
  io_.Run([&] { echo_.Stop(); });
  std::this_thread::sleep_for(20ms);
  RelayOnThread relay(io_, options);
  ASSERT_TRUE(relay.ok());
  Client client(io_, relay.endpoint());
  ASSERT_TRUE(WaitUntil([&] { return client.closed().has_value(); }, 3s));
  EXPECT_FALSE(client.closed()->ok());
  EXPECT_TRUE(WaitUntil([&] { return relay.Stats().clients == 0; }));
}

}  // namespace
}  // namespace steadycast::lab
