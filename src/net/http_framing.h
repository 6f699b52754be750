#pragma once
// Internal to net/: the message-framing and Host checks that RFC 9112 asks of a server once a
// request's header section is parsed and before any of its body is read. Beast's parser
// frames by Content-Length or by a final "chunked" and silently treats anything else as "no
// body": an unknown Transfer-Encoding would leave the body on the wire to be parsed as the
// next request (request smuggling). These checks refuse every ambiguous shape instead.
//
// Pure: reads the parsed header only; no allocation, no I/O, thread-safe.
//
//   Transfer-Encoding and Content-Length both present        → 400 (§6.3 item 3)
//   Transfer-Encoding in an HTTP/1.0 request                   → 400 (§6.1)
//   an empty or malformed transfer-coding list                 → 400
//   "chunked" more than once, or not the last coding           → 400 (§6.3 item 4, §7.1)
//   any other transfer coding (gzip, foo, ...)                 → 501 (§6.1: not understood)
//   Content-Length repeated (even with equal values), a list,
//     or not 1*DIGIT                                           → 400 (§6.3 item 5, §8.6)
//   HTTP/1.1 without Host, more than one Host, invalid Host    → 400 (§3.2)
//
// After these checks pass, a request's framing is exactly one of: no body, one Content-Length,
// or chunked as the only transfer coding (which `parser_chunked`, Beast's own reading of the
// header, must then confirm).

#include <string_view>

#include <boost/beast/http/message.hpp>

namespace steadycast::net::internal {

struct FramingCheck {
  int status = 0;           // 0: the request may be read; else 400 or 501, then close
  std::string_view detail;  // for the problem response (static text)
  bool ok() const { return status == 0; }
};

// `parser_chunked`: whether the parser will read the body as chunked (request_parser::chunked()).
FramingCheck CheckRequestFraming(const boost::beast::http::request_header<>& header,
                                 bool parser_chunked);

}  // namespace steadycast::net::internal
