#include "net/tcp_server.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "net/io_loops.h"
#include "net/testing/http_test_client.h"

namespace steadycast::net {
namespace {

namespace asio = boost::asio;
using testing::PortOf;
using testing::TestClient;

// What the handlers saw, shared with the test thread.
struct Recorder {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::shared_ptr<TcpConnection>> connections;
  std::string received;
  int closed = 0;
  int opened = 0;
  std::atomic<int> concurrent_callbacks{0};
  bool overlap = false;

  template <typename Predicate>
  bool WaitFor(Predicate predicate, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, [&] { return predicate(*this); });
  }
};

// Echoes what it receives; on "flood" sends `flood_bytes` at once; "establish" marks the
// connection established.
class EchoHandler : public TcpConnectionHandler {
 public:
  EchoHandler(std::shared_ptr<TcpConnection> connection, Recorder& recorder, size_t flood_bytes)
      : connection_(std::move(connection)), recorder_(recorder), flood_bytes_(flood_bytes) {}

  void OnData(std::span<const uint8_t> bytes) override {
    Enter();
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    {
      std::lock_guard lock(recorder_.mu);
      recorder_.received += text;
    }
    recorder_.cv.notify_all();
    if (text.starts_with("establish")) connection_->MarkEstablished();
    if (text.starts_with("flood")) {
      const base::Buffer chunk = base::Buffer::Take(std::vector<uint8_t>(64 * 1024, 'f'));
      for (size_t sent = 0; sent < flood_bytes_; sent += chunk.size()) connection_->Send(chunk);
    } else {
      connection_->Send(base::Buffer::Copy(bytes));
    }
    Leave();
  }

  void OnClosed() override {
    Enter();
    {
      std::lock_guard lock(recorder_.mu);
      ++recorder_.closed;
    }
    recorder_.cv.notify_all();
    Leave();
  }

 private:
  void Enter() {
    if (recorder_.concurrent_callbacks.fetch_add(1) != 0) recorder_.overlap = true;
  }
  void Leave() { recorder_.concurrent_callbacks.fetch_sub(1); }

