#include "net/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "base/testing/split_feeder.h"
#include "net/testing/http_test_client.h"

namespace steadycast::net {
namespace {

namespace http = boost::beast::http;
using testing::PortOf;
using testing::TestClient;

// A real server on 127.0.0.1 (free port) run by two io threads, like the app's pool.
class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() {
    router_.Add("GET", "/hello", [](const HttpRequest&, HttpResponder respond) {
      respond(HttpResponse().Text("hello world"));
    });
    router_.Add("GET", "/echo/{name}", [](const HttpRequest& request, HttpResponder respond) {
      std::string text = request.method + " " + request.target + " " + request.path;
      text += " name=" + std::string(request.Param("name"));
      text += " q=" + std::string(request.Query("q"));
      text += " x-test=" + std::string(request.Header("x-test"));
      text += " remote=" + std::string(request.remote_address.substr(0, 10));
      respond(HttpResponse().Text(text).Header("X-Reply", "yes"));
    });
    router_.Add("POST", "/upload", [this](const HttpRequest& request, HttpResponder respond) {
      ++uploads_;
      respond(HttpResponse().Text("got " + std::to_string(request.body.size())));
    });
    router_.Add("GET", "/segment", [this](const HttpRequest&, HttpResponder respond) {
      respond(HttpResponse().Body(segment_, "video/mp4"));
    });
    router_.Add("GET", "/later", [this](const HttpRequest&, HttpResponder respond) {
      std::lock_guard lock(mu_);
      workers_.emplace_back([respond = std::move(respond)] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        respond(HttpResponse().Text("from another thread"));
      });
    });
    router_.Add("GET", "/hold", [this](const HttpRequest&, HttpResponder respond) {
      std::lock_guard lock(mu_);
      held_ = std::move(respond);
      held_cv_.notify_all();
    });
    router_.Add("GET", "/drop", [](const HttpRequest&, HttpResponder) {});
    router_.Add("GET", "/twice", [](const HttpRequest&, HttpResponder respond) {
      respond(HttpResponse().Text("first"));
      respond(HttpResponse().Text("second"));
    });
    router_.Add("GET", "/close", [](const HttpRequest&, HttpResponder respond) {
      respond(HttpResponse().Text("bye").Header("Connection", "close"));
    });
    std::vector<uint8_t> bytes(200 * 1024);
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 7);
    segment_ = base::Buffer::Take(std::move(bytes));
  }

  ~HttpServerTest() override {
    {
      std::lock_guard lock(mu_);
      held_.reset();
    }
    for (auto& worker : workers_) worker.join();
    server_.reset();
    work_.reset();
    io_.stop();
    for (auto& thread : threads_) thread.join();
  }

  void Start(HttpServerOptions options = {}) {
    server_ = std::make_unique<HttpServer>(io_, options, router_);
    auto bound = server_->Listen("127.0.0.1", 0);
    ASSERT_TRUE(bound.ok()) << bound.status().ToString();
    EXPECT_TRUE(bound->starts_with("127.0.0.1:"));
    port_ = PortOf(*bound);
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  HttpResponder WaitHeld() {
    std::unique_lock lock(mu_);
    held_cv_.wait_for(lock, std::chrono::seconds(5), [this] { return held_.has_value(); });
    HttpResponder responder = held_.value_or(nullptr);
    held_.reset();
    return responder;
  }

  bool WaitForConnections(size_t count) {
    for (int i = 0; i < 500; ++i) {
      if (server_->ConnectionCount() == count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  HttpRouter router_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(io_)};
  std::vector<std::thread> threads_;
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
  base::Buffer segment_;
  std::mutex mu_;
  std::condition_variable held_cv_;
  std::optional<HttpResponder> held_;
  std::vector<std::thread> workers_;
  std::atomic<int> uploads_{0};
};

TEST_F(HttpServerTest, GetReturnsBodyAndStandardHeaders) {
  Start();
  TestClient client(port_);
  auto response = client.Get("/hello");
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "hello world");
  EXPECT_EQ(response[http::field::content_length], "11");
  EXPECT_EQ(response[http::field::content_type], "text/plain; charset=utf-8");
  EXPECT_EQ(response[http::field::server], "steadycast");
  EXPECT_TRUE(response[http::field::date].ends_with(" GMT"));
  EXPECT_TRUE(response.keep_alive());
}

TEST_F(HttpServerTest, FillsRequestFromTheWire) {
  Start();
  TestClient client(port_);
  client.Send(http::verb::get, "/echo/a%20b?q=x+y", "", {{"X-Test", "1"}});
  auto [ec, response] = client.Read();
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(response.body(),
            "GET /echo/a%20b?q=x+y /echo/a b name=a b q=x y x-test=1 remote=127.0.0.1:");
  EXPECT_EQ(response["X-Reply"], "yes");
}

TEST_F(HttpServerTest, HeadSendsHeadersWithoutBody) {
  Start();
  TestClient client(port_);
  client.Send(http::verb::head, "/segment");
  auto [ec, head] = client.Read(/*head=*/true);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(head.result_int(), 200);
  EXPECT_EQ(head[http::field::content_length], std::to_string(segment_.size()));
  EXPECT_TRUE(head.body().empty());
  // Had body bytes been sent, this next response would be garbage.
  auto next = client.Get("/hello");
  EXPECT_EQ(next.body(), "hello world");
}

TEST_F(HttpServerTest, KeepAliveServesThreeRequestsOnOneConnection) {
  Start();
  TestClient client(port_);
  EXPECT_EQ(client.Get("/hello").body(), "hello world");
  auto segment = client.Get("/segment");
  EXPECT_EQ(segment.body().size(), segment_.size());
  EXPECT_EQ(segment.body(), std::string(segment_.AsStringView()));
  EXPECT_EQ(client.Get("/echo/x").result_int(), 200);
  EXPECT_EQ(server_->ConnectionCount(), 1u);
}

TEST_F(HttpServerTest, PipelinedRequestsAnswerInOrder) {
  Start();
  TestClient client(port_);
  client.SendRaw(
      "GET /later HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /echo/third HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(client.Read().second.body(), "from another thread");
  EXPECT_EQ(client.Read().second.body(), "hello world");
  EXPECT_TRUE(client.Read().second.body().starts_with("GET /echo/third"));
}

// The parser behind the socket sees the same bytes in whatever pieces TCP delivers them.
TEST_F(HttpServerTest, RequestsSplitAnyWayGiveIdenticalResponses) {
  Start();
  const std::string wire =
      "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n3\r\n!!!\r\n0\r\n\r\n"
      "GET /echo/a%20b?q=1 HTTP/1.1\r\nHost: x\r\nX-Test: split\r\n\r\n";
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(wire.data()), wire.size());
  std::vector<std::string> reference;
  for (const auto& plan : base::testing::SplitPlans(wire.size(), 4)) {
    SCOPED_TRACE(plan.name);
    TestClient client(port_);
    client.socket().set_option(boost::asio::ip::tcp::no_delay(true));
    base::testing::FeedInPieces(bytes, plan, [&](std::span<const uint8_t> piece) {
      client.SendRaw({reinterpret_cast<const char*>(piece.data()), piece.size()});
    });
    std::vector<std::string> got;
    for (int i = 0; i < 2; ++i) got.push_back(client.Read().second.body());
    if (reference.empty()) reference = got;
    EXPECT_EQ(got, reference);
  }
  ASSERT_EQ(reference.size(), 2u);
  EXPECT_EQ(reference[0], "got 8");
  EXPECT_TRUE(reference[1].starts_with("GET /echo/a%20b?q=1 /echo/a b name=a b q=1 x-test=split"));
}

TEST_F(HttpServerTest, BodyOverLimitIs413ThenClose) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  Start(options);
  {
    TestClient client(port_);
    client.Send(http::verb::post, "/upload", std::string(1024, 'a'));
    EXPECT_EQ(client.Read().second.body(), "got 1024");
    // Declared too large: refused from the header alone.
    client.SendRaw("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n");
    auto [ec, response] = client.Read();
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(response.result_int(), 413);
    EXPECT_EQ(response[http::field::content_type], "application/problem+json");
    EXPECT_FALSE(response.keep_alive());
    EXPECT_NE(response.body().find(R"("status":413)"), std::string::npos);
    EXPECT_TRUE(client.PeerClosed());
  }
  {
    TestClient client(port_);  // chunked: refused once the chunks pass the limit
    client.SendRaw("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    client.SendRaw("400\r\n" + std::string(1024, 'b') + "\r\n10\r\n0123456789abcdef\r\n");
    auto [ec, response] = client.Read();
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(response.result_int(), 413);
    EXPECT_TRUE(client.PeerClosed());
  }
}

TEST_F(HttpServerTest, MalformedRequestIs400ThenClose) {
  Start();
  for (const char* raw :
       {"GARBAGE\r\n\r\n", "GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /a HTTP/1.1\r\nBad Header\r\n\r\n", "GET /a HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        "GET * HTTP/1.1\r\n\r\n"}) {
    SCOPED_TRACE(raw);
    TestClient client(port_);
    client.SendRaw(raw);
    auto [ec, response] = client.Read();
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(response.result_int(), 400);
    EXPECT_EQ(response[http::field::content_type], "application/problem+json");
    EXPECT_EQ(response[http::field::connection], "close");
    EXPECT_TRUE(client.PeerClosed());
  }
}

TEST_F(HttpServerTest, HeaderOverLimitIs431) {
  HttpServerOptions options;
  options.max_header_bytes = 1024;
  Start(options);
  TestClient client(port_);
  client.Send(http::verb::get, "/hello", "", {{"X-Big", std::string(2000, 'h')}});
  auto [ec, response] = client.Read();
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(response.result_int(), 431);
  EXPECT_TRUE(client.PeerClosed());
}

TEST_F(HttpServerTest, ExpectContinueGetsInterimResponse) {
  Start();
  TestClient client(port_);
  client.SendRaw(
      "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  auto [ec, interim] = client.Read(/*head=*/true);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(interim.result_int(), 100);
  client.SendRaw("abcde");
  EXPECT_EQ(client.Read().second.body(), "got 5");
}

TEST_F(HttpServerTest, AsyncResponderFromAnotherThread) {
  Start();
  TestClient client(port_);
  auto response = client.Get("/later");
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "from another thread");
  EXPECT_EQ(client.Get("/hello").body(), "hello world");
}

TEST_F(HttpServerTest, DroppedResponderAnswers500AndExtraCallsAreIgnored) {
  Start();
  TestClient client(port_);
  auto dropped = client.Get("/drop");
  EXPECT_EQ(dropped.result_int(), 500);
  EXPECT_EQ(dropped[http::field::content_type], "application/problem+json");
  EXPECT_EQ(client.Get("/twice").body(), "first");
  EXPECT_EQ(client.Get("/hello").body(), "hello world");  // the second call left no trace
}

TEST_F(HttpServerTest, HandlerConnectionCloseIsHonoured) {
  Start();
  TestClient client(port_);
  auto response = client.Get("/close");
  EXPECT_EQ(response.body(), "bye");
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(client.PeerClosed());
}

TEST_F(HttpServerTest, Http10ClosesUnlessKeepAliveAsked) {
  Start();
  {
    TestClient client(port_);
    client.SendRaw("GET /hello HTTP/1.0\r\n\r\n");
    auto [ec, response] = client.Read();
    EXPECT_EQ(response.body(), "hello world");
    EXPECT_TRUE(client.PeerClosed());
  }
  TestClient client(port_);
  client.SendRaw("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  auto [ec, response] = client.Read();
  EXPECT_EQ(response[http::field::connection], "keep-alive");
  EXPECT_EQ(client.Get("/hello").body(), "hello world");
}

TEST_F(HttpServerTest, ManyConcurrentConnections) {
  Start();
  constexpr int kClients = 50;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([this, &ok] {
      TestClient client(port_);
      bool good = client.Get("/hello").body() == "hello world";
      good = good && client.Get("/segment").body().size() == segment_.size();
      good = good && client.Get("/later").body() == "from another thread";
      if (good) ++ok;
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(ok.load(), kClients);
}

TEST_F(HttpServerTest, IdleConnectionTimesOutSilentlyPartialRequestGets408) {
  HttpServerOptions options;
  options.header_timeout = std::chrono::milliseconds(150);
  Start(options);
  TestClient idle(port_);
  EXPECT_EQ(idle.Get("/hello").body(), "hello world");
  EXPECT_TRUE(idle.PeerClosed());  // keep-alive idle: closed without a response

  TestClient slow(port_);
  slow.SendRaw("GET /hello HTTP/1.1\r\nHost: x\r\n");  // never finished
  auto [ec, response] = slow.Read();
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(response.result_int(), 408);
  EXPECT_TRUE(slow.PeerClosed());
}

// RFC 9112 §6.1: an unknown transfer coding is 501 and the connection closes; the body is
// never executed, nor parsed as a second request (the request-smuggling shape).
TEST_F(HttpServerTest, UnknownTransferCodingIs501AndItsBodyIsNeverARequest) {
  Start();
  TestClient client(port_);
  client.SendRaw(
      "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: foo\r\n"
      "Content-Type: application/json\r\n\r\n"
      "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  auto [ec, response] = client.Read();
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(response.result_int(), 501);
  EXPECT_EQ(response[http::field::content_type], "application/problem+json");
  EXPECT_EQ(response[http::field::connection], "close");
  EXPECT_TRUE(client.PeerClosed());  // and no second response
  EXPECT_EQ(uploads_.load(), 0);
}

TEST_F(HttpServerTest, AmbiguousFramingAndHostErrorsAre400ThenClose) {
  Start();
  const std::string post = "POST /upload HTTP/1.1\r\nHost: x\r\n";
  for (const std::string& raw : {
           post + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
           post + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
           post + "Transfer-Encoding: foo\r\nContent-Length: 3\r\n\r\nabc",
           post + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
           post + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
           post + "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
           std::string("GET /hello HTTP/1.1\r\n\r\n"),
           std::string("GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
       }) {
    SCOPED_TRACE(raw);
    TestClient client(port_);
    client.SendRaw(raw + "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    auto [ec, response] = client.Read();
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(response.result_int(), 400);
    EXPECT_EQ(response[http::field::content_type], "application/problem+json");
    EXPECT_TRUE(client.PeerClosed());
  }
  EXPECT_EQ(uploads_.load(), 0);
  TestClient http10(port_);  // HTTP/1.0 needs no Host
  http10.SendRaw("GET /hello HTTP/1.0\r\n\r\n");
  EXPECT_EQ(http10.Read().second.body(), "hello world");
}

// The body has its own deadline, counted from the end of the header: a header that took long
// does not shorten it, and a short body is 408 after it (not after the header's).
TEST_F(HttpServerTest, BodyDeadlineIsSeparateFromTheHeaderDeadline) {
  HttpServerOptions options;
  options.header_timeout = std::chrono::milliseconds(200);
  options.body_timeout = std::chrono::milliseconds(1500);
  Start(options);
  {
    TestClient client(port_);
    client.SendRaw("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabc");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // past the header deadline
    client.SendRaw("def");
    EXPECT_EQ(client.Read().second.body(), "got 6");
  }
  TestClient shorter(port_);
  const auto start = std::chrono::steady_clock::now();
  shorter.SendRaw("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
  auto [ec, response] = shorter.Read();
  ASSERT_FALSE(ec) << ec.message();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(response.result_int(), 408);
  EXPECT_NE(response.body().find("body"), std::string::npos) << response.body();
  EXPECT_GE(took, std::chrono::milliseconds(1400));
  EXPECT_LT(took, std::chrono::milliseconds(3000));
  EXPECT_TRUE(shorter.PeerClosed());

  TestClient unterminated(port_);  // a chunked body without its last chunk
  unterminated.SendRaw(
      "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
  auto [ec2, response2] = unterminated.Read();
  ASSERT_FALSE(ec2) << ec2.message();
  EXPECT_EQ(response2.result_int(), 408);
  EXPECT_TRUE(unterminated.PeerClosed());
}

TEST_F(HttpServerTest, ErrorResponseOptionRendersTheServersOwnErrors) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  options.error_response = [](int status, std::string_view detail) {
    return HttpResponse::Status(status).Text(
        "custom " + std::to_string(status) + " " + std::string(detail), "application/problem+json");
  };
  Start(options);
  TestClient client(port_);
  client.SendRaw("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
  auto [ec, response] = client.Read();
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(response.result_int(), 413);
  EXPECT_TRUE(response.body().starts_with("custom 413 the request body exceeds 1024 bytes"))
      << response.body();
  EXPECT_TRUE(client.PeerClosed());
}

TEST_F(HttpServerTest, ConnectionLimitRefusesExtraConnections) {
  HttpServerOptions options;
  options.max_connections = 2;
  Start(options);
  TestClient a(port_);
  TestClient b(port_);
  EXPECT_EQ(a.Get("/hello").result_int(), 200);
  EXPECT_EQ(b.Get("/hello").result_int(), 200);
  TestClient c(port_);
  EXPECT_TRUE(c.PeerClosed());
  EXPECT_EQ(a.Get("/hello").result_int(), 200);
}

TEST_F(HttpServerTest, StopFinishesInFlightAndClosesIdle) {
  Start();
  TestClient idle(port_);
  EXPECT_EQ(idle.Get("/hello").result_int(), 200);
  TestClient busy(port_);
  busy.Send(http::verb::get, "/hold");
  HttpResponder responder = WaitHeld();
  ASSERT_TRUE(responder);
  ASSERT_TRUE(WaitForConnections(2));

  server_->Stop();
  EXPECT_TRUE(idle.PeerClosed());
  TestClient late(port_);  // the acceptor is closed
  EXPECT_FALSE(late.connected() && late.SendRaw("GET /hello HTTP/1.1\r\n\r\n") &&
               late.Read().first == boost::system::error_code());

  responder(HttpResponse().Text("finished after stop"));
  auto [ec, response] = busy.Read();
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(response.body(), "finished after stop");
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(busy.PeerClosed());
  busy.socket().close();  // ends the server's lingering close at once
  EXPECT_TRUE(WaitForConnections(0));
}

TEST_F(HttpServerTest, ListenReportsErrors) {
  Start();
  HttpServer other(io_, {}, router_);
  auto taken = other.Listen("127.0.0.1", port_);
  EXPECT_FALSE(taken.ok());
  EXPECT_EQ(taken.status().code(), base::ErrorCode::kUnavailable);
  auto named = other.Listen("localhost", 0);
  EXPECT_TRUE(named.ok()) << named.status().ToString();
}

}  // namespace
}  // namespace steadycast::net
