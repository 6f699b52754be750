#include "net/http_framing.h"

#include <cstddef>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>

#include "net/http_wire.h"

namespace steadycast::net::internal {
namespace {

namespace http = boost::beast::http;

std::string_view View(boost::beast::string_view text) { return {text.data(), text.size()}; }

bool IsOws(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
  return s;
}

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// RFC 9112 §3.2: Host = uri-host [ ":" port ]; RFC 3986 §3.2.2 allows unreserved,
// pct-encoded, sub-delims, and "[" ":" "]" for IP literals. Empty is allowed.
bool IsHostValue(std::string_view s) {
  for (const char c : s) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alnum && std::string_view("-._~%!$&'()*+,;=:[]").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// The transfer codings of every Transfer-Encoding field line, in order (RFC 9110 §5.3: field
// lines of one name combine into one list).
struct Codings {
  size_t count = 0;
  size_t chunked = 0;
  bool last_is_chunked = false;
  bool unknown = false;    // a coding other than chunked
  bool malformed = false;  // not a token, or chunked with parameters
};

void AddCodings(std::string_view value, Codings& out) {
  size_t pos = 0;
  while (pos <= value.size()) {
    size_t comma = value.find(',', pos);
    if (comma == std::string_view::npos) comma = value.size();
    const std::string_view element = TrimOws(value.substr(pos, comma - pos));
    pos = comma + 1;
    if (element.empty()) continue;  // RFC 9110 §5.6.1: empty list elements are ignored
    const size_t semicolon = element.find(';');
    const std::string_view name = TrimOws(element.substr(0, semicolon));
    if (!IsHeaderName(name)) {
      out.malformed = true;
      return;
    }
    ++out.count;
    out.last_is_chunked =
        boost::beast::iequals(boost::beast::string_view(name.data(), name.size()), "chunked");
    if (out.last_is_chunked) {
      ++out.chunked;
      // Chunked takes no parameters (RFC 9112 §7).
      if (semicolon != std::string_view::npos) out.malformed = true;
    } else {
      out.unknown = true;
    }
  }
}

FramingCheck Bad(std::string_view detail) { return {400, detail}; }

FramingCheck CheckTransferEncoding(const http::request_header<>& header, bool parser_chunked) {
  if (header.count(http::field::content_length) > 0) {
    return Bad("Transfer-Encoding and Content-Length together");
  }
  if (header.version() < 11) return Bad("Transfer-Encoding in an HTTP/1.0 request");
  Codings codings;
  for (const auto& field : header) {
    if (field.name() == http::field::transfer_encoding) AddCodings(View(field.value()), codings);
  }
  if (codings.malformed || codings.count == 0) return Bad("malformed Transfer-Encoding");
  if (codings.chunked > 1) return Bad("chunked applied more than once");
  if (codings.chunked == 1 && !codings.last_is_chunked) {
    return Bad("chunked is not the last transfer coding");
  }
  if (codings.unknown) {
    return {501, "unsupported transfer coding (only chunked is implemented)"};
  }
  // Exactly "chunked": the parser must have read it the same way, or the body would be
  // framed differently from what we checked.
  if (!parser_chunked) return Bad("malformed Transfer-Encoding");
  return {};
}

}  // namespace

FramingCheck CheckRequestFraming(const http::request_header<>& header, bool parser_chunked) {
  const size_t hosts = header.count(http::field::host);
  if (hosts > 1) return Bad("more than one Host header field");
  if (hosts == 0 && header.version() >= 11) return Bad("an HTTP/1.1 request needs a Host header");
  if (hosts == 1 && !IsHostValue(View(header[http::field::host]))) return Bad("invalid Host");

  if (header.count(http::field::transfer_encoding) > 0) {
    return CheckTransferEncoding(header, parser_chunked);
  }
  if (parser_chunked) return Bad("malformed Transfer-Encoding");  // cannot happen
  const size_t lengths = header.count(http::field::content_length);
  if (lengths > 1) return Bad("more than one Content-Length");
  if (lengths == 1 && !IsDigits(View(header[http::field::content_length]))) {
    return Bad("invalid Content-Length");
  }
  return {};
}

}  // namespace steadycast::net::internal