  std::shared_ptr<TcpConnection> connection_;
  Recorder& recorder_;
  size_t flood_bytes_;
};

class TcpServerTest : public ::testing::Test {
 protected:
  ~TcpServerTest() override {
    // Let every connection finish on the io threads (OnClosed breaks the handler ↔
    // connection cycle), then stop them; nothing may outlive io_.
    if (server_) server_->Stop();
    for (int i = 0; i < 300; ++i) {  // polled: ConnectionCount() does not notify recorder_.cv
      {
        std::lock_guard lock(recorder_.mu);
        if (recorder_.closed == recorder_.opened && (!server_ || server_->ConnectionCount() == 0)) {
          break;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    server_.reset();
    loops_.reset();  // after the connections on it are gone
    work_.reset();
    io_.stop();
    for (auto& thread : threads_) thread.join();
    recorder_.connections.clear();
  }

  void Start(TcpServerOptions options = {}, size_t flood_bytes = 0, size_t loops = 0) {
    if (loops > 0) loops_ = std::make_unique<IoLoops>(loops);
    server_ = std::make_unique<TcpServer>(
        io_, options,
        [this, flood_bytes](std::shared_ptr<TcpConnection> connection) {
          {
            std::lock_guard lock(recorder_.mu);
            ++recorder_.opened;
            recorder_.connections.push_back(connection);
          }
          recorder_.cv.notify_all();
          return std::make_unique<EchoHandler>(std::move(connection), recorder_, flood_bytes);
        },
        loops_.get());
    auto bound = server_->Listen("127.0.0.1", 0);
    ASSERT_TRUE(bound.ok()) << bound.status().ToString();
    port_ = PortOf(*bound);
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  std::shared_ptr<TcpConnection> WaitConnection() {
    if (!recorder_.WaitFor([](Recorder& r) { return !r.connections.empty(); })) return nullptr;
    std::lock_guard lock(recorder_.mu);
    return recorder_.connections.front();
  }

  bool WaitClosed(int count) {
    return recorder_.WaitFor([count](Recorder& r) { return r.closed >= count; });
  }

  static std::string ReadExactly(TestClient& client, size_t n) {
    std::string out(n, '\0');
    boost::system::error_code ec;
    const size_t got = asio::read(client.socket(), asio::buffer(out), ec);
    out.resize(got);
    return out;
  }

  Recorder recorder_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      asio::make_work_guard(io_)};
  std::vector<std::thread> threads_;
  std::unique_ptr<IoLoops> loops_;
  std::unique_ptr<TcpServer> server_;
  uint16_t port_ = 0;
};

TEST_F(TcpServerTest, EchoesInOrderAndReportsRemoteAddress) {
  Start();
  TestClient client(port_);
  ASSERT_TRUE(client.connected());
  client.SendRaw("hello");
  EXPECT_EQ(ReadExactly(client, 5), "hello");
  std::string big(1024 * 1024, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  std::thread writer([&] { client.SendRaw(big); });
  EXPECT_EQ(ReadExactly(client, big.size()), big);
  writer.join();
  auto connection = WaitConnection();
  ASSERT_TRUE(connection);
  EXPECT_TRUE(connection->remote_address().starts_with("127.0.0.1:"));
  EXPECT_FALSE(recorder_.overlap);
}

TEST_F(TcpServerTest, ConnectionsOnIoLoopsEchoAndClose) {
  Start({}, 0, /*loops=*/2);
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<TestClient>(port_));
    ASSERT_TRUE(clients.back()->connected());
  }
  std::string big(256 * 1024, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  for (auto& client : clients) {
    client->SendRaw("hello");
    EXPECT_EQ(ReadExactly(*client, 5), "hello");
    std::thread writer([&] { client->SendRaw(big); });
    EXPECT_EQ(ReadExactly(*client, big.size()), big);
    writer.join();
  }
  ASSERT_TRUE(recorder_.WaitFor([](Recorder& r) { return r.connections.size() == 3; }));
  std::vector<std::shared_ptr<TcpConnection>> connections;
  {
    std::lock_guard lock(recorder_.mu);
    connections = recorder_.connections;
  }
  std::thread closer([&connections] {
    for (auto& connection : connections) {
      connection->Send(base::Buffer::FromString("bye"));
      connection->Close();
    }
  });
  closer.join();
  for (auto& client : clients) EXPECT_EQ(ReadExactly(*client, 4), "bye");  // then EOF
  ASSERT_TRUE(WaitClosed(3));
  // Connections on different loops may run at the same time: no overlap check here.
}

TEST_F(TcpServerTest, PeerCloseCallsOnClosedOnce) {
  Start();
  {
    TestClient client(port_);
    client.SendRaw("x");
    EXPECT_EQ(ReadExactly(client, 1), "x");
  }
  ASSERT_TRUE(WaitClosed(1));
  auto connection = WaitConnection();
  connection->Close();  // after the end: harmless
  connection->Send(base::Buffer::FromString("ignored"));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::lock_guard lock(recorder_.mu);
  EXPECT_EQ(recorder_.closed, 1);
  EXPECT_EQ(server_->ConnectionCount(), 0u);
}

TEST_F(TcpServerTest, CloseFromAnotherThreadFlushesFirst) {
  Start();
  TestClient client(port_);
  auto connection = WaitConnection();
  ASSERT_TRUE(connection);
  std::thread closer([connection] {
    connection->Send(base::Buffer::FromString("last words"));
    connection->Close();
    connection->Close();  // idempotent
  });
  closer.join();
  EXPECT_EQ(ReadExactly(client, 10), "last words");
  EXPECT_TRUE(client.PeerClosed());
  client.socket().close();  // the server lingers for our EOF
  ASSERT_TRUE(WaitClosed(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::lock_guard lock(recorder_.mu);
  EXPECT_EQ(recorder_.closed, 1);
}

TEST_F(TcpServerTest, SendQueueOverflowCloses) {
  TcpServerOptions options;
  options.max_send_queue_bytes = 256 * 1024;
  Start(options, /*flood_bytes=*/4 * 1024 * 1024);
  TestClient client(port_);
  client.SendRaw("flood");  // and never read
  ASSERT_TRUE(WaitClosed(1));
  EXPECT_EQ(server_->ConnectionCount(), 0u);
}

TEST_F(TcpServerTest, QueueWithinLimitIsDelivered) {
  TcpServerOptions options;
  options.max_send_queue_bytes = 8 * 1024 * 1024;
  Start(options, /*flood_bytes=*/2 * 1024 * 1024);
  TestClient client(port_);
  client.SendRaw("flood");
  EXPECT_EQ(ReadExactly(client, 2 * 1024 * 1024), std::string(2 * 1024 * 1024, 'f'));
}

TEST_F(TcpServerTest, IdleTimeoutCloses) {
  TcpServerOptions options;
  options.idle_timeout = std::chrono::milliseconds(150);
  Start(options);
  TestClient active(port_);
  TestClient silent(port_);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 8; ++i) {  // 400 ms of chatter keeps `active` open
    active.SendRaw("p");
    EXPECT_EQ(ReadExactly(active, 1), "p");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(silent.PeerClosed());
  silent.socket().close();
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(140));
  active.SendRaw("q");
  EXPECT_EQ(ReadExactly(active, 1), "q");
  EXPECT_TRUE(active.PeerClosed());  // once it too goes quiet
  active.socket().close();
  ASSERT_TRUE(WaitClosed(2));
}

TEST_F(TcpServerTest, EstablishTimeoutClosesATricklingPeerButNotAnEstablishedOne) {
  TcpServerOptions options;
  options.idle_timeout = std::chrono::seconds(10);
  options.establish_timeout = std::chrono::milliseconds(300);
  Start(options);
  TestClient trickling(port_);
  TestClient established(port_);
  established.SendRaw("establish");
  EXPECT_EQ(ReadExactly(established, 9), "establish");
  const auto start = std::chrono::steady_clock::now();
  bool closed_early = false;
  for (int i = 0; i < 6; ++i) {  // 600 ms of chatter: never idle, never established
    if (!trickling.SendRaw("p") || ReadExactly(trickling, 1) != "p") {
      closed_early = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(closed_early || trickling.PeerClosed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  trickling.socket().close();
  established.SendRaw("q");  // past the establish deadline, still open
  EXPECT_EQ(ReadExactly(established, 1), "q");
  established.socket().close();
  ASSERT_TRUE(WaitClosed(2));
}

TEST_F(TcpServerTest, StopClosesEveryConnectionAndStopsAccepting) {
  Start();
  TestClient a(port_);
  TestClient b(port_);
  ASSERT_TRUE(recorder_.WaitFor([](Recorder& r) { return r.opened == 2; }));
  server_->Stop();
  EXPECT_TRUE(a.PeerClosed());
  EXPECT_TRUE(b.PeerClosed());
  a.socket().close();
  b.socket().close();
  ASSERT_TRUE(WaitClosed(2));
  TestClient late(port_);
  EXPECT_FALSE(late.connected() && !late.PeerClosed());
}

TEST_F(TcpServerTest, ConnectionLimit) {
  TcpServerOptions options;
  options.max_connections = 1;
  Start(options);
  TestClient a(port_);
  a.SendRaw("a");
  EXPECT_EQ(ReadExactly(a, 1), "a");
  TestClient b(port_);
  EXPECT_TRUE(b.PeerClosed());
  std::lock_guard lock(recorder_.mu);
  EXPECT_EQ(recorder_.opened, 1);
}

TEST_F(TcpServerTest, FactoryMayRefuse) {
  server_ = std::make_unique<TcpServer>(io_, TcpServerOptions{},
                                        [](std::shared_ptr<TcpConnection>) { return nullptr; });
  auto bound = server_->Listen("127.0.0.1", 0);
  ASSERT_TRUE(bound.ok());
  threads_.emplace_back([this] { io_.run(); });
  TestClient client(PortOf(*bound));
  EXPECT_TRUE(client.PeerClosed());
}

// Test-only PEM files, generated once with
//   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 36500
//     -subj /CN=localhost -keyout test_key.pem -out test_cert.pem
std::string TestData(const char* name) {
  return (std::filesystem::path(STEADYCAST_NET_TESTDATA) / name).string();
}

TEST_F(TcpServerTest, TlsEcho) {
  TcpServerOptions options;
  options.tls_certificate_file = TestData("test_cert.pem");
  options.tls_private_key_file = TestData("test_key.pem");
  Start(options);

  asio::io_context io;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_verify_mode(asio::ssl::verify_none);
  asio::ssl::stream<asio::ip::tcp::socket> stream(io, tls);
  stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), port_});
  stream.handshake(asio::ssl::stream_base::client);
  asio::write(stream, asio::buffer(std::string_view("over tls")));
  std::string got(8, '\0');
  asio::read(stream, asio::buffer(got));
  EXPECT_EQ(got, "over tls");

  auto connection = WaitConnection();
  connection->Close();
  boost::system::error_code ec;
  char byte;
  stream.read_some(asio::buffer(&byte, 1), ec);  // the server's close_notify
  EXPECT_EQ(ec, asio::error::eof) << ec.message();
  stream.shutdown(ec);  // ours, which ends the server's wait for it
  ASSERT_TRUE(WaitClosed(1));
}

TEST_F(TcpServerTest, TlsPlaintextClientIsDropped) {
  TcpServerOptions options;
  options.tls_certificate_file = TestData("test_cert.pem");
  options.tls_private_key_file = TestData("test_key.pem");
  Start(options);
  TestClient client(port_);
  client.SendRaw("GET / HTTP/1.1\r\n\r\n");
  // The server may answer with a TLS alert; then it closes.
  boost::system::error_code ec;
  std::array<char, 256> sink;
  while (!ec) client.socket().read_some(asio::buffer(sink), ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  std::lock_guard lock(recorder_.mu);
  EXPECT_EQ(recorder_.opened, 0);  // no handler for a failed handshake
}

TEST(TcpServerTlsTest, BadCertificateFailsListen) {
  asio::io_context io;
  TcpServerOptions options;
  options.tls_certificate_file = "missing-cert.pem";
  options.tls_private_key_file = "missing-key.pem";
  TcpServer server(io, options, [](std::shared_ptr<TcpConnection>) { return nullptr; });
  auto bound = server.Listen("127.0.0.1", 0);
  EXPECT_FALSE(bound.ok());
  EXPECT_EQ(bound.status().code(), base::ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace steadycast::net
