#pragma once
// `steadycast lab relay`: the command-line face of lab/ (docs/contract.md "steadycast lab relay").
// Declares the subcommand and its flags on the CLI, turns them into lab::RelayOptions, and runs
// a RelayRunner on one io_context thread until --duration or SIGINT/SIGTERM.

#include <memory>

#include "base/status.h"
#include "lab/relay_options.h"

namespace CLI {
class App;
}

namespace steadycast::app {

class LabCommand {
 public:
  // Adds `lab` and `lab relay` to `cli`. Keep the object alive until after parsing.
  explicit LabCommand(CLI::App& cli);
  ~LabCommand();

  bool parsed() const;
  // Runs `lab relay`; returns the exit code (0 done, 1 could not start, 2 bad flags).
  int Run();

 private:
  struct Flags;
  static base::Result<lab::RelayOptions> BuildOptions(const Flags& flags);

  std::unique_ptr<Flags> flags_;
  CLI::App* relay_ = nullptr;
};

}  // namespace steadycast::app
