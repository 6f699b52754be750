#pragma once
// "HOST:PORT" parsing for listen addresses ("0.0.0.0:8080", "[::1]:0", ":1935").

#include <cstdint>
#include <string>

#include "base/status.h"

namespace steadycast::app {

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

base::Result<HostPort> ParseHostPort(const std::string& text);

}  // namespace steadycast::app
