// The sendfile(2) path of HttpConnection: responses whose body is a memfd-backed Buffer.

#include <sys/socket.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>

#include "base/buffer.h"
#include "net/http_server.h"
#include "net/testing/http_test_client.h"

namespace steadycast::net {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using testing::PortOf;
using testing::TestClient;

base::Buffer FileBacked(size_t size) {
  std::vector<uint8_t> bytes(size);
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<uint8_t>(i * 13 + i / 4099);
  return base::Buffer::TakeIntoMemfd(std::move(bytes), "steadycast-net-test");
}

// A real server on 127.0.0.1 (free port) run by two io threads, serving memfd-backed bodies.
class HttpSendfileTest : public ::testing::Test {
 protected:
  HttpSendfileTest() {
    router_.Add("GET", "/big", [this](const HttpRequest&, HttpResponder respond) {
      respond(HttpResponse().Body(big_, "video/iso.segment"));
    });
    router_.Add("GET", "/huge", [this](const HttpRequest&, HttpResponder respond) {
      respond(HttpResponse().Body(huge_, "video/iso.segment"));
    });
    // As deliver/ answers a byte range: a Slice of the segment (206 status).
    router_.Add("GET", "/slice", [this](const HttpRequest&, HttpResponder respond) {
      respond(HttpResponse::Status(206).Body(big_.Slice(kSliceOffset, kSliceLength),
                                             "video/iso.segment"));
    });
    router_.Add("GET", "/hello", [](const HttpRequest&, HttpResponder respond) {
      respond(HttpResponse().Text("hello world"));
    });
  }

  ~HttpSendfileTest() override {
    server_.reset();
    work_.reset();
    io_.stop();
    for (auto& thread : threads_) thread.join();
  }

