#pragma once
// Logging facade over spdlog. Modules log through these helpers so that sinks and levels are
// configured in one place (app/). Never log secrets: use RedactSecret() for keys.

#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace steadycast::base {

// "abcd…(43)": enough to correlate log lines, never enough to publish with.
// A short hash of a secret for logs ("#1a2b3c4d"); never any of its characters.
std::string RedactSecret(std::string_view secret);

// Sets the global level from "trace|debug|info|warn|error|off". Returns false if unknown.
bool SetLogLevel(std::string_view level);

}  // namespace steadycast::base

#define SC_LOG_DEBUG(...) SPDLOG_DEBUG(__VA_ARGS__)
#define SC_LOG_INFO(...) SPDLOG_INFO(__VA_ARGS__)
#define SC_LOG_WARN(...) SPDLOG_WARN(__VA_ARGS__)
#define SC_LOG_ERROR(...) SPDLOG_ERROR(__VA_ARGS__)
