#include "app/events_command.h"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "app/events_command_sse.h"
#include "app/streams_format.h"
#include "net/http_client.h"

namespace steadycast::app {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr size_t kMaxHeadBytes = size_t{64} * 1024;
constexpr size_t kMaxProblemBytes = size_t{64} * 1024;

std::string PercentEncode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

// The result of one `tail` connection.
enum class TailEnd { kDropped, kRefused, kFatal };

struct TailState {
  std::string last_event_id;
  bool connected_once = false;
};

// Reads the response head (status line + headers) into `head`; `rest` gets the body bytes
// read along with it.
base::Result<int> ReadHead(tcp::socket& socket, std::string& head, std::string& rest) {
  std::string buffer;
  char chunk[4096];
  size_t end = std::string::npos;
  while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (buffer.size() > kMaxHeadBytes) return base::ResourceExhausted("response head too long");
    boost::system::error_code ec;
    const size_t n = socket.read_some(asio::buffer(chunk), ec);
    if (ec) return base::Unavailable("connection closed before the response: " + ec.message());
    buffer.append(chunk, n);
  }
  head = buffer.substr(0, end + 2);
  rest = buffer.substr(end + 4);
  int status = 0;
  if (std::sscanf(head.c_str(), "HTTP/1.%*d %d", &status) != 1) {
    return base::Unavailable("malformed response");
  }
  return status;
}

void ReportProblem(tcp::socket& socket, int status, std::string body, std::ostream& err) {
  char chunk[4096];
  while (body.size() < kMaxProblemBytes) {
    boost::system::error_code ec;
    const size_t n = socket.read_some(asio::buffer(chunk), ec);
    if (ec) break;
    body.append(chunk, n);
    if (nlohmann::json::accept(body)) break;  // our problem bodies are one JSON object
  }
  err << "steadycast events tail: " << FormatProblem(status, body);
}

void PrintMessage(const SseMessage& message, bool json, std::ostream& out, std::ostream& err) {
  if (message.event == "gap") {
    const nlohmann::json gap = ParseJsonLimited(message.data);
    err << "steadycast events tail: "
        << (gap.is_object() ? gap.value("lost", int64_t{0}) : int64_t{0})
        << " events skipped (this client fell behind); `steadycast events list` shows them\n";
    return;
  }
  if (json) {
    out << message.data << "\n";
  } else {
    out << FormatEventLine(ParseJsonLimited(message.data)) << "\n";
  }
  out.flush();
}

TailEnd TailOnce(const ServerAccess& access, const std::string& target, bool json, TailState& state,
                 std::ostream& out, std::ostream& err) {
  asio::io_context io;
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  auto endpoints = resolver.resolve(access.url.host, std::to_string(access.url.port), ec);
  tcp::socket socket(io);
  if (!ec) asio::connect(socket, endpoints, ec);
  if (ec) {
    if (!state.connected_once) {
      err << "steadycast events tail: cannot connect to " << access.base_url << ": " << ec.message()
          << "\n";
    }
    return TailEnd::kRefused;
  }
  std::string request = fmt::format(
      "GET {}{} HTTP/1.1\r\nHost: {}:{}\r\nAuthorization: {}\r\nAccept: text/event-stream\r\n"
      "User-Agent: steadycast\r\n",
      access.url.path_prefix, target, access.url.host, access.url.port, access.authorization);
  if (!state.last_event_id.empty()) request += "Last-Event-ID: " + state.last_event_id + "\r\n";
  request += "\r\n";
  asio::write(socket, asio::buffer(request), ec);
  if (ec) return TailEnd::kDropped;
  std::string head;
  std::string body;
  auto status = ReadHead(socket, head, body);
  if (!status.ok()) return TailEnd::kDropped;
  if (*status != 200) {
    ReportProblem(socket, *status, body, err);
    return TailEnd::kFatal;
  }
  state.connected_once = true;
  SseDecoder decoder;
  std::vector<SseMessage> messages;
  char chunk[16 * 1024];
  while (true) {
    messages.clear();
    if (!decoder.Feed(body, messages).ok()) return TailEnd::kDropped;
    for (const SseMessage& m : messages) PrintMessage(m, json, out, err);
    if (!decoder.last_event_id().empty()) state.last_event_id = decoder.last_event_id();
    const size_t n = socket.read_some(asio::buffer(chunk), ec);
    if (ec) return TailEnd::kDropped;
    body.assign(chunk, n);
  }
}

