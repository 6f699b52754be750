#include "app/streams_command.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "base/base64.h"
#include "base/random.h"

namespace steadycast::app {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr size_t kMaxLocalFileBytes = size_t{64} * 1024;  // listen.json / admin-token.json
constexpr int kMaxAttempts = 3;
constexpr std::chrono::milliseconds kMaxRetryWait{5'000};
constexpr int kMaxPages = 100'000;  // list --all: a server that loops cursors cannot hang us

// Reads a small JSON file of the data dir; kNotFound when absent.
base::Result<json> ReadJsonFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return base::NotFound(path.string() + " not found");
  std::string text(kMaxLocalFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxLocalFileBytes) return base::InvalidArgument(path.string() + " is too big");
  json value = ParseJsonLimited(text);
  if (!value.is_object()) return base::InvalidArgument(path.string() + " is not a JSON object");
  return value;
}

// object[key] or null, for values of any shape (a const json's operator[] must not miss).
const json& Field(const json& object, std::string_view key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  const auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string StringField(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// RFC 3986 unreserved characters pass; everything else is %XX (ids and cursors in URLs).
std::string PercentEncode(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

base::Result<net::HttpUrl> ServerUrl(const AccessFlags& flags, const fs::path& data_dir) {
  if (!flags.server.empty()) return net::ParseHttpUrl(flags.server).WithContext("--server");
  auto listen = ReadJsonFile(data_dir / "listen.json");
  if (!listen.ok()) {
    return std::move(listen).status().WithContext(
        "no server address (is the server running with this data dir? else use --server "
        "http://HOST:PORT)");
  }
  SC_ASSIGN_OR_RETURN(
      net::HttpUrl url,
      net::ParseHttpUrl(StringField(*listen, "http")).WithContext("listen.json \"http\""));
  // A wildcard listen address is reached through loopback.
  if (url.host == "0.0.0.0") url.host = "127.0.0.1";
  if (url.host == "::") url.host = "::1";
  return url;
}

base::Result<std::pair<std::string, std::string>> Credentials(
    const AccessFlags& flags, const fs::path& data_dir,
    const std::map<std::string, std::string>& env) {
  std::string token = flags.token;
  if (token.empty()) {
    if (auto it = env.find("STEADYCAST_TOKEN"); it != env.end()) token = it->second;
  }
  if (!token.empty()) {
    const size_t colon = token.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == token.size()) {
      return base::InvalidArgument("--token / STEADYCAST_TOKEN must be TOKEN_ID:TOKEN_SECRET");
    }
    return std::pair{token.substr(0, colon), token.substr(colon + 1)};
  }
  auto file = ReadJsonFile(data_dir / "admin-token.json");
  if (!file.ok()) {
    return std::move(file).status().WithContext(
        "no credentials (use --token ID:SECRET or STEADYCAST_TOKEN)");
  }
  std::pair<std::string, std::string> pair{StringField(*file, "id"), StringField(*file, "secret")};
  if (pair.first.empty() || pair.second.empty()) {
    return base::InvalidArgument("admin-token.json has no \"id\" and \"secret\"");
  }
  return pair;
}

bool IsSuccess(int status) { return status >= 200 && status < 300; }

// Retry-After in seconds (RFC 9110 §10.2.3, delay-seconds form), capped.
std::chrono::milliseconds RetryWait(const net::HttpClientResponse& response, int attempt) {
  const std::string_view text = response.Header("retry-after");
  int seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || seconds < 0) {
    return std::chrono::milliseconds(500 << attempt);
  }
  return std::min<std::chrono::milliseconds>(std::chrono::seconds(seconds), kMaxRetryWait);
}

struct Call {
  std::string method;
  std::string target;
  std::optional<json> body;
};

// Sends `call`, retrying where that cannot repeat a side effect: 429 (refused before any work),
// connect failures (nothing was sent), and for GET and POST (POSTs carry an Idempotency-Key,
// so the server replays its first answer) lost answers and 503.
base::Result<net::HttpClientResponse> Send(const Call& call, const StreamsInvocation& invocation,
                                           const ServerAccess& access,
                                           const ApiTransport& transport, const StreamsIo& io) {
  net::HttpClientRequest request{.method = call.method, .target = call.target};
  request.headers = {{"Authorization", access.authorization}, {"Accept", "application/json"}};
  if (call.body) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = call.body->dump();
  }
  if (call.method == "POST") {
    request.headers.emplace_back("Idempotency-Key", invocation.idempotency_key.empty()
                                                        ? "cli-" + base::RandomUrlSafe(18)
                                                        : invocation.idempotency_key);
  }
  if (!invocation.if_match.empty() && (call.method == "PATCH" || call.method == "DELETE")) {
    request.headers.emplace_back("If-Match", invocation.if_match);
  }
  const bool replay_safe = call.method == "GET" || call.method == "POST";
  for (int attempt = 0;; ++attempt) {
    auto response = transport(request);
    std::chrono::milliseconds wait(500 << attempt);
    bool retry = false;
    if (!response.ok()) {
      retry = response.status().code() == base::ErrorCode::kUnavailable &&
              (replay_safe || net::IsConnectFailure(response.status()));
    } else if (response->status == 429 || (response->status == 503 && replay_safe)) {
      retry = true;
      wait = RetryWait(*response, attempt);
    }
    if (!retry || attempt + 1 >= kMaxAttempts) return response;
    io.sleep(wait);
  }
}

// Prints a failed exchange on stderr; returns the exit code (1).
int Fail(const StreamsIo& io, const StreamsInvocation& invocation, const ServerAccess& access,
         const base::Result<net::HttpClientResponse>& response) {
  const std::string prefix = "steadycast streams " + invocation.action + ": ";
  if (!response.ok()) {
    io.err << prefix << "cannot reach " << access.base_url << ": " << response.status().message()
           << "\n";
  } else {
    io.err << prefix << FormatProblem(response->status, response->body);
  }
  return 1;
}

void PrintBody(const StreamsIo& io, const std::string& body) {
  io.out << body;
  if (!body.empty() && body.back() != '\n') io.out << "\n";
}

int RunList(const StreamsInvocation& invocation, const ServerAccess& access,
            const ApiTransport& transport, const StreamsIo& io) {
  json all = json::array();
  std::string cursor = invocation.cursor;
  std::set<std::string> seen_cursors;
  const int limit = invocation.limit > 0 ? invocation.limit : (invocation.all ? 100 : 0);
  for (int page = 0; page < kMaxPages; ++page) {
    std::string target = "/v1/live-streams";
    std::string query;
    if (limit > 0) query += "limit=" + std::to_string(limit);
    if (!cursor.empty()) query += (query.empty() ? "" : "&") + ("cursor=" + PercentEncode(cursor));
    if (!query.empty()) target += "?" + query;
    auto response = Send({"GET", target, std::nullopt}, invocation, access, transport, io);
    if (!response.ok() || !IsSuccess(response->status)) {
      return Fail(io, invocation, access, response);
    }
    const json body = ParseJsonLimited(response->body);
    if (!body.is_object() || !Field(body, "data").is_array()) {
      io.err << "steadycast streams list: unexpected response: " << response->body.substr(0, 200)
             << "\n";
      return 1;
    }
    if (invocation.json && !invocation.all) {
      PrintBody(io, response->body);
      return 0;
    }
    for (const json& stream : Field(body, "data")) all.push_back(stream);
    const json& next = Field(body, "next_cursor");
    if (!next.is_string() || !invocation.all) {
      if (next.is_string()) {
        io.err << "more: steadycast streams list --cursor " << next.get<std::string>()
               << " (or --all)\n";
      }
      break;
    }
    cursor = next.get<std::string>();
    if (!seen_cursors.insert(cursor).second) break;
  }
  if (invocation.json) {
    PrintBody(io, json{{"data", all}, {"next_cursor", nullptr}}.dump());
  } else {
    io.out << FormatStreamTable(all);
  }
  return 0;
}

// Method, target and body of every action but list.
base::Result<Call> CallFor(const StreamsInvocation& invocation) {
  const std::string path = "/v1/live-streams/" + PercentEncode(invocation.id);
  const std::string& a = invocation.action;
  if (a == "create") return Call{"POST", "/v1/live-streams", invocation.body};
  if (invocation.id.empty()) return base::InvalidArgument("a live stream id is required");
  if (a == "get") return Call{"GET", path, std::nullopt};
  if (a == "update") return Call{"PATCH", path, invocation.body};
  if (a == "delete") return Call{"DELETE", path, std::nullopt};
  if (a == "reset-key") return Call{"POST", path + "/reset-stream-key", std::nullopt};
  if (a == "enable" || a == "disable" || a == "complete") {
    return Call{"POST", path + "/" + a, std::nullopt};
  }
  return base::InvalidArgument("unknown action " + a);
}

}  // namespace

