#include "net/http_wire.h"

#include <chrono>
#include <ctime>
#include <iterator>

#include <fmt/format.h>

namespace steadycast::net::internal {
namespace {

bool EqualsLower(std::string_view name, std::string_view lower) {
  if (name.size() != lower.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

bool IsSafeValue(std::string_view value) {
  for (const char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

bool HasToken(std::string_view value, std::string_view lower_token) {
  size_t pos = 0;
  while (pos <= value.size()) {
    size_t comma = value.find(',', pos);
    if (comma == std::string_view::npos) comma = value.size();
    std::string_view item = value.substr(pos, comma - pos);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (EqualsLower(item, lower_token)) return true;
    pos = comma + 1;
  }
  return false;
}

std::string_view View(boost::beast::string_view text) { return {text.data(), text.size()}; }

}  // namespace

base::Status FillRequest(boost::beast::http::request<boost::beast::http::string_body>& message,
                         HttpRequest& out) {
  out.method = View(message.method_string());
  out.target = View(message.target());
  SC_RETURN_IF_ERROR(
      ParseTarget(out.target, out.path, out.query).WithContext("malformed request target"));
  out.headers.clear();
  std::string name;
  for (const auto& field : message) {
    name.clear();
    for (const char c : View(field.name_string())) {
      name.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
    auto [it, inserted] = out.headers.try_emplace(name, View(field.value()));
    if (!inserted) {
      it->second += ", ";
      it->second += View(field.value());
    }
  }
  out.body = std::move(message.body());
  out.keep_alive = message.keep_alive();
  return base::Status::Ok();
}

bool IsHeaderName(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

ResponseHead SerializeResponseHead(const HttpResponse& response, const ResponseHeadParams& params,
                                   std::string& out) {
  ResponseHead head;
  const int status = response.status >= 100 && response.status <= 999 ? response.status : 500;
  const bool informational = status < 200;
  head.send_body = !params.head_request && !informational && status != 204 && status != 304;
  head.keep_alive = params.keep_alive;
  bool has_server = false;
  bool has_date = false;

  out.clear();
  auto it = std::back_inserter(out);
  fmt::format_to(it, "HTTP/1.1 {} {}\r\n", status, StatusReason(status));
  for (const auto& [name, value] : response.headers) {
    if (!IsHeaderName(name) || !IsSafeValue(value)) continue;
    if (EqualsLower(name, "content-length") || EqualsLower(name, "transfer-encoding")) continue;
    if (EqualsLower(name, "connection")) {
      if (HasToken(value, "close")) head.keep_alive = false;
      continue;
    }
    has_server = has_server || EqualsLower(name, "server");
    has_date = has_date || EqualsLower(name, "date");
    fmt::format_to(it, "{}: {}\r\n", name, value);
  }
  if (!has_server && !params.server_header.empty()) {
    fmt::format_to(it, "Server: {}\r\n", params.server_header);
  }
  if (!has_date && !params.date.empty()) fmt::format_to(it, "Date: {}\r\n", params.date);
  // RFC 9110 §8.6: no Content-Length in 1xx/204; for HEAD and 304 it describes the body that
  // a GET would have sent.
  if (response.stream) {
    head.keep_alive = false;  // a streamed body is delimited by the end of the connection
  } else if (!informational && status != 204) {
    fmt::format_to(it, "Content-Length: {}\r\n", response.body.size());
  }
  if (!head.keep_alive) {
    out += "Connection: close\r\n";
  } else if (params.http10_request) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
  return head;
}

std::string_view HttpDate() {
  struct Cache {
    std::time_t second = -1;
    char text[40] = {};
    size_t size = 0;
  };
  thread_local Cache cache;
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  if (now != cache.second) {
    // Spelled out instead of strftime("%a %b"), which follows the process locale.
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm utc{};
    gmtime_r(&now, &utc);
    const auto end = fmt::format_to_n(cache.text, sizeof(cache.text) - 1,
                                      "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
                                      kDays[utc.tm_wday % 7], utc.tm_mday, kMonths[utc.tm_mon % 12],
                                      utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
    cache.size = end.size;
    cache.second = now;
  }
  return {cache.text, cache.size};
}

}  // namespace steadycast::net::internal
