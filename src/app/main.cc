// steadycast: command-line entry point (docs/contract.md "Binary and command line").
//   steadycast serve [--config FILE] [--data-dir DIR] [--http-addr H:P] [--rtmp-addr H:P] ...
//   steadycast token create [--data-dir DIR] [--name NAME] [--scope admin|read]
//   steadycast streams create|list|get|update|delete|reset-key|enable|disable|complete ...
//   steadycast events list [--type T] [--stream ID] [--limit N] [--json] | tail [--stream ID]
//   steadycast lab relay --proto udp|tcp --listen H:P --to H:P [impairments...]
//   steadycast worker transcode (internal: the transcoder worker process; not for users)
//   steadycast --version
// Exit codes: 0 done, 1 failed, 2 usage error (bad flags or configuration).

#include <exception>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "app/events_command.h"
#include "app/lab_command.h"
#include "app/server.h"
#include "app/settings.h"
#include "app/streams_command.h"
#include "app/version.h"
#include "base/clock.h"
#include "net/child_process.h"
#include "store/sqlite/sqlite_store.h"
#include "worker/transcode_worker.h"

namespace {

using steadycast::app::FlagName;
using steadycast::app::ServeSettingSpecs;
using steadycast::app::Settings;
using steadycast::app::SteadycastEnvironment;

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"steadycast: a live-streaming server that keeps streams alive on bad networks"};
  cli.set_version_flag("--version", std::string("steadycast ") + steadycast::app::kVersion);
  cli.require_subcommand(1);

  // serve: one flag per setting, named after it (settings.h).
  auto* serve = cli.add_subcommand("serve", "run the server");
  std::string config_file;
  serve->add_option("--config", config_file, "TOML configuration file")->check(CLI::ExistingFile);
  std::map<std::string, std::string> flag_values;
  for (const auto& spec : ServeSettingSpecs()) {
    serve->add_option_function<std::string>(
        FlagName(spec.name),
        [&flag_values, name = spec.name](const std::string& v) { flag_values[name] = v; },
        spec.help + " (default " + (spec.default_value.empty() ? "\"\"" : spec.default_value) +
            ", env " + steadycast::app::EnvName(spec.name) + ")");
  }

  auto* token = cli.add_subcommand("token", "manage API access tokens");
  token->require_subcommand(1);
  auto* token_create = token->add_subcommand("create", "create an API access token; prints JSON");
  std::string token_data_dir;
  std::string token_name = "cli";
  token_create->add_option("--data-dir", token_data_dir, "data directory (default ./data)");
  token_create->add_option("--name", token_name, "a label for the token");
  std::string token_scope = "admin";
  token_create->add_option("--scope", token_scope, "admin (default) or read (GET only)")
      ->check(CLI::IsMember({"admin", "read"}));

  steadycast::app::StreamsCommand streams(cli);
  steadycast::app::EventsCommand events(cli);

  steadycast::app::LabCommand lab(cli);

  // Internal: started by the server (transcode.isolation "process") with the worker link on
  // descriptor 3. Hidden from --help (an empty group).
  auto* worker = cli.add_subcommand("worker", "internal: worker processes started by serve");
  worker->group("");
  worker->require_subcommand(1);
  auto* worker_transcode = worker->add_subcommand("transcode", "the transcoder worker");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every malformed command line is a usage error (2).
    return cli.exit(e) == 0 ? 0 : 2;
  }

  try {
    if (worker_transcode->parsed()) {
      return steadycast::worker::RunTranscodeWorker(steadycast::net::kChildLinkFd);
    }
    if (serve->parsed()) {
      const auto settings = Settings::Resolve(
          config_file.empty() ? std::nullopt : std::optional<std::string>(config_file), flag_values,
          SteadycastEnvironment());
      return steadycast::app::RunServe(settings);
    }
    if (token_create->parsed()) {
      std::string dir = token_data_dir;
      if (dir.empty()) {
        const auto env = SteadycastEnvironment();
        auto it = env.find("STEADYCAST_DATA_DIR");
        dir = it != env.end() ? it->second : "./data";
      }
      return steadycast::app::RunTokenCreate(dir, token_name,
                                             *steadycast::store::ParseTokenScope(token_scope));
    }
    if (streams.parsed()) return streams.Run();
    if (events.parsed()) return events.Run();
    if (lab.parsed()) return lab.Run();
  } catch (const std::exception& e) {
    // Start-up errors only (configuration); the data path never throws.
    std::cerr << "steadycast: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