int RunStreamsInvocation(const StreamsInvocation& invocation, const ServerAccess& access,
                         const ApiTransport& transport, const StreamsIo& io) {
  if (invocation.action == "list") return RunList(invocation, access, transport, io);
  auto call = CallFor(invocation);
  if (!call.ok()) {
    io.err << "steadycast streams " << invocation.action << ": " << call.status().message() << "\n";
    return 2;
  }
  auto response = Send(*call, invocation, access, transport, io);
  if (!response.ok() || !IsSuccess(response->status)) {
    return Fail(io, invocation, access, response);
  }
  if (invocation.json) {
    PrintBody(io, response->body);
    return 0;
  }
  if (invocation.action == "delete") {
    io.out << "deleted " << invocation.id << "\n";
    return 0;
  }
  const json body = ParseJsonLimited(response->body);
  if (!body.is_object() || !Field(body, "data").is_object()) {
    PrintBody(io, response->body);  // not the expected shape: show what came
    return 0;
  }
  io.out << FormatStreamDetails(Field(body, "data"), access.base_url);
  if (const json& deferred = Field(Field(body, "meta"), "applies_on_next_connection");
      deferred.is_array()) {
    std::string fields;
    for (const json& field : deferred) {
      fields += (fields.empty() ? "" : ", ") + (field.is_string() ? field.get<std::string>() : "");
    }
    io.out << "\napplies on the publisher's next connection: " << fields << "\n";
  }
  return 0;
}

