#include "net/http_wire.h"

#include <gtest/gtest.h>

#include <regex>

namespace steadycast::net::internal {
namespace {

ResponseHeadParams Params() {
  ResponseHeadParams params;
  params.server_header = "steadycast";
  params.date = "Wed, 25 Nov 2026 17:27:22 GMT";
  return params;
}

TEST(HttpWireTest, SerializesStatusHeadersAndFraming) {
  HttpResponse response;
  response.Text("hello").Header("Cache-Control", "max-age=1");
  std::string out = "stale";
  const ResponseHead head = SerializeResponseHead(response, Params(), out);
  EXPECT_TRUE(head.send_body);
  EXPECT_TRUE(head.keep_alive);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Cache-Control: max-age=1\r\n"
            "Server: steadycast\r\n"
            "Date: Wed, 25 Nov 2026 17:27:22 GMT\r\n"
            "Content-Length: 5\r\n"
            "\r\n");
}

TEST(HttpWireTest, DropsFramingAndUnsafeHandlerHeaders) {
  HttpResponse response = HttpResponse::Status(404);
  response.Header("Content-Length", "999")
      .Header("Transfer-Encoding", "chunked")
      .Header("X-Evil", "a\r\nSet-Cookie: x=1")
      .Header("Bad Name", "v")
      .Header("Server", "custom")
      .Header("Connection", "keep-alive, Close");
  std::string out;
  ResponseHeadParams params = Params();
  params.date = "";
  const ResponseHead head = SerializeResponseHead(response, params, out);
  EXPECT_FALSE(head.keep_alive);
  EXPECT_EQ(out,
            "HTTP/1.1 404 Not Found\r\n"
            "Server: custom\r\n"
            "Content-Length: 0\r\n"
            "Connection: close\r\n"
            "\r\n");
}

TEST(HttpWireTest, HeadAndBodylessStatuses) {
  HttpResponse response;
  response.Text("twelve bytes");
  ResponseHeadParams params = Params();
  params.head_request = true;
  std::string out;
  EXPECT_FALSE(SerializeResponseHead(response, params, out).send_body);
  EXPECT_NE(out.find("Content-Length: 12\r\n"), std::string::npos);

  response.status = 204;
  EXPECT_FALSE(SerializeResponseHead(response, Params(), out).send_body);
  EXPECT_EQ(out.find("Content-Length"), std::string::npos);
  response.status = 304;
  EXPECT_FALSE(SerializeResponseHead(response, Params(), out).send_body);
  response.status = 42;  // nonsense from a handler becomes 500
  SerializeResponseHead(response, Params(), out);
  EXPECT_TRUE(out.starts_with("HTTP/1.1 500 Internal Server Error\r\n"));
}

TEST(HttpWireTest, ConnectionHeaderForCloseAndHttp10KeepAlive) {
  HttpResponse response;
  ResponseHeadParams params = Params();
  params.keep_alive = false;
  std::string out;
  EXPECT_FALSE(SerializeResponseHead(response, params, out).keep_alive);
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
  params.keep_alive = true;
  params.http10_request = true;
  SerializeResponseHead(response, params, out);
  EXPECT_NE(out.find("Connection: keep-alive\r\n"), std::string::npos);
}

TEST(HttpWireTest, DateIsImfFixdate) {
  const std::string date(HttpDate());
  EXPECT_TRUE(std::regex_match(
      date,
      std::regex(
          R"((Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT)")))
      << date;
}

TEST(HttpWireTest, HeaderNames) {
  EXPECT_TRUE(IsHeaderName("X-Custom_1.a~"));
  EXPECT_FALSE(IsHeaderName(""));
  EXPECT_FALSE(IsHeaderName("a b"));
  EXPECT_FALSE(IsHeaderName("a:b"));
}

}  // namespace
}  // namespace steadycast::net::internal