  void Start(HttpServerOptions options = {}) {
    server_ = std::make_unique<HttpServer>(io_, options, router_);
    auto bound = server_->Listen("127.0.0.1", 0);
    ASSERT_TRUE(bound.ok()) << bound.status().ToString();
    port_ = PortOf(*bound);
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  bool WaitForConnections(size_t count) {
    for (int i = 0; i < 500; ++i) {
      if (server_->ConnectionCount() == count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  // A raw client whose receive buffer is tiny from the start (set before connecting, so the
  // window stays small): the server fills it at once and then has to wait.
  asio::ip::tcp::socket SlowClient(asio::io_context& io) {
    asio::ip::tcp::socket socket(io);
    socket.open(asio::ip::tcp::v4());
    socket.set_option(asio::socket_base::receive_buffer_size(4096));
    socket.connect({asio::ip::make_address("127.0.0.1"), port_});
    return socket;
  }

  static constexpr size_t kSliceOffset = 1'000'003;  // not page-aligned on purpose
  static constexpr size_t kSliceLength = 777'777;

  const base::Buffer big_ = FileBacked(size_t{5} * 1024 * 1024);
  const base::Buffer huge_ = FileBacked(size_t{24} * 1024 * 1024);  // more than any socket buffers
  HttpRouter router_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      asio::make_work_guard(io_)};
  std::vector<std::thread> threads_;
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
};

TEST_F(HttpSendfileTest, LargeFileBodyArrivesByteExact) {
  ASSERT_TRUE(big_.file_range().has_value()) << "memfd unavailable: the test would not test";
  Start();
  TestClient client(port_);
  auto response = client.Get("/big");
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response[http::field::content_length], std::to_string(big_.size()));
  ASSERT_EQ(response.body().size(), big_.size());
  EXPECT_TRUE(response.body() == big_.AsStringView());
  EXPECT_TRUE(response.keep_alive());
}

TEST_F(HttpSendfileTest, SliceIsSentFromItsOwnOffset) {
  Start();
  TestClient client(port_);
  auto response = client.Get("/slice");
  EXPECT_EQ(response.result_int(), 206);
  EXPECT_EQ(response[http::field::content_length], std::to_string(kSliceLength));
  ASSERT_EQ(response.body().size(), kSliceLength);
  EXPECT_TRUE(response.body() == big_.Slice(kSliceOffset, kSliceLength).AsStringView());
}

TEST_F(HttpSendfileTest, KeepAliveContinuesAfterFileBodies) {
  Start();
  TestClient client(port_);
  EXPECT_EQ(client.Get("/hello").body(), "hello world");
  EXPECT_EQ(client.Get("/big").body().size(), big_.size());
  EXPECT_EQ(client.Get("/hello").body(), "hello world");
  client.Send(http::verb::head, "/big");  // HEAD: the head only, no file bytes follow
  auto [ec, head] = client.Read(/*head=*/true);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(head[http::field::content_length], std::to_string(big_.size()));
  EXPECT_TRUE(client.Get("/slice").body() == big_.Slice(kSliceOffset, kSliceLength).AsStringView());
  EXPECT_EQ(client.Get("/hello").body(), "hello world");
  EXPECT_EQ(server_->ConnectionCount(), 1u);
}

TEST_F(HttpSendfileTest, PipelinedFileBodiesAnswerInOrder) {
  Start();
  TestClient client(port_);
  client.SendRaw(
      "GET /slice HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(client.Read().second.body().size(), kSliceLength);
  EXPECT_EQ(client.Read().second.body(), "hello world");
  EXPECT_TRUE(client.Read().second.body() == big_.AsStringView());
}

TEST_F(HttpSendfileTest, ConcurrentSlowAndFastClientsGetExactBytes) {
  Start();
  constexpr int kClients = 8;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  clients.reserve(kClients);
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([this, &ok] {
      TestClient client(port_);
      bool good = client.Get("/big").body() == big_.AsStringView();
      good = good && client.Get("/hello").body() == "hello world";
      if (good) ++ok;
    });
  }
  // One more that reads slowly, in small pieces, so the server waits for it many times.
  asio::io_context io;
  asio::ip::tcp::socket slow = SlowClient(io);
  asio::write(slow, asio::buffer(std::string_view("GET /big HTTP/1.1\r\nHost: x\r\n\r\n")));
  asio::streambuf received;
  const size_t head_size = asio::read_until(slow, received, "\r\n\r\n");
  std::string wire(received.size(), '\0');
  asio::buffer_copy(asio::buffer(wire), received.data());
  wire.erase(0, head_size);
  std::vector<char> piece(size_t{64} * 1024);
  while (wire.size() < big_.size()) {
    boost::system::error_code ec;
    const size_t n = slow.read_some(asio::buffer(piece), ec);
    ASSERT_FALSE(ec) << ec.message();
    wire.append(piece.data(), n);
  }
  EXPECT_TRUE(wire == big_.AsStringView());
  for (auto& client : clients) client.join();
  EXPECT_EQ(ok.load(), kClients);
}

TEST_F(HttpSendfileTest, ClientThatStopsReadingHitsTheWriteTimeout) {
  HttpServerOptions options;
  options.write_timeout = std::chrono::milliseconds(300);
  Start(options);
  asio::io_context io;
  asio::ip::tcp::socket stuck = SlowClient(io);
  asio::write(stuck, asio::buffer(std::string_view("GET /huge HTTP/1.1\r\nHost: x\r\n\r\n")));
  ASSERT_TRUE(WaitForConnections(1));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(WaitForConnections(0));  // closed by the write timeout, not by us
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
  // What arrived is a prefix of the response, then the connection ends.
  size_t total = 0;
  std::vector<char> piece(size_t{256} * 1024);
  boost::system::error_code ec;
  while (!ec) total += stuck.read_some(asio::buffer(piece), ec);
  EXPECT_LT(total, huge_.size());
  // The server still serves others.
  TestClient client(port_);
  EXPECT_EQ(client.Get("/hello").body(), "hello world");
}

// sendfile(2) cannot be told MSG_NOSIGNAL: a viewer that half-closes and then resets makes the
// next send fail with EPIPE and raise SIGPIPE, which must not end the process.
TEST_F(HttpSendfileTest, ResetByTheClientMidBodyIsAnErrorNotASignal) {
  Start();
  for (int round = 0; round < 3; ++round) {
    asio::io_context io;
    asio::ip::tcp::socket client = SlowClient(io);
    asio::write(client, asio::buffer(std::string_view("GET /huge HTTP/1.1\r\nHost: x\r\n\r\n")));
    client.shutdown(asio::socket_base::shutdown_send);  // the server goes to CLOSE_WAIT
    std::vector<char> piece(4096);
    client.read_some(asio::buffer(piece));
    client.set_option(asio::socket_base::linger(true, 0));
    client.close();  // unread bytes: RST
    EXPECT_TRUE(WaitForConnections(0));
  }
  TestClient client(port_);
  EXPECT_EQ(client.Get("/hello").body(), "hello world");
}

}  // namespace
}  // namespace steadycast::net
