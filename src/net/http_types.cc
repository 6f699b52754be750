#include "net/http_types.h"

#include <fmt/format.h>

namespace steadycast::net {
namespace {

// Case-insensitive ASCII comparison (header names are ASCII tokens, RFC 9110 §5.1).
bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

template <typename Map>
std::string_view Lookup(const Map& map, std::string_view name) {
  const auto it = map.find(std::string(name));
  return it == map.end() ? std::string_view() : std::string_view(it->second);
}

void SetContentType(HttpResponse& response, std::string content_type) {
  for (auto& [name, value] : response.headers) {
    if (EqualsIgnoreCase(name, "content-type")) {
      value = std::move(content_type);
      return;
    }
  }
  response.headers.emplace_back("Content-Type", std::move(content_type));
}

// Strips "http://host" / "https://host" from an absolute-form target (RFC 9112 §3.2.2); the
// Host header, not the target, names the authority for routing here.
base::Result<std::string_view> OriginForm(std::string_view target) {
  if (!target.empty() && target.front() == '/') return target;
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() > scheme.size() &&
        EqualsIgnoreCase(target.substr(0, scheme.size()), scheme)) {
      const std::string_view rest = target.substr(scheme.size());
      const size_t slash = rest.find_first_of("/?");
      if (slash == std::string_view::npos) return std::string_view("/");
      if (rest[slash] == '?') return base::InvalidArgument("absolute-form target without a path");
      return rest.substr(slash);
    }
  }
  return base::InvalidArgument("request target must start with '/'");
}

}  // namespace

std::string_view HttpRequest::Header(std::string_view name) const { return Lookup(headers, name); }
std::string_view HttpRequest::Query(std::string_view name) const { return Lookup(query, name); }
std::string_view HttpRequest::Param(std::string_view name) const { return Lookup(params, name); }

HttpResponse& HttpResponse::Body(base::Buffer bytes, std::string content_type) {
  body = std::move(bytes);
  SetContentType(*this, std::move(content_type));
  return *this;
}

HttpResponse& HttpResponse::Text(std::string_view text, std::string content_type) {
  return Body(base::Buffer::FromString(text), std::move(content_type));
}

bool HttpResponse::HasHeader(std::string_view name) const {
  for (const auto& header : headers) {
    if (EqualsIgnoreCase(header.first, name)) return true;
  }
  return false;
}

base::Result<std::string> PercentDecode(std::string_view in, bool plus_as_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      const bool complete = i + 2 < in.size();
      const int hi = complete ? HexValue(in[i + 1]) : -1;
      const int lo = complete ? HexValue(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return base::InvalidArgument(fmt::format("malformed percent escape at offset {}", i));
      }
      const char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') return base::InvalidArgument("NUL byte (%00) in request target");
      out.push_back(decoded);
      i += 2;
    } else if (c == '\0') {
      return base::InvalidArgument("NUL byte in request target");
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

base::Status ParseTarget(std::string_view target, std::string& path,
                         std::map<std::string, std::string>& query) {
  for (const char c : target) {
    // RFC 9112 §3.2: a target is visible ASCII; control bytes (and so NUL) never belong.
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return base::InvalidArgument("control character or space in request target");
    }
  }
  SC_ASSIGN_OR_RETURN(std::string_view origin, OriginForm(target));
  const size_t fragment = origin.find('#');  // never sent by clients; ignore if present
  if (fragment != std::string_view::npos) origin = origin.substr(0, fragment);
  const size_t qmark = origin.find('?');
  SC_ASSIGN_OR_RETURN(path, PercentDecode(origin.substr(0, qmark)).WithContext("path"));
  query.clear();
  if (qmark == std::string_view::npos) return base::Status::Ok();
  std::string_view rest = origin.substr(qmark + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    SC_ASSIGN_OR_RETURN(std::string name,
                        PercentDecode(pair.substr(0, eq), true).WithContext("query"));
    std::string value;
    if (eq != std::string_view::npos) {
      SC_ASSIGN_OR_RETURN(value, PercentDecode(pair.substr(eq + 1), true).WithContext("query"));
    }
    query.insert_or_assign(std::move(name), std::move(value));
  }
  return base::Status::Ok();
}

std::string_view StatusReason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 422:
      return "Unprocessable Content";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

void AppendJsonEscaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out.push_back(c);
        }
    }
  }
}

HttpResponse ProblemResponse(int status, std::string_view detail) {
  std::string json = R"({"type":"about:blank","title":")";
  AppendJsonEscaped(json, StatusReason(status));
  json += fmt::format(R"(","status":{},"detail":")", status);
  AppendJsonEscaped(json, detail);
  json += "\"}";
  HttpResponse response = HttpResponse::Status(status);
  response.Text(json, "application/problem+json");
  return response;
}

}  // namespace steadycast::net
