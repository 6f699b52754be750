// libFuzzer target: any bytes as a request head, parsed by Beast with the server's limits and
// then judged by CheckRequestFraming. When the header parses both whole and split, the verdict
// must be the same (Beast itself may tell a malformed head apart differently by split: it
// reports an error for one and waits for more bytes for the other; only our check is judged),
// and an accepted request must have exactly one way to find its body's end: none, one
// Content-Length, or chunked as its only transfer coding, and a Host when it is HTTP/1.1.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/http_framing.h"

namespace http = boost::beast::http;
using steadycast::net::internal::CheckRequestFraming;

namespace {

// Feeds `data` in two pieces split at `cut`; returns -1 (header incomplete or a parser error)
// or the framing verdict. Checks the accepted-request invariants on the way.
int Judge(std::string_view data, size_t cut) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(4096);
  parser.body_limit(16 * 1024);
  std::string pending;
  for (const std::string_view piece : {data.substr(0, cut), data.substr(cut)}) {
    pending.append(piece);
    boost::beast::error_code ec;
    const size_t used = parser.put(boost::asio::buffer(pending), ec);
    pending.erase(0, used);
    if (ec == http::error::need_more) continue;
    if (ec) return -1;
    if (!parser.is_header_done()) continue;
    const auto& header = parser.get();
    const int status = CheckRequestFraming(header, parser.chunked()).status;
    if (status == 0) {
      const bool te = header.count(http::field::transfer_encoding) > 0;
      const size_t cl = header.count(http::field::content_length);
      if (te != parser.chunked()) std::abort();
      if (te && cl != 0) std::abort();
      if (cl > 1) std::abort();
      if (header.version() >= 11 && header.count(http::field::host) != 1) std::abort();
    } else if (status != 400 && status != 501) {
      std::abort();
    }
    return status;
  }
  return -1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const int whole = Judge(input, size);
  const size_t cut = size == 0 ? 0 : (static_cast<size_t>(data[0]) * 7919) % (size + 1);
  const int split = Judge(input, cut);
  if (whole >= 0 && split >= 0 && whole != split) std::abort();
  return 0;
}