base::Result<ServerAccess> ResolveServerAccess(const AccessFlags& flags,
                                               const std::map<std::string, std::string>& env) {
  std::string dir = flags.data_dir;
  if (dir.empty()) {
    auto it = env.find("STEADYCAST_DATA_DIR");
    dir = it != env.end() ? it->second : "./data";
  }
  ServerAccess access;
  SC_ASSIGN_OR_RETURN(access.url, ServerUrl(flags, dir));
  SC_ASSIGN_OR_RETURN(auto credentials, Credentials(flags, dir, env));
  const bool v6 = access.url.host.find(':') != std::string::npos;
  access.base_url = fmt::format("http://{}{}{}:{}{}", v6 ? "[" : "", access.url.host, v6 ? "]" : "",
                                access.url.port, access.url.path_prefix);
  access.authorization = "Basic " + base::Base64Encode(credentials.first + ":" + credentials.second,
                                                       base::kBase64Standard);
  return access;
}

namespace {

constexpr const char* kStreamsFooter =
    R"(Server and credentials: --server and --token (or STEADYCAST_TOKEN) if given,
else DATA_DIR/listen.json and DATA_DIR/admin-token.json of a server running on
this machine (DATA_DIR: --data-dir, STEADYCAST_DATA_DIR or ./data).
Output: a table or key/value rows; --json prints the API's response body.
Exit codes: 0 done, 1 the API refused (problem on stderr) or is unreachable,
2 usage error.

Examples:
  steadycast streams create --reconnect-window 120 --metadata team=news
  steadycast streams list --all
  steadycast streams update ls_123 --srt-passphrase 'a long secret' --no-slate
  steadycast streams complete ls_123
  steadycast streams get ls_123 --json | jq -r .data.stream_key)";

}  // namespace

