// Fuzzes the request side of HttpServer without sockets: Beast's parser with our limits, then
// FillRequest, then a response head built from the request's header values (which must never
// split the response: every header line ends in CRLF and nothing follows the blank line).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <boost/beast/http/parser.hpp>

#include "net/http_wire.h"

namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(4096);
  parser.body_limit(16 * 1024);
  parser.eager(true);
  boost::asio::const_buffer input(data, size);
  boost::beast::error_code ec;
  while (input.size() > 0 && !parser.is_done()) {
    const size_t used = parser.put(input, ec);
    if (ec) return 0;  // need_more or malformed: either way the server stops here
    input += used;
  }
  if (!parser.is_done()) return 0;
  steadycast::net::HttpRequest request;
  if (!steadycast::net::internal::FillRequest(parser.get(), request).ok()) return 0;

  steadycast::net::HttpResponse response;
  for (const auto& [name, value] : request.headers) response.Header(name, value);
  response.Text(request.body);
  std::string head;
  steadycast::net::internal::ResponseHeadParams params;
  params.head_request = request.method == "HEAD";
  steadycast::net::internal::SerializeResponseHead(response, params, head);
  if (head.size() < 4 || head.compare(head.size() - 4, 4, "\r\n\r\n") != 0) std::abort();
  if (head.find("\r\n\r\n") != head.size() - 4) std::abort();
  for (size_t i = 0; i < head.size(); ++i) {
    if (head[i] == '\n' && (i == 0 || head[i - 1] != '\r')) std::abort();
    if (head[i] == '\r' && (i + 1 >= head.size() || head[i + 1] != '\n')) std::abort();
  }
  return 0;
}
