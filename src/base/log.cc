#include "base/log.h"

#include <fmt/format.h>

namespace steadycast::base {

std::string RedactSecret(std::string_view secret) {
  const size_t shown = secret.size() >= 12 ? 4 : 0;
  return fmt::format("{}…({})", secret.substr(0, shown), secret.size());
}

bool SetLogLevel(std::string_view level) {
  const auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") return false;
  spdlog::set_level(parsed);
  return true;
}

}  // namespace steadycast::base
