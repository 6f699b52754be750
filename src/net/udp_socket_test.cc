#include "net/udp_socket.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "net/testing/io_thread.h"

namespace steadycast::net {
namespace {

using namespace std::chrono_literals;
using testing::IoThread;
using testing::WaitUntil;

IpEndpoint LoopbackAny() { return IpEndpoint::V4({127, 0, 0, 1}, 0); }

// Datagrams a socket received, shared with the test thread.
struct Inbox {
  std::mutex mu;
  std::vector<std::pair<std::string, IpEndpoint>> received;

  UdpSocket::ReceiveHandler Handler() {
    return [this](std::span<const uint8_t> datagram, const IpEndpoint& from) {
      std::lock_guard lock(mu);
      received.emplace_back(std::string(datagram.begin(), datagram.end()), from);
    };
  }
  size_t size() {
    std::lock_guard lock(mu);
    return received.size();
  }
  std::pair<std::string, IpEndpoint> at(size_t i) {
    std::lock_guard lock(mu);
    return received.at(i);
  }
};

TEST(UdpSocketTest, BoundSocketsExchangeDatagramsAndSeeTheSender) {
  IoThread io;
  auto a = UdpSocket::Bind(io.io(), LoopbackAny());
  auto b = UdpSocket::Bind(io.io(), LoopbackAny());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE((*a)->local_endpoint().port(), 0);
  Inbox inbox_a;
  Inbox inbox_b;
  (*a)->StartReceiving(inbox_a.Handler());
  (*b)->StartReceiving(inbox_b.Handler());

  (*a)->SendTo((*b)->local_endpoint(), base::Buffer::FromString("ping"));
  ASSERT_TRUE(WaitUntil([&] { return inbox_b.size() == 1; }));
  EXPECT_EQ(inbox_b.at(0).first, "ping");
  EXPECT_EQ(inbox_b.at(0).second, (*a)->local_endpoint());

  (*b)->SendTo(inbox_b.at(0).second, base::Buffer::FromString("pong"));
  ASSERT_TRUE(WaitUntil([&] { return inbox_a.size() == 1; }));
  EXPECT_EQ(inbox_a.at(0).first, "pong");
  io.Run([&] {
    a->reset();
    b->reset();
  });
}

TEST(UdpSocketTest, ConnectedSocketTalksOnlyToItsPeer) {
  IoThread io;
  auto server = UdpSocket::Bind(io.io(), LoopbackAny());
  auto stranger = UdpSocket::Bind(io.io(), LoopbackAny());
  ASSERT_TRUE(server.ok() && stranger.ok());
  auto client = UdpSocket::Connect(io.io(), (*server)->local_endpoint());
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  Inbox server_inbox;
  Inbox client_inbox;
  (*server)->StartReceiving(server_inbox.Handler());
  (*client)->StartReceiving(client_inbox.Handler());

  (*client)->Send(base::Buffer::FromString("hello"));
  ASSERT_TRUE(WaitUntil([&] { return server_inbox.size() == 1; }));
  EXPECT_EQ(server_inbox.at(0).second, (*client)->local_endpoint());

  (*stranger)->SendTo((*client)->local_endpoint(), base::Buffer::FromString("spoof"));
  (*server)->SendTo((*client)->local_endpoint(), base::Buffer::FromString("reply"));
  ASSERT_TRUE(WaitUntil([&] { return client_inbox.size() >= 1; }));
  std::this_thread::sleep_for(20ms);
  ASSERT_EQ(client_inbox.size(), 1u);
  EXPECT_EQ(client_inbox.at(0).first, "reply");
  io.Run([&] {
    server->reset();
    stranger->reset();
    client->reset();
  });
}

// A peer whose port is closed answers with ICMP; the connected socket reports it as an error
// on a later call. Neither receiving nor sending may stop because of it: SRT peers restart.
TEST(UdpSocketTest, SurvivesAPeerThatIsAwayForAWhile) {
  IoThread io;
  auto probe = UdpSocket::Bind(io.io(), LoopbackAny());
  ASSERT_TRUE(probe.ok());
  const IpEndpoint peer = (*probe)->local_endpoint();
  io.Run([&] { probe->reset(); });

  auto client = UdpSocket::Connect(io.io(), peer);
  ASSERT_TRUE(client.ok());
  Inbox client_inbox;
  (*client)->StartReceiving(client_inbox.Handler());
  for (int i = 0; i < 5; ++i) {
    (*client)->Send(base::Buffer::FromString("lost"));
    std::this_thread::sleep_for(2ms);
  }
  auto revived = UdpSocket::Bind(io.io(), peer);
  ASSERT_TRUE(revived.ok()) << revived.status().ToString();
  Inbox revived_inbox;
  (*revived)->StartReceiving(revived_inbox.Handler());
  (*client)->Send(base::Buffer::FromString("back"));
  ASSERT_TRUE(WaitUntil([&] { return revived_inbox.size() >= 1; }));
  EXPECT_EQ(revived_inbox.at(revived_inbox.size() - 1).first, "back");
  (*revived)->SendTo((*client)->local_endpoint(), base::Buffer::FromString("welcome"));
  ASSERT_TRUE(WaitUntil([&] { return client_inbox.size() == 1; }));
  io.Run([&] {
    client->reset();
    revived->reset();
  });
}

TEST(UdpSocketTest, CloseFromTheHandlerStopsDelivery) {
  IoThread io;
  auto receiver = UdpSocket::Bind(io.io(), LoopbackAny());
  auto sender = UdpSocket::Bind(io.io(), LoopbackAny());
  ASSERT_TRUE(receiver.ok() && sender.ok());
  std::atomic<int> calls{0};
  UdpSocket* raw = receiver->get();
  raw->StartReceiving([&](std::span<const uint8_t>, const IpEndpoint&) {
    ++calls;
    raw->Close();
  });
  for (int i = 0; i < 20; ++i)
    (*sender)->SendTo(raw->local_endpoint(), base::Buffer::FromString("x"));
  ASSERT_TRUE(WaitUntil([&] { return calls >= 1; }));
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(calls, 1);
  io.Run([&] {
    receiver->reset();
    sender->reset();
  });
}

TEST(UdpSocketTest, ABurstArrivesWholeOnLoopback) {
  IoThread io;
  auto receiver = UdpSocket::Bind(io.io(), LoopbackAny());
  auto sender = UdpSocket::Bind(io.io(), LoopbackAny());
  ASSERT_TRUE(receiver.ok() && sender.ok());
  std::atomic<size_t> bytes{0};
  std::atomic<int> count{0};
  (*receiver)->StartReceiving([&](std::span<const uint8_t> datagram, const IpEndpoint&) {
    bytes += datagram.size();
    ++count;
  });
  const base::Buffer payload = base::Buffer::Take(std::vector<uint8_t>(1316, 0x47));
  // Batches of 50 (66 KB) fit even a default-sized socket buffer (net.core.rmem_max).
  constexpr int kCount = 2000;
  for (int sent = 0; sent < kCount;) {
    for (int i = 0; i < 50; ++i, ++sent) {
      (*sender)->SendTo((*receiver)->local_endpoint(), payload);
    }
    ASSERT_TRUE(WaitUntil([&] { return count == sent; }))
        << count << " of " << sent << ", send drops " << (*sender)->send_drops();
  }
  EXPECT_EQ(bytes, size_t{kCount} * 1316);
  io.Run([&] {
    receiver->reset();
    sender->reset();
  });
}

TEST(UdpSocketTest, BindErrorsNameTheAddress) {
  IoThread io;
  auto first = UdpSocket::Bind(io.io(), LoopbackAny());
  ASSERT_TRUE(first.ok());
  auto second = UdpSocket::Bind(io.io(), (*first)->local_endpoint());
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find((*first)->local_endpoint().ToString()),
            std::string::npos)
      << second.status().message();
  io.Run([&] { first->reset(); });
}

}  // namespace
}  // namespace steadycast::net
