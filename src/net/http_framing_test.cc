#include "net/http_framing.h"

#include <gtest/gtest.h>

#include <span>
#include <string>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "base/testing/split_feeder.h"

namespace steadycast::net::internal {
namespace {

namespace http = boost::beast::http;

// The verdict the server reaches on `wire`: the parser's own error (as the server maps it:
// 400, or 413 over the body limit) or the framing check once the header is complete. Bytes
// arrive in the pieces of `plan`, the way the server's reads deliver them.
int Verdict(const std::string& wire, const base::testing::SplitPlan& plan) {
  http::request_parser<http::string_body> parser;
  parser.body_limit(1024);
  std::string pending;
  int verdict = -1;  // -1: the header never completed
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(wire.data()), wire.size());
  base::testing::FeedInPieces(bytes, plan, [&](std::span<const uint8_t> piece) {
    if (verdict != -1) return;
    pending.append(reinterpret_cast<const char*>(piece.data()), piece.size());
    boost::beast::error_code ec;
    const size_t used = parser.put(boost::asio::buffer(pending), ec);
    pending.erase(0, used);
    if (ec == http::error::need_more) return;
    if (ec) {
      verdict = ec == http::error::body_limit ? 413 : 400;
      return;
    }
    if (parser.is_header_done()) {
      verdict = CheckRequestFraming(parser.get(), parser.chunked()).status;
    }
  });
  return verdict;
}

struct Case {
  const char* name;
  std::string wire;
  int status;  // 0: accepted
};

// Every case is decided the same way whether the bytes come whole, byte by byte or in random
// pieces.
TEST(HttpFramingTest, VerdictsAreTheSameForEverySplit) {
  const std::string post = "POST /v1/live-streams HTTP/1.1\r\nHost: x\r\n";
  const std::vector<Case> cases = {
      {"plain GET", "GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n", 0},
      {"content-length", post + "Content-Length: 2\r\n\r\n{}", 0},
      {"chunked", post + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", 0},
      {"chunked, case and spaces", post + "Transfer-Encoding:  ChUnKeD \r\n\r\n0\r\n\r\n", 0},
      {"empty list elements", post + "Transfer-Encoding: , chunked\r\n\r\n0\r\n\r\n", 0},
      {"HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", 0},
      {"IPv6 host", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", 0},
      {"empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n", 0},
      // RFC 9112 §6.1: a transfer coding the server does not understand.
      {"unknown coding", post + "Transfer-Encoding: foo\r\n\r\n{}", 501},
      {"gzip before chunked", post + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
      {"gzip line then chunked line",
       post + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501},
      // §6.3: chunked must be last, and only once.
      {"chunked not last", post + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400},
      {"chunked twice", post + "Transfer-Encoding: chunked, chunked\r\n\r\n", 400},
      {"chunked with a parameter", post + "Transfer-Encoding: chunked;x=1\r\n\r\n", 400},
      {"empty Transfer-Encoding", post + "Transfer-Encoding: \r\n\r\n", 400},
      {"malformed coding", post + "Transfer-Encoding: chu nked\r\n\r\n", 400},
      // §6.3 item 3: both framings, in either order, whatever the coding.
      {"TE then CL", post + "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n{}", 400},
      {"CL then TE", post + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}", 400},
      {"unknown TE then CL", post + "Transfer-Encoding: foo\r\nContent-Length: 2\r\n\r\n{}", 400},
      {"CL then unknown TE", post + "Content-Length: 2\r\nTransfer-Encoding: foo\r\n\r\n{}", 400},
      {"TE in HTTP/1.0",
       "POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
      // §6.3 item 5: repeated or listed Content-Length, equal or not.
      {"two equal CL", post + "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}", 400},
      {"CL list", post + "Content-Length: 2, 2\r\n\r\n{}", 400},
      {"conflicting CL", post + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400},
      {"signed CL", post + "Content-Length: +2\r\n\r\n{}", 400},
      {"CL over the limit", post + "Content-Length: 5000\r\n\r\n", 413},
      // §3.2: Host.
      {"HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", 400},
      {"two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400},
      {"invalid Host", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    for (const auto& plan : base::testing::SplitPlans(c.wire.size(), 4)) {
      SCOPED_TRACE(plan.name);
      EXPECT_EQ(Verdict(c.wire, plan), c.status);
    }
  }
}

TEST(HttpFramingTest, RefusalsSayWhy) {
  http::request_header<> header;
  header.version(11);
  header.method(http::verb::post);
  header.set(http::field::host, "x");
  header.set(http::field::transfer_encoding, "foo");
  const FramingCheck unknown = CheckRequestFraming(header, false);
  EXPECT_EQ(unknown.status, 501);
  EXPECT_NE(unknown.detail.find("transfer coding"), std::string_view::npos);

  header.erase(http::field::transfer_encoding);
  header.erase(http::field::host);
  const FramingCheck no_host = CheckRequestFraming(header, false);
  EXPECT_EQ(no_host.status, 400);
  EXPECT_NE(no_host.detail.find("Host"), std::string_view::npos);
}

// A header that says chunked but that the parser did not read as chunked (they must agree,
// or the body would be framed differently from what was checked).
TEST(HttpFramingTest, ChunkedMustMatchTheParser) {
  http::request_header<> header;
  header.version(11);
  header.set(http::field::host, "x");
  header.set(http::field::transfer_encoding, "chunked");
  EXPECT_TRUE(CheckRequestFraming(header, true).ok());
  EXPECT_EQ(CheckRequestFraming(header, false).status, 400);
  header.erase(http::field::transfer_encoding);
  EXPECT_EQ(CheckRequestFraming(header, true).status, 400);
}

}  // namespace
}  // namespace steadycast::net::internal
