#include "net/http_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "net/http_server.h"
#include "net/testing/io_thread.h"

namespace steadycast::net {
namespace {

using namespace std::chrono_literals;

// A real HttpServer on 127.0.0.1 port 0, run by one io thread; the client blocks the test
// thread.
class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/hello", [](const HttpRequest& request, HttpResponder respond) {
      respond(HttpResponse()
                  .Text("hello " + std::string(request.Query("who")))
                  .Header("X-Agent", std::string(request.Header("user-agent"))));
    });
    router_.Add("POST", "/echo", [](const HttpRequest& request, HttpResponder respond) {
      respond(HttpResponse::Status(201)
                  .Text(request.body, std::string(request.Header("content-type")))
                  .Header("X-Key", std::string(request.Header("idempotency-key"))));
    });
    router_.Add("GET", "/big", [](const HttpRequest&, HttpResponder respond) {
      respond(HttpResponse().Text(std::string(100'000, 'x')));
    });
    router_.Add("GET", "/never", [this](const HttpRequest&, HttpResponder respond) {
      held_ = std::move(respond);  // answered at teardown, after the client gave up
    });
    server_ = std::make_unique<HttpServer>(io_.io(), HttpServerOptions{}, router_);
    auto bound = server_->Listen("127.0.0.1", 0);
    ASSERT_TRUE(bound.ok()) << bound.status().ToString();
    port_ = static_cast<uint16_t>(std::stoi(bound->substr(bound->rfind(':') + 1)));
  }

  void TearDown() override {
    io_.Run([this] {
      if (held_) held_(HttpResponse::Status(204));
      held_ = nullptr;
    });
    server_->Stop();
    io_.Stop();
  }

  testing::IoThread io_;
  HttpRouter router_;
  std::unique_ptr<HttpServer> server_;
  HttpResponder held_;
  uint16_t port_ = 0;
};

TEST_F(HttpClientTest, GetAndPost) {
  HttpClient client("127.0.0.1", port_);
  auto got = client.Send({.method = "GET", .target = "/hello?who=cli"});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, "hello cli");
  EXPECT_EQ(got->Header("x-agent"), "steadycast");
  EXPECT_EQ(got->Header("CONTENT-TYPE"), "text/plain; charset=utf-8");
  EXPECT_EQ(got->Header("no-such-header"), "");

  auto head = client.Send({.method = "HEAD", .target = "/hello?who=cli"});
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
  EXPECT_EQ(head->Header("content-length"), "9");

  auto posted =
      client.Send({.method = "POST",
                   .target = "/echo",
                   .headers = {{"Content-Type", "application/json"}, {"Idempotency-Key", "k1"}},
                   .body = R"({"a":1})"});
  ASSERT_TRUE(posted.ok()) << posted.status().ToString();
  EXPECT_EQ(posted->status, 201);
  EXPECT_EQ(posted->body, R"({"a":1})");
  EXPECT_EQ(posted->Header("content-type"), "application/json");
  EXPECT_EQ(posted->Header("x-key"), "k1");
}

TEST_F(HttpClientTest, ErrorStatusesAreResponses) {
  HttpClient client("localhost", port_);  // a name: resolved by the system resolver
  auto missing = client.Send({.method = "GET", .target = "/nope"});
  ASSERT_TRUE(missing.ok()) << missing.status().ToString();
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->Header("content-type"), "application/problem+json");
  auto wrong_method = client.Send({.method = "DELETE", .target = "/hello"});
  ASSERT_TRUE(wrong_method.ok());
  EXPECT_EQ(wrong_method->status, 405);
}

TEST_F(HttpClientTest, BodyLimit) {
  HttpClient small("127.0.0.1", port_, {.max_body_bytes = 1000});
  auto got = small.Send({.method = "GET", .target = "/big"});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), base::ErrorCode::kResourceExhausted) << got.status().ToString();
  HttpClient large("127.0.0.1", port_);
  auto ok = large.Send({.method = "GET", .target = "/big"});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->body.size(), 100'000u);
}

TEST_F(HttpClientTest, ReadTimeout) {
  HttpClient client("127.0.0.1", port_, {.read_timeout = 200ms});
  const auto start = std::chrono::steady_clock::now();
  auto got = client.Send({.method = "GET", .target = "/never"});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), base::ErrorCode::kUnavailable);
  EXPECT_NE(got.status().message().find("timed out"), std::string::npos) << got.status().message();
  EXPECT_FALSE(IsConnectFailure(got.status()));  // the request was sent
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(HttpClientTest, ConnectionRefused) {
  // A port that was free a moment ago: bind, note the port, close.
  uint16_t closed_port = 0;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    closed_port = acceptor.local_endpoint().port();
  }
  HttpClient client("127.0.0.1", closed_port, {.connect_timeout = 1s});
  auto got = client.Send({.method = "GET", .target = "/"});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), base::ErrorCode::kUnavailable);
  EXPECT_TRUE(IsConnectFailure(got.status())) << got.status().ToString();
}

TEST_F(HttpClientTest, RejectsMalformedRequests) {
  HttpClient client("127.0.0.1", port_);
  for (const HttpClientRequest& bad : {
           HttpClientRequest{.method = "G T", .target = "/"},
           HttpClientRequest{.method = "GET", .target = "relative"},
           HttpClientRequest{.method = "GET", .target = "/a b"},
           HttpClientRequest{.method = "GET", .target = "/", .headers = {{"X", "a\r\nY: b"}}},
           HttpClientRequest{.method = "GET", .target = "/", .headers = {{"X Y", "v"}}},
       }) {
    auto got = client.Send(bad);
    ASSERT_FALSE(got.ok()) << bad.method << " " << bad.target;
    EXPECT_EQ(got.status().code(), base::ErrorCode::kInvalidArgument);
  }
}

TEST(HttpUrlTest, Parse) {
  struct Case {
    const char* url;
    const char* host;
    uint16_t port;
    const char* prefix;
  };
  for (const Case& c : {
           Case{"http://127.0.0.1:8080", "127.0.0.1", 8080, ""},
           Case{"http://localhost:1/", "localhost", 1, ""},
           Case{"HTTP://example.com", "example.com", 80, ""},
           Case{"127.0.0.1:39999", "127.0.0.1", 39999, ""},
           Case{"http://[::1]:8080/api/", "::1", 8080, "/api"},
           Case{"http://host/a/b", "host", 80, "/a/b"},
       }) {
    SCOPED_TRACE(c.url);
    auto parsed = ParseHttpUrl(c.url);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(parsed->host, c.host);
    EXPECT_EQ(parsed->port, c.port);
    EXPECT_EQ(parsed->path_prefix, c.prefix);
  }
  for (const char* bad :
       {"https://x:1", "ftp://x", "http://:80", "http://x:0", "http://x:65536", "http://x:abc",
        "http://x:", "http://u@x:1", "http://[::1", "http://x/?q", ""}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(ParseHttpUrl(bad).ok());
  }
}

}  // namespace
}  // namespace steadycast::net
