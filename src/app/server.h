#pragma once
// Server: wires every module together for `steadycast serve` — store, stream registry,
// HTTP (API + playback), RTMP ingest — and runs them on one io_context thread pool until
// SIGINT/SIGTERM. The only place that knows all modules (docs/architecture.md "app").

#include <memory>

#include "app/settings.h"
#include "store/store.h"

namespace steadycast::app {

// Runs the server until a termination signal. Returns the process exit code.
int RunServe(const Settings& settings);

// `steadycast token create`: prints {"id","secret","scope"}. A read token may only GET (403
// otherwise). Returns the exit code.
int RunTokenCreate(const std::string& data_dir, const std::string& name, store::TokenScope scope);

}  // namespace steadycast::app