struct StreamsCommand::Flags {
  AccessFlags access;
  bool json = false;
  double timeout_seconds = 30;
  std::string id;
  int limit = 0;
  std::string cursor;
  bool all = false;
  std::string if_match;
  std::string idempotency_key;
  StreamSettingsFlags settings;
};

StreamsCommand::StreamsCommand(CLI::App& cli) : flags_(std::make_unique<Flags>()) {
  auto* streams =
      cli.add_subcommand("streams", "manage live streams through the REST API of a running server");
  streams->require_subcommand(1);
  streams->footer(kStreamsFooter);
  Flags& f = *flags_;
  struct Action {
    const char* name;
    const char* help;
  };
  static constexpr Action kActions[] = {
      {"create", "create a live stream; prints its stream key, ingest and playback URLs"},
      {"list", "list live streams, newest first"},
      {"get", "show one live stream"},
      {"update", "change settings of a live stream (only the flags given)"},
      {"delete", "delete a live stream (kicks its publisher)"},
      {"reset-key", "give a live stream a new stream key (the old key's publisher is kicked)"},
      {"enable", "let a disabled live stream accept publishers again"},
      {"disable", "refuse publishers (ends a running broadcast)"},
      {"complete", "end the broadcast now, without waiting for the reconnect window"},
  };
  auto add_access_flags = [&f](CLI::App& app) {
    app.add_option(
        "--data-dir", f.access.data_dir,
        "data dir of the server to reach (listen.json, admin-token.json; default ./data)");
    app.add_option("--server", f.access.server, "http://HOST:PORT of the server's HTTP listener");
    app.add_option("--token", f.access.token,
                   "access token ID:SECRET (default: env STEADYCAST_TOKEN, "
                   "else the data dir's admin token)");
    app.add_flag("--json", f.json, "print the API's JSON response instead of a table");
    app.add_option("--timeout", f.timeout_seconds, "seconds to wait for the server (default 30)");
  };
  for (const Action& action : kActions) {
    CLI::App* sub = streams->add_subcommand(action.name, action.help);
    sub->footer(kStreamsFooter);
    const std::string name = action.name;
    if (name != "create" && name != "list") {
      sub->add_option("id", f.id, "live stream id (ls_...)")->required();
    }
    if (name == "list") {
      sub->add_option("--limit", f.limit, "streams per page (1-100; default: the server's)");
      sub->add_option("--cursor", f.cursor, "continue after an earlier page (its next_cursor)");
      sub->add_flag("--all", f.all, "follow next_cursor to the last page");
    }
    if (name == "create" || name == "update") {
      StreamSettingsFlags& s = f.settings;
      auto opt_int = [sub](const char* flag, std::optional<int>& target, const char* help) {
        sub->add_option_function<int>(
            flag, [&target](const int& v) { target = v; }, help);
      };
      auto opt_text = [sub](const char* flag, std::optional<std::string>& target,
                            const char* help) {
        return sub->add_option_function<std::string>(
            flag, [&target](const std::string& v) { target = v; }, help);
      };
      sub->add_option("--body", s.body,
                      "settings as a JSON object (the flags below override its fields)");
      opt_int("--reconnect-window", s.reconnect_window,
              "seconds a lost publisher may take to come back (0-1800)");
      auto* pass = opt_text("--srt-passphrase", s.srt_passphrase,
                            "SRT encryption passphrase (10-79 characters)");
      sub->add_flag("--no-srt-passphrase", s.no_srt_passphrase, "no SRT encryption")
          ->excludes(pass);
      opt_text("--srt-latency-ms", s.srt_latency_ms,
               "SRT receive latency, 20-10000 ms, or \"default\" (the server's)");
      opt_text("--latency-mode", s.latency_mode, "standard or low")
          ->check(CLI::IsMember({"standard", "low"}));
      opt_text("--ladder", s.ladder,
               "default, passthrough, or JSON rungs: '[{\"height\":720,\"video_kbps\":3000}]'");
      auto* slate = sub->add_flag("--slate", s.slate, "show a slate while reconnecting");
      sub->add_flag("--no-slate", s.no_slate, "no slate while reconnecting")->excludes(slate);
      opt_text("--takeover", s.takeover,
               "silent-only (a new publisher replaces only a silent one) or newest")
          ->check(CLI::IsMember({"silent-only", "newest"}));
      if (name == "create") {
        opt_text("--playback-policy", s.playback_policy, "public (default) or signed")
            ->check(CLI::IsMember({"public", "signed"}));
      }
      sub->add_option("--metadata", s.metadata,
                      "KEY=VALUE label; repeat for more (replaces the stream's metadata)")
          ->allow_extra_args(false);
    }
    if (name == "update" || name == "delete") {
      sub->add_option("--if-match", f.if_match,
                      "only if the stream is unchanged since the response with this ETag");
    }
    if (name == "create" || name == "reset-key" || name == "enable" || name == "disable" ||
        name == "complete") {
      sub->add_option("--idempotency-key", f.idempotency_key,
                      "reuse a key to retry a request safely (default: random)");
    }
    add_access_flags(*sub);
    actions_.push_back(sub);
  }
}