int RunTail(const ServerAccess& access, const std::string& stream_id, bool json) {
  std::string target = "/v1/events/stream";
  if (!stream_id.empty()) target += "?live_stream_id=" + PercentEncode(stream_id);
  TailState state;
  while (true) {
    const TailEnd end = TailOnce(access, target, json, state, std::cout, std::cerr);
    if (end == TailEnd::kFatal) return 1;
    if (!state.connected_once) return 1;  // never reached the server: say so, do not spin
    // Once per outage: refused connects while the server is down stay quiet.
    if (end == TailEnd::kDropped)
      std::cerr << "steadycast events tail: connection lost; reconnecting\n";
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

int RunList(const ServerAccess& access, const std::string& target, bool json,
            std::chrono::milliseconds timeout) {
  const net::HttpClient client(
      access.url, {.connect_timeout = std::min(timeout, std::chrono::milliseconds(5000)),
                   .read_timeout = timeout});
  net::HttpClientRequest request{.method = "GET", .target = target};
  request.headers = {{"Authorization", access.authorization}, {"Accept", "application/json"}};
  auto response = client.Send(request);
  if (!response.ok()) {
    std::cerr << "steadycast events list: " << response.status().message() << "\n";
    return 1;
  }
  if (response->status != 200) {
    std::cerr << "steadycast events list: " << FormatProblem(response->status, response->body);
    return 1;
  }
  if (json) {
    std::cout << response->body << "\n";
    return 0;
  }
  const nlohmann::json page = ParseJsonLimited(response->body);
  if (!page.is_object() || !page.contains("data") || !page["data"].is_array()) {
    std::cerr << "steadycast events list: unexpected response\n";
    return 1;
  }
  for (const nlohmann::json& event : page["data"]) std::cout << FormatEventLine(event) << "\n";
  if (page.contains("next_cursor") && page["next_cursor"].is_string()) {
    std::cerr << "(more: --limit up to 100, or GET " << target
              << (target.find('?') == std::string::npos ? "?" : "&")
              << "cursor=" << page["next_cursor"].get<std::string>() << ")\n";
  }
  return 0;
}

}  // namespace

std::string EventsListTarget(int limit, const std::string& types, const std::string& stream_id) {
  std::vector<std::string> params;
  if (limit > 0) params.push_back(fmt::format("limit={}", limit));
  if (!types.empty()) params.push_back("type=" + PercentEncode(types));
  if (!stream_id.empty()) params.push_back("object_id=" + PercentEncode(stream_id));
  std::string target = "/v1/events";
  for (size_t i = 0; i < params.size(); ++i) target += (i == 0 ? "?" : "&") + params[i];
  return target;
}

struct EventsCommand::Flags {
  AccessFlags access;
  bool json = false;
  double timeout_seconds = 30;
  std::string types;
  std::string stream_id;
  int limit = 0;
};

EventsCommand::EventsCommand(CLI::App& cli) : flags_(std::make_unique<Flags>()) {
  auto* events = cli.add_subcommand("events", "read the event outbox of a running server");
  events->require_subcommand(1);
  Flags& f = *flags_;
  auto add_common = [&f](CLI::App& app) {
    app.add_option("--data-dir", f.access.data_dir,
                   "data dir of the server to reach (listen.json, admin-token.json; default "
                   "./data)");
    app.add_option("--server", f.access.server, "http://HOST:PORT of the server's HTTP listener");
    app.add_option("--token", f.access.token,
                   "access token ID:SECRET (default: env STEADYCAST_TOKEN, else the data dir's "
                   "admin token)");
    app.add_option("--stream", f.stream_id, "only events about this live stream (ls_...)");
    app.add_flag("--json", f.json, "print each event's JSON envelope");
  };
  list_ = events->add_subcommand("list", "list events, newest first");
  add_common(*list_);
  list_->add_option("--type", f.types, "only these event types (comma separated)");
  list_->add_option("--limit", f.limit, "events to show (1-100; default: the server's)")
      ->check(CLI::Range(1, 100));
  list_->add_option("--timeout", f.timeout_seconds, "seconds to wait for the server (default 30)");
  tail_ = events->add_subcommand("tail", "print events as they happen (until Ctrl-C)");
  add_common(*tail_);
}

EventsCommand::~EventsCommand() = default;

bool EventsCommand::parsed() const { return list_->parsed() || tail_->parsed(); }

int EventsCommand::Run() {
  const Flags& f = *flags_;
  const std::string prefix =
      std::string("steadycast events ") + (list_->parsed() ? "list" : "tail");
  if (!(f.timeout_seconds > 0 && f.timeout_seconds <= 3600)) {
    std::cerr << prefix << ": --timeout must be 0-3600 seconds\n";
    return 2;
  }
  std::map<std::string, std::string> env;
  for (const char* name : {"STEADYCAST_DATA_DIR", "STEADYCAST_TOKEN"}) {
    if (const char* value = std::getenv(name)) env[name] = value;
  }
  auto access = ResolveServerAccess(f.access, env);
  if (!access.ok()) {
    std::cerr << prefix << ": " << access.status().message() << "\n";
    return access.status().code() == base::ErrorCode::kInvalidArgument ? 2 : 1;
  }
  if (tail_->parsed()) return RunTail(*access, f.stream_id, f.json);
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(f.timeout_seconds * 1000));
  return RunList(*access, EventsListTarget(f.limit, f.types, f.stream_id), f.json, timeout);
}

}  // namespace steadycast::app
