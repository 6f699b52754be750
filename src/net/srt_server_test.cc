// SrtServer on loopback with libsrt's own API as the caller: accept/reject before accept
// (reject reasons as the caller sees them), passphrases, per-stream latency, data delivery,
// stats, Close/Stop, limits, and hostile input (handshake flood, random datagrams).

#include "net/srt_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <srt/srt.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace steadycast::net {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;

constexpr char kPassphrase[] = "correct horse battery";

// What the handlers saw, shared with the test thread.
struct Recorder {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::shared_ptr<SrtConnection>> connections;
  std::string received;
  std::vector<SrtLinkStats> stats;
  int closed = 0;
  bool close_on_data = false;
  bool block_data = false;  // OnData waits until this is cleared (a stuck handler)

  template <typename Predicate>
  bool WaitFor(Predicate predicate, milliseconds timeout = milliseconds(5000)) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, [&] { return predicate(*this); });
  }
  void Update(const std::function<void(Recorder&)>& change) {
    {
      std::lock_guard lock(mu);
      change(*this);
    }
    cv.notify_all();
  }
};

class RecordingHandler : public SrtConnectionHandler {
 public:
  RecordingHandler(std::shared_ptr<SrtConnection> connection, Recorder& recorder)
      : connection_(std::move(connection)), recorder_(recorder) {
    recorder_.Update([&](Recorder& r) { r.connections.push_back(connection_); });
  }
  void OnData(std::span<const uint8_t> bytes) override {
    {
      std::unique_lock lock(recorder_.mu);
      recorder_.cv.wait(lock, [&] { return !recorder_.block_data; });
    }
    bool close = false;
    recorder_.Update([&](Recorder& r) {
      r.received.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      close = r.close_on_data;
    });
    if (close) connection_->Close();
  }
  void OnStats(const SrtLinkStats& stats) override {
    recorder_.Update([&](Recorder& r) { r.stats.push_back(stats); });
  }
  void OnClosed() override {
    recorder_.Update([](Recorder& r) { ++r.closed; });
  }

 private:
  std::shared_ptr<SrtConnection> connection_;
  Recorder& recorder_;
};

// A caller built on libsrt's API, as an encoder would be.
struct Caller {
  SRTSOCKET socket = SRT_INVALID_SOCK;
  int reject_reason = 0;
  bool connected = false;

  ~Caller() {
    if (socket != SRT_INVALID_SOCK) srt_close(socket);
  }

  void Connect(uint16_t port, const std::string& stream_id, const std::string& passphrase = "",
               int latency_ms = 120) {
    socket = srt_create_socket();
    ASSERT_NE(socket, SRT_INVALID_SOCK);
    const int live = SRTT_LIVE;
    ASSERT_NE(srt_setsockflag(socket, SRTO_TRANSTYPE, &live, sizeof live), SRT_ERROR);
    ASSERT_NE(srt_setsockflag(socket, SRTO_STREAMID, stream_id.data(),
                              static_cast<int>(stream_id.size())),
              SRT_ERROR);
    if (!passphrase.empty()) {
      ASSERT_NE(srt_setsockflag(socket, SRTO_PASSPHRASE, passphrase.data(),
                                static_cast<int>(passphrase.size())),
                SRT_ERROR);
    }
    ASSERT_NE(srt_setsockflag(socket, SRTO_LATENCY, &latency_ms, sizeof latency_ms), SRT_ERROR);
    const int timeout_ms = 3000;
    ASSERT_NE(srt_setsockflag(socket, SRTO_CONNTIMEO, &timeout_ms, sizeof timeout_ms), SRT_ERROR);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected = srt_connect(socket, reinterpret_cast<const sockaddr*>(&address), sizeof address) !=
                SRT_ERROR;
    if (!connected) reject_reason = srt_getrejectreason(socket);
  }

  void Send(const std::string& message) {
    ASSERT_EQ(srt_sendmsg(socket, message.data(), static_cast<int>(message.size()), -1, 1),
              static_cast<int>(message.size()))
        << srt_getlasterror_str();
  }

  int PeerLatency() const {
    int value = 0;
    int size = sizeof value;
    srt_getsockflag(socket, SRTO_PEERLATENCY, &value, &size);
    return value;
  }
};

class SrtServerTest : public ::testing::Test {
 protected:
  SrtServerTest() : work_(io_.get_executor()) {
    io_thread_ = std::thread([this] { io_.run(); });
  }

  ~SrtServerTest() override {
    server_.reset();
    work_.reset();
    io_.stop();
    io_thread_.join();
  }