StreamsCommand::~StreamsCommand() = default;

bool StreamsCommand::parsed() const {
  return std::any_of(actions_.begin(), actions_.end(), [](CLI::App* a) { return a->parsed(); });
}

int StreamsCommand::Run() {
  const Flags& f = *flags_;
  StreamsInvocation invocation;
  for (CLI::App* action : actions_) {
    if (action->parsed()) invocation.action = action->get_name();
  }
  const std::string prefix = "steadycast streams " + invocation.action + ": ";
  invocation.id = f.id;
  invocation.json = f.json;
  invocation.limit = f.limit;
  invocation.cursor = f.cursor;
  invocation.all = f.all;
  invocation.if_match = f.if_match;
  invocation.idempotency_key = f.idempotency_key;
  if (invocation.action == "create" || invocation.action == "update") {
    auto body = BuildSettingsBody(f.settings);
    if (!body.ok()) {
      std::cerr << prefix << body.status().message() << "\n";
      return 2;
    }
    invocation.body = std::move(*body);
  }
  if (!(f.timeout_seconds > 0 && f.timeout_seconds <= 3600)) {
    std::cerr << prefix << "--timeout must be 0-3600 seconds\n";
    return 2;
  }
  std::map<std::string, std::string> env;
  for (const char* name : {"STEADYCAST_DATA_DIR", "STEADYCAST_TOKEN"}) {
    if (const char* value = std::getenv(name)) env[name] = value;
  }
  auto access = ResolveServerAccess(f.access, env);
  if (!access.ok()) {
    std::cerr << prefix << access.status().message() << "\n";
    return access.status().code() == base::ErrorCode::kInvalidArgument ? 2 : 1;
  }
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(f.timeout_seconds * 1000));
  const net::HttpClient client(
      access->url, {.connect_timeout = std::min(timeout, std::chrono::milliseconds(5000)),
                    .read_timeout = timeout});
  const StreamsIo io{std::cout, std::cerr,
                     [](std::chrono::milliseconds wait) { std::this_thread::sleep_for(wait); }};
  return RunStreamsInvocation(
      invocation, *access,
      [&client](const net::HttpClientRequest& request) { return client.Send(request); }, io);
}

}  // namespace steadycast::app
