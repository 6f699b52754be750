#include "store/live_stream.h"

#include "store/store.h"

#include <array>
#include <utility>

namespace steadycast::store {
namespace {

// One table for both directions so a new status cannot be named one way only.
constexpr std::array<std::pair<StreamStatus, std::string_view>, 4> kStatusNames = {{
    {StreamStatus::kIdle, "idle"},
    {StreamStatus::kActive, "active"},
    {StreamStatus::kReconnecting, "reconnecting"},
    {StreamStatus::kDisabled, "disabled"},
}};

}  // namespace

std::string_view StreamStatusName(StreamStatus status) {
  for (const auto& [value, name] : kStatusNames) {
    if (value == status) return name;
  }
  return "unknown";
}

std::optional<StreamStatus> ParseStreamStatus(std::string_view name) {
  for (const auto& [value, text] : kStatusNames) {
    if (text == name) return value;
  }
  return std::nullopt;
}

std::string_view TokenScopeName(TokenScope scope) {
  return scope == TokenScope::kRead ? "read" : "admin";
}

std::optional<TokenScope> ParseTokenScope(std::string_view name) {
  if (name == "admin") return TokenScope::kAdmin;
  if (name == "read") return TokenScope::kRead;
  return std::nullopt;
}

}  // namespace steadycast::store