  void Start(SrtServerOptions options = {}) {
    options.stats_interval = milliseconds(100);
    server_ = std::make_unique<SrtServer>(
        io_, options,
        [this](const SrtAcceptRequest& request) {
          decisions_.fetch_add(1);
          return Decide(request);
        },
        [this](std::shared_ptr<SrtConnection> connection) {
          return std::make_unique<RecordingHandler>(std::move(connection), recorder_);
        });
    auto bound = server_->Listen("127.0.0.1", 0);
    ASSERT_TRUE(bound.ok()) << bound.status().ToString();
    ASSERT_TRUE(bound->starts_with("127.0.0.1:")) << *bound;
    port_ = static_cast<uint16_t>(std::stoi(bound->substr(bound->rfind(':') + 1)));
    ASSERT_NE(port_, 0);
  }

  static SrtAcceptDecision Decide(const SrtAcceptRequest& request) {
    if (request.stream_id == "good") return SrtAcceptDecision::Accept();
    if (request.stream_id == "secret") {
      auto decision = SrtAcceptDecision::Accept();
      decision.passphrase = kPassphrase;
      decision.pbkeylen = 16;
      return decision;
    }
    if (request.stream_id == "slow") {
      auto decision = SrtAcceptDecision::Accept();
      decision.latency = milliseconds(900);
      return decision;
    }
    if (request.stream_id == "disabled") return SrtAcceptDecision::Reject(kSrtRejectForbidden);
    return SrtAcceptDecision::Reject(kSrtRejectNotFound);
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread io_thread_;
  Recorder recorder_;
  std::atomic<int> decisions_{0};
  std::unique_ptr<SrtServer> server_;
  uint16_t port_ = 0;
};

std::string Message(int i) { return std::string(1316, static_cast<char>('a' + i % 26)); }

TEST_F(SrtServerTest, DeliversDataInOrderAndReportsClose) {
  Start();
  Caller caller;
  caller.Connect(port_, "good");
  ASSERT_TRUE(caller.connected) << SrtRejectReasonText(caller.reject_reason);
  std::string sent;
  for (int i = 0; i < 20; ++i) {
    caller.Send(Message(i));
    sent += Message(i);
  }
  ASSERT_TRUE(recorder_.WaitFor([&](Recorder& r) { return r.received.size() == sent.size(); }));
  {
    std::lock_guard lock(recorder_.mu);
    EXPECT_EQ(recorder_.received, sent);
    ASSERT_EQ(recorder_.connections.size(), 1u);
    EXPECT_EQ(recorder_.connections[0]->stream_id(), "good");
    EXPECT_TRUE(recorder_.connections[0]->remote_address().starts_with("127.0.0.1:"));
  }
  EXPECT_EQ(server_->ConnectionCount(), 1u);
  srt_close(caller.socket);
  caller.socket = SRT_INVALID_SOCK;
  ASSERT_TRUE(recorder_.WaitFor([](Recorder& r) { return r.closed == 1; }));
  EXPECT_EQ(server_->ConnectionCount(), 0u);
  EXPECT_EQ(server_->Counters().accepted, 1);
}

TEST_F(SrtServerTest, UnknownAndDisabledKeysAreRejectedWithTheirReason) {
  Start();
  Caller unknown;
  unknown.Connect(port_, "nope");
  EXPECT_FALSE(unknown.connected);
  EXPECT_EQ(unknown.reject_reason, kSrtRejectNotFound)
      << SrtRejectReasonText(unknown.reject_reason);
  Caller disabled;
  disabled.Connect(port_, "disabled");
  EXPECT_FALSE(disabled.connected);
  EXPECT_EQ(disabled.reject_reason, kSrtRejectForbidden);
  EXPECT_EQ(server_->Counters().rejected, 2);
  EXPECT_EQ(server_->ConnectionCount(), 0u);
  std::lock_guard lock(recorder_.mu);
  EXPECT_TRUE(recorder_.connections.empty());
}

TEST_F(SrtServerTest, RightPassphraseCarriesEncryptedData) {
  Start();
  Caller caller;
  caller.Connect(port_, "secret", kPassphrase);
  ASSERT_TRUE(caller.connected) << SrtRejectReasonText(caller.reject_reason);
  caller.Send(Message(1));
  ASSERT_TRUE(recorder_.WaitFor([](Recorder& r) { return r.received == Message(1); }));
}

TEST_F(SrtServerTest, WrongOrMissingPassphraseIsRejectedBeforeAnyMedia) {
  Start();
  Caller wrong;
  wrong.Connect(port_, "secret", "incorrect horse battery");
  EXPECT_FALSE(wrong.connected);
  EXPECT_EQ(wrong.reject_reason, kSrtRejectBadSecret) << SrtRejectReasonText(wrong.reject_reason);
  Caller missing;
  missing.Connect(port_, "secret");
  EXPECT_FALSE(missing.connected);
  EXPECT_EQ(missing.reject_reason, kSrtRejectUnsecure)
      << SrtRejectReasonText(missing.reject_reason);
  std::lock_guard lock(recorder_.mu);
  EXPECT_TRUE(recorder_.connections.empty());
}

// Documented behaviour: a caller that encrypts towards a stream without a passphrase is
// rejected (SRTO_ENFORCEDENCRYPTION), never connected with undecryptable payload.
TEST_F(SrtServerTest, CallerPassphraseOnUnencryptedStreamIsRejected) {
  Start();
  Caller caller;
  caller.Connect(port_, "good", kPassphrase);
  EXPECT_FALSE(caller.connected);
  EXPECT_EQ(caller.reject_reason, kSrtRejectUnsecure) << SrtRejectReasonText(caller.reject_reason);
}

TEST_F(SrtServerTest, PerStreamLatencyIsNegotiated) {
  Start({.receive_latency = milliseconds(300)});
  Caller slow;
  slow.Connect(port_, "slow", "", 120);
  ASSERT_TRUE(slow.connected);
  EXPECT_EQ(slow.PeerLatency(), 900);  // the listener's larger receive latency wins
  Caller normal;
  normal.Connect(port_, "good", "", 120);
  ASSERT_TRUE(normal.connected);
  EXPECT_EQ(normal.PeerLatency(), 300);
  Caller eager;
  eager.Connect(port_, "good", "", 1200);
  ASSERT_TRUE(eager.connected);
  EXPECT_EQ(eager.PeerLatency(), 1200);  // the caller's larger latency wins
}

TEST_F(SrtServerTest, StatsAreSampledAndPosted) {
  Start();
  Caller caller;
  caller.Connect(port_, "good");
  ASSERT_TRUE(caller.connected);
  for (int i = 0; i < 50; ++i) caller.Send(Message(i));
  ASSERT_TRUE(recorder_.WaitFor(
      [](Recorder& r) { return !r.stats.empty() && r.stats.back().packets_received >= 50; }));
  std::lock_guard lock(recorder_.mu);
  const SrtLinkStats& last = recorder_.stats.back();
  EXPECT_EQ(last.latency_ms, 500);
  EXPECT_GE(last.bytes_received, 50 * 1316);
  EXPECT_EQ(last.packets_dropped, 0);
  EXPECT_GE(last.rtt_ms, 0);
  EXPECT_GT(last.connected_ms, 0);
  EXPECT_EQ(recorder_.connections[0]->Stats().packets_received,
            recorder_.stats.back().packets_received);
}

TEST_F(SrtServerTest, CloseFromTheHandlerBreaksTheCallersLink) {
  Start();
  recorder_.Update([](Recorder& r) { r.close_on_data = true; });
  Caller caller;
  caller.Connect(port_, "good");
  ASSERT_TRUE(caller.connected);
  caller.Send(Message(0));
  ASSERT_TRUE(recorder_.WaitFor([](Recorder& r) { return r.closed == 1; }));
  const auto deadline = std::chrono::steady_clock::now() + milliseconds(5000);
  while (srt_getsockstate(caller.socket) == SRTS_CONNECTED &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_NE(srt_getsockstate(caller.socket), SRTS_CONNECTED);
  EXPECT_EQ(server_->ConnectionCount(), 0u);
}

// A caller whose link stays up (libsrt keep-alives) but sends no data is closed after
// peer_idle_timeout + its latency; libsrt alone would wait ~5 s whatever the setting.
TEST_F(SrtServerTest, SilentCallerIsClosedAfterThePeerIdleTimeout) {
  Start({.receive_latency = milliseconds(120), .peer_idle_timeout = milliseconds(1000)});
  Caller caller;
  caller.Connect(port_, "good", "", 120);
  ASSERT_TRUE(caller.connected);
  caller.Send(Message(0));
  ASSERT_TRUE(recorder_.WaitFor([](Recorder& r) { return r.received == Message(0); }));
  const auto silent_since = std::chrono::steady_clock::now();
  ASSERT_TRUE(recorder_.WaitFor([](Recorder& r) { return r.closed == 1; }));
  const auto waited = std::chrono::steady_clock::now() - silent_since;
  EXPECT_GE(waited, milliseconds(900));
  EXPECT_LE(waited, milliseconds(2500));
}

// A handler that stops consuming does not make the server buffer without bound.
TEST_F(SrtServerTest, StuckHandlerGetsItsConnectionClosed) {
  Start({.max_pending_bytes = 20'000});
  recorder_.Update([](Recorder& r) { r.block_data = true; });
  Caller caller;
  caller.Connect(port_, "good");
  ASSERT_TRUE(caller.connected);
  for (int i = 0; i < 60; ++i) caller.Send(Message(i));  // 79 KB
  const auto deadline = std::chrono::steady_clock::now() + milliseconds(5000);
  while (server_->ConnectionCount() != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(server_->ConnectionCount(), 0u);
  recorder_.Update([](Recorder& r) { r.block_data = false; });
  ASSERT_TRUE(recorder_.WaitFor([](Recorder& r) { return r.closed == 1; }));
  std::lock_guard lock(recorder_.mu);
  EXPECT_LE(recorder_.received.size(), 20'000u + 64 * 1024);
}

TEST_F(SrtServerTest, StopClosesEveryConnection) {
  Start();
  Caller a;
  Caller b;
  a.Connect(port_, "good");
  b.Connect(port_, "good");
  ASSERT_TRUE(a.connected && b.connected);
  ASSERT_TRUE(recorder_.WaitFor([](Recorder& r) { return r.connections.size() == 2; }));
  server_->Stop();
  EXPECT_EQ(server_->ConnectionCount(), 0u);
  ASSERT_TRUE(recorder_.WaitFor([](Recorder& r) { return r.closed == 2; }));
  server_->Stop();  // idempotent
  EXPECT_FALSE(server_->Listen("127.0.0.1", 0).ok());
}

TEST_F(SrtServerTest, ConnectionLimitRejectsWithOverload) {
  Start({.max_connections = 1});
  Caller first;
  first.Connect(port_, "good");
  ASSERT_TRUE(first.connected);
  // The handshake-time check counts accepted connections; the epoll thread adopts the first
  // one a moment after the caller sees it connected.
  ASSERT_TRUE(recorder_.WaitFor([](Recorder& r) { return r.connections.size() == 1; }));
  Caller second;
  second.Connect(port_, "good");
  EXPECT_FALSE(second.connected);
  EXPECT_EQ(second.reject_reason, kSrtRejectOverload);
}

TEST_F(SrtServerTest, ListenTwiceFails) {
  Start();
  EXPECT_FALSE(server_->Listen("127.0.0.1", 0).ok());
}

TEST_F(SrtServerTest, ListenOnABadHostFails) {
  SrtServer server(
      io_, {}, [](const SrtAcceptRequest&) { return SrtAcceptDecision::Accept(); },
      [](std::shared_ptr<SrtConnection>) { return nullptr; });
  EXPECT_FALSE(server.Listen("no-such-host.invalid", 0).ok());
}

// ≥ 500 handshakes with a wrong key from one address within 10 s: the decider is asked only a
// few times, every attempt still gets "not found", and a legitimate publisher from the same
// address connects at once.
TEST_F(SrtServerTest, HandshakeFloodDoesNotLockOutALegitimatePublisher) {
  Start();
  const auto started = std::chrono::steady_clock::now();
  int not_found = 0;
  for (int i = 0; i < 500; ++i) {
    Caller attacker;
    attacker.Connect(port_, "wrong-key");
    ASSERT_FALSE(attacker.connected);
    if (attacker.reject_reason == kSrtRejectNotFound) ++not_found;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  EXPECT_EQ(not_found, 500);
  EXPECT_LE(decisions_.load(), 3);
  EXPECT_GE(server_->Counters().throttled, 497);
  const auto legit_started = std::chrono::steady_clock::now();
  Caller legit;
  legit.Connect(port_, "good");
  EXPECT_TRUE(legit.connected) << SrtRejectReasonText(legit.reject_reason);
  EXPECT_LT(std::chrono::steady_clock::now() - legit_started, std::chrono::seconds(2));
}

TEST_F(SrtServerTest, RandomDatagramsDoNoHarm) {
  Start();
  const int udp = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(udp, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port_);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::mt19937 rng(42);
  std::vector<uint8_t> datagram;
  for (int i = 0; i < 2000; ++i) {
    datagram.resize(rng() % 1500);
    for (auto& byte : datagram) byte = static_cast<uint8_t>(rng());
    // Every tenth looks like an SRT control packet (high bit set) to reach deeper code.
    if (i % 10 == 0 && !datagram.empty()) datagram[0] |= 0x80;
    ::sendto(udp, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&address),
             sizeof address);
  }
  ::close(udp);
  Caller legit;
  legit.Connect(port_, "good");
  ASSERT_TRUE(legit.connected);
  legit.Send(Message(3));
  ASSERT_TRUE(recorder_.WaitFor([](Recorder& r) { return r.received == Message(3); }));
}

TEST(SrtRejectReasonTextTest, NamesCodes) {
  EXPECT_EQ(SrtRejectReasonText(kSrtRejectNotFound), "SRT_REJX_NOTFOUND (1404)");
  EXPECT_NE(SrtRejectReasonText(kSrtRejectBadSecret).find("(10)"), std::string::npos);
  EXPECT_EQ(SrtRejectReasonText(2042), "reject code 2042");
}

}  // namespace
}  // namespace steadycast::net
