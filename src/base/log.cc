#include "base/log.h"

#include <cstdint>

#include <fmt/format.h>

namespace steadycast::base {

// A short FNV-1a hash: enough to tell keys apart in logs and to grep for one, useless for
// guessing it (32 bits of a >= 128-bit random key).
std::string RedactSecret(std::string_view secret) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : secret) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return fmt::format("#{:08x}", static_cast<uint32_t>(hash ^ (hash >> 32)));
}

bool SetLogLevel(std::string_view level) {
  const auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") return false;
  spdlog::set_level(parsed);
  return true;
}

}  // namespace steadycast::base
