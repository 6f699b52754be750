#pragma once

namespace steadycast::app {
inline constexpr const char* kVersion = STEADYCAST_VERSION;
}  // namespace steadycast::app
