#pragma once
// `steadycast streams create|list|get|update|delete|reset-key|enable|disable|complete`: a
// command-line client of a running server's REST API (docs/contract.md "REST API", "Live streams").
//
// Where and as whom: `--server http://HOST:PORT` and `--token ID:SECRET` (or STEADYCAST_TOKEN),
// else DATA_DIR/listen.json ("http") and DATA_DIR/admin-token.json, DATA_DIR from --data-dir,
// STEADYCAST_DATA_DIR or ./data — so on the server's own machine no flag is needed.
//
// Output: a readable table (list) or key/value rows (one stream) on stdout, or with --json the
// raw response body. Errors: the problem's title, detail and field errors on stderr, exit 1;
// usage errors exit 2. POSTs carry an Idempotency-Key (random unless --idempotency-key), and a
// POST or GET whose answer was lost (connection dropped, 503) is retried with the same key, so
// a retried create never makes two streams; 429 waits for Retry-After (at most 5 s) and
// retries. Everything runs on the calling thread; nothing here is shared.
//
// Credentials and the request loop (over an injected transport) are declared here for the unit
// tests, the pure body building and formatting in streams_format.h; main() only uses
// StreamsCommand.

#include <chrono>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/streams_format.h"
#include "base/status.h"
#include "net/http_client.h"

namespace CLI {
class App;
}

namespace steadycast::app {

// Where to send requests and the Authorization header value.
struct ServerAccess {
  net::HttpUrl url;
  std::string base_url;       // "http://127.0.0.1:8080" (for playback URLs in the output)
  std::string authorization;  // "Basic ..."
};

struct AccessFlags {
  std::string data_dir;  // "" → env STEADYCAST_DATA_DIR → "./data"
  std::string server;    // "" → DATA_DIR/listen.json
  std::string token;     // "" → env STEADYCAST_TOKEN → DATA_DIR/admin-token.json
};

// Resolves AccessFlags against `env` (STEADYCAST_* variables) and the data dir's files.
// kInvalidArgument: malformed --server/--token (usage); kNotFound: a file is missing (with a
// hint about the flag to use).
base::Result<ServerAccess> ResolveServerAccess(const AccessFlags& flags,
                                               const std::map<std::string, std::string>& env);

// One `streams` call after flag parsing.
struct StreamsInvocation {
  std::string action;  // "create", "list", "get", "update", "delete", "reset-key", ...
  std::string id;
  bool json = false;
  int limit = 0;  // list: 0 → the server's default
  std::string cursor;
  bool all = false;             // list: follow next_cursor to the end
  nlohmann::json body;          // create/update
  std::string if_match;         // update/delete
  std::string idempotency_key;  // POSTs; "" → random
};

using ApiTransport =
    std::function<base::Result<net::HttpClientResponse>(const net::HttpClientRequest&)>;

struct StreamsIo {
  std::ostream& out;
  std::ostream& err;
  // Waits between retries; tests pass a no-op.
  std::function<void(std::chrono::milliseconds)> sleep;
};

// Runs `invocation` through `transport` (already carrying host and credentials); returns the
// exit code (0, 1 for an API or transport error, 2 for a usage error).
int RunStreamsInvocation(const StreamsInvocation& invocation, const ServerAccess& access,
                         const ApiTransport& transport, const StreamsIo& io);

// Declares `streams` and its subcommands on the CLI and runs the parsed one.
class StreamsCommand {
 public:
  explicit StreamsCommand(CLI::App& cli);  // keep alive until after parsing
  ~StreamsCommand();

  bool parsed() const;
  int Run();

 private:
  struct Flags;
  std::unique_ptr<Flags> flags_;
  std::vector<CLI::App*> actions_;
};

}  // namespace steadycast::app
