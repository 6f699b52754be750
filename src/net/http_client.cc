#include "net/http_client.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <optional>

#include <fmt/format.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "net/ip_endpoint.h"
#include "net/ip_endpoint_asio.h"

namespace steadycast::net {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// RFC 9110 §5.6.2 token characters (method and header names).
bool IsToken(std::string_view text) {
  static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || kExtra.find(c) != std::string_view::npos;
  });
}

// Visible ASCII, space and tab, and obs-text; never CR, LF or NUL (no header injection).
bool IsFieldValue(std::string_view text) {
  return std::none_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == 0x7f || (u < 0x20 && u != '\t');
  });
}

base::Status ValidateRequest(const HttpClientRequest& request, std::string_view target) {
  if (!IsToken(request.method)) return base::InvalidArgument("malformed HTTP method");
  if (target.empty() || target.front() != '/' ||
      std::any_of(target.begin(), target.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u >= 0x7f;
      })) {
    return base::InvalidArgument("request target must be an origin-form path without spaces");
  }
  for (const auto& [name, value] : request.headers) {
    if (!IsToken(name) || !IsFieldValue(value)) {
      return base::InvalidArgument("malformed request header '" + name.substr(0, 64) + "'");
    }
  }
  return base::Status::Ok();
}

// "[::1]" for IPv6 literals in the Host header.
std::string HostHeader(const std::string& host, uint16_t port) {
  const bool v6 = host.find(':') != std::string::npos && !host.starts_with('[');
  return fmt::format("{}{}{}:{}", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

constexpr std::string_view kConnectContext = "connect to ";
constexpr std::string_view kResolveContext = "resolve ";

base::Status FromError(const beast::error_code& ec, std::string_view during) {
  if (ec == beast::error::timeout) return base::Unavailable(fmt::format("{} timed out", during));
  if (ec == http::error::body_limit || ec == http::error::header_limit ||
      ec == http::error::buffer_overflow) {
    return base::ResourceExhausted(
        fmt::format("{}: response too large ({})", during, ec.message()));
  }
  return base::Unavailable(fmt::format("{}: {}", during, ec.message()));
}

// Runs the queued asynchronous operations to completion (each bounded by the stream's timer).
void RunAll(boost::asio::io_context& io) {
  io.restart();
  io.run();
}

}  // namespace

bool IsConnectFailure(const base::Status& status) {
  return status.code() == base::ErrorCode::kUnavailable &&
         (status.message().starts_with(kConnectContext) ||
          status.message().starts_with(kResolveContext));
}

std::string_view HttpClientResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

base::Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  std::string_view rest = url;
  if (const size_t scheme = rest.find("://"); scheme != std::string_view::npos) {
    if (!EqualsIgnoreCase(rest.substr(0, scheme), "http")) {
      return base::InvalidArgument("only http:// URLs are supported: " + std::string(url));
    }
    rest.remove_prefix(scheme + 3);
  }
  HttpUrl parsed;
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) parsed.path_prefix = std::string(rest.substr(slash));
  while (parsed.path_prefix.ends_with('/')) parsed.path_prefix.pop_back();
  if (authority.find('@') != std::string_view::npos ||
      parsed.path_prefix.find_first_of("?#") != std::string::npos) {
    return base::InvalidArgument("URL must be http://HOST:PORT[/path]: " + std::string(url));
  }
  std::string_view port_text;
  if (authority.starts_with('[')) {  // [v6]:port
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return base::InvalidArgument("unclosed '[' in " + std::string(url));
    }
    parsed.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (authority.starts_with(':')) {
      port_text = authority.substr(1);
    } else if (!authority.empty()) {
      return base::InvalidArgument("malformed host in " + std::string(url));
    }
  } else {
    const size_t colon = authority.rfind(':');
    parsed.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (parsed.host.empty()) return base::InvalidArgument("missing host in " + std::string(url));
  if (!port_text.empty() || authority.ends_with(':')) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return base::InvalidArgument("malformed port in " + std::string(url));
    }
    parsed.port = static_cast<uint16_t>(port);
  }
  return parsed;
}

HttpClient::HttpClient(std::string host, uint16_t port, HttpClientOptions options)
    : host_(std::move(host)), port_(port), options_(std::move(options)) {}

HttpClient::HttpClient(const HttpUrl& url, HttpClientOptions options)
    : host_(url.host),
      port_(url.port),
      path_prefix_(url.path_prefix),
      options_(std::move(options)) {}

base::Result<HttpClientResponse> HttpClient::Send(const HttpClientRequest& request) const {
  const std::string target = path_prefix_ + request.target;
  SC_RETURN_IF_ERROR(ValidateRequest(request, target));
  // Names are resolved by the system resolver (blocking; IP literals need no lookup).
  auto resolved = IpEndpoint::Resolve(host_, port_);
  if (!resolved.ok()) {
    return base::Unavailable(std::string(kResolveContext) + host_ + ": " +
                             resolved.status().message());
  }
  const IpEndpoint peer = *resolved;

  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  stream.expires_after(options_.connect_timeout);
  stream.async_connect(internal::ToTcp(peer), [&ec](const beast::error_code& e) { ec = e; });
  RunAll(io);
  if (ec) return FromError(ec, std::string(kConnectContext) + peer.ToString());

  http::request<http::string_body> message;
  message.version(11);
  message.method_string(request.method);
  message.target(target);
  message.set(http::field::host, HostHeader(host_, port_));
  message.set(http::field::user_agent, options_.user_agent);
  for (const auto& [name, value] : request.headers) message.set(name, value);
  message.keep_alive(false);
  message.body() = request.body;
  message.prepare_payload();

  http::response_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(
      std::min<size_t>(options_.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  parser.body_limit(static_cast<std::uint64_t>(options_.max_body_bytes));
  if (request.method == "HEAD") parser.skip(true);
  beast::flat_buffer buffer;
  // One deadline for the whole exchange: the timer keeps running across both operations.
  stream.expires_after(options_.read_timeout);
  std::optional<beast::error_code> write_ec;
  http::async_write(stream, message, [&](const beast::error_code& e, size_t) {
    write_ec = e;
    if (e) return;
    http::async_read_header(stream, buffer, parser,
                            [&ec](const beast::error_code& read, size_t) { ec = read; });
  });
  RunAll(io);
  if (write_ec && *write_ec) return FromError(*write_ec, "send request");
  if (ec) return FromError(ec, "read response header");
  // Checked here too: Boost 1.74's parser skips body_limit for a Content-Length body that
  // arrives in the same read as the header (chunked and read-to-EOF bodies are limited).
  if (const auto length = parser.content_length(); length && *length > options_.max_body_bytes) {
    return base::ResourceExhausted(fmt::format(
        "response body of {} bytes exceeds the {} byte limit", *length, options_.max_body_bytes));
  }
  if (!parser.is_done()) {
    http::async_read(stream, buffer, parser,
                     [&ec](const beast::error_code& read, size_t) { ec = read; });
    RunAll(io);
    if (ec) return FromError(ec, "read response");
  }

  HttpClientResponse response;
  const auto& reply = parser.get();
  response.status = static_cast<int>(reply.result_int());
  for (const auto& field : reply) {
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  response.body = reply.body();
  beast::error_code ignored;
  stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  return response;
}

}  // namespace steadycast::net
