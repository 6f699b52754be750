#pragma once
// Internal to net/: serializes an HttpResponse's status line and header section (RFC 9112
// §4, §6) into a reusable string, so the server writes header + body as one gather write
// with the body taken straight from the shared base::Buffer (no copy, no per-response Beast
// message). Pure functions; thread-safe (the Date cache is per thread).

#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "base/status.h"
#include "net/http_types.h"

namespace steadycast::net::internal {

struct ResponseHeadParams {
  bool head_request = false;       // HEAD: Content-Length of the body, but no body
  bool keep_alive = true;          // the connection stays open after this response
  bool http10_request = false;     // an HTTP/1.0 client needs "Connection: keep-alive" spelled out
  std::string_view server_header;  // empty: no Server header unless the handler set one
  std::string_view date;           // IMF-fixdate, e.g. from HttpDate()
};

struct ResponseHead {
  bool send_body = true;   // false for HEAD, 1xx, 204 and 304
  bool keep_alive = true;  // false when the handler asked for "Connection: close"
};

// Writes the head into `out` (cleared first, capacity kept). Handler headers that would
// break framing (Content-Length, Transfer-Encoding, Connection) are replaced by our own;
// headers with invalid names or CR/LF/NUL in values (response splitting) are dropped.
ResponseHead SerializeResponseHead(const HttpResponse& response, const ResponseHeadParams& params,
                                   std::string& out);

// The current time as an IMF-fixdate (RFC 9110 §5.6.7), formatted at most once per second
// per thread. The view is valid until the next call on the same thread.
std::string_view HttpDate();

// Fills `out` from a parsed request: method, raw target, decoded path and query, header names
// lower-cased (repeated fields joined with ", ", RFC 9110 §5.3), keep-alive, and the body
// (moved out of `message`). Fails on a malformed target. Leaves remote_address alone.
base::Status FillRequest(boost::beast::http::request<boost::beast::http::string_body>& message,
                         HttpRequest& out);

// RFC 9110 §5.6.2 token characters (header names).
bool IsHeaderName(std::string_view name);

}  // namespace steadycast::net::internal
