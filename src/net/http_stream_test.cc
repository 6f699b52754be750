// Streamed responses (HttpResponse::stream): head without Content-Length, bytes in order,
// client disconnect noticed, server Stop() ends the body cleanly.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "net/http_server.h"
#include "net/testing/http_test_client.h"

namespace steadycast::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

class HttpStreamTest : public ::testing::Test {
 protected:
  HttpStreamTest() {
    router_.Add("GET", "/events", [this](const HttpRequest&, HttpResponder respond) {
      HttpResponse response;
      response.Header("Content-Type", "text/event-stream");
      response.stream = [this](std::shared_ptr<HttpBodyStream> stream) {
        stream->Write("first\n");
        std::lock_guard lock(mu_);
        stream_ = std::move(stream);
        cv_.notify_all();
      };
      respond(std::move(response));
    });
  }
  ~HttpStreamTest() override {
    server_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
  }

  void Start(HttpServerOptions options = {}) {
    server_ = std::make_unique<HttpServer>(io_, options, router_);
    auto bound = server_->Listen("127.0.0.1", 0);
    ASSERT_TRUE(bound.ok());
    port_ = testing::PortOf(*bound);
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  std::shared_ptr<HttpBodyStream> WaitStream() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 5s, [this] { return stream_ != nullptr; });
    return stream_;
  }

  // Connects, sends the request, returns the socket.
  asio::ip::tcp::socket Open(asio::io_context& io) {
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), port_});
    const std::string request = "GET /events HTTP/1.1\r\nHost: x\r\n\r\n";
    asio::write(socket, asio::buffer(request));
    return socket;
  }

  // Reads until `needle` appears in `got` (or the peer closes).
  static bool ReadUntil(asio::ip::tcp::socket& socket, std::string& got, std::string_view needle) {
    char buf[1024];
    while (got.find(needle) == std::string::npos) {
      boost::system::error_code ec;
      const size_t n = socket.read_some(asio::buffer(buf), ec);
      if (ec) return false;
      got.append(buf, n);
    }
    return true;
  }

  HttpRouter router_;
  asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<HttpBodyStream> stream_;
};

TEST_F(HttpStreamTest, HeadThenBytesInOrderThenCloseEndsTheBody) {
  Start();
  asio::io_context client_io;
  auto socket = Open(client_io);
  auto stream = WaitStream();
  ASSERT_TRUE(stream);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(stream->Write("line " + std::to_string(i) + "\n"));
  stream->Close();
  EXPECT_FALSE(stream->IsOpen());
  EXPECT_FALSE(stream->Write("late\n"));
  std::string got;
  boost::system::error_code ec;
  asio::read(socket, asio::dynamic_buffer(got), ec);  // until the server closes
  EXPECT_EQ(ec, asio::error::eof);
  EXPECT_NE(got.find("HTTP/1.1 200 OK\r\n"), std::string::npos) << got;
  EXPECT_NE(got.find("Content-Type: text/event-stream\r\n"), std::string::npos);
  EXPECT_NE(got.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(got.find("Content-Length"), std::string::npos);
  std::string body = got.substr(got.find("\r\n\r\n") + 4);
  std::string expected = "first\n";
  for (int i = 0; i < 100; ++i) expected += "line " + std::to_string(i) + "\n";
  EXPECT_EQ(body, expected);
}

TEST_F(HttpStreamTest, ClientLeavingClosesTheStream) {
  Start();
  asio::io_context client_io;
  auto socket = Open(client_io);
  auto stream = WaitStream();
  ASSERT_TRUE(stream);
  std::string got;
  ASSERT_TRUE(ReadUntil(socket, got, "first\n"));
  socket.close();
  for (int i = 0; i < 500 && stream->IsOpen(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_FALSE(stream->IsOpen());
  EXPECT_FALSE(stream->Write("x"));
}

TEST_F(HttpStreamTest, ServerStopEndsTheBodyAfterWhatIsQueued) {
  Start();
  asio::io_context client_io;
  auto socket = Open(client_io);
  auto stream = WaitStream();
  ASSERT_TRUE(stream);
  stream->Write("queued\n");
  server_->Stop();
  std::string got;
  boost::system::error_code ec;
  asio::read(socket, asio::dynamic_buffer(got), ec);
  EXPECT_EQ(ec, asio::error::eof);
  EXPECT_NE(got.find("first\nqueued\n"), std::string::npos) << got;
  EXPECT_FALSE(stream->IsOpen());
}

TEST_F(HttpStreamTest, SlowClientOverTheBufferLimitIsDropped) {
  HttpServerOptions options;
  options.max_stream_buffer_bytes = 64 * 1024;
  Start(options);
  asio::io_context client_io;
  auto socket = Open(client_io);  // never reads
  auto stream = WaitStream();
  ASSERT_TRUE(stream);
  const std::string chunk(16 * 1024, 'x');
  bool open = true;
  for (int i = 0; i < 10'000 && open; ++i) open = stream->Write(chunk);  // never blocks
  EXPECT_FALSE(open);
  EXPECT_FALSE(stream->IsOpen());
}

TEST_F(HttpStreamTest, HeadRequestGetsNoStream) {
  router_.Add("HEAD", "/events", [](const HttpRequest&, HttpResponder respond) {
    HttpResponse response;
    response.stream = [](std::shared_ptr<HttpBodyStream>) { ADD_FAILURE() << "streamed"; };
    respond(std::move(response));
  });
  Start();
  asio::io_context client_io;
  asio::ip::tcp::socket socket(client_io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port_});
  asio::write(socket, asio::buffer(std::string("HEAD /events HTTP/1.1\r\nHost: x\r\n\r\n")));
  std::string got;
  ASSERT_TRUE(ReadUntil(socket, got, "\r\n\r\n"));
  EXPECT_NE(got.find("Connection: close"), std::string::npos);
}

}  // namespace
}  // namespace steadycast::net
