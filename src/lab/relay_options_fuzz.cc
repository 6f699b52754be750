// Fuzzes the flag-value parsers of `lab relay` (HOST:PORT, seconds, SECONDS@AT): no crash,
// and every accepted value is in range.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "lab/relay_options.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace steadycast::lab;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto host_port = ParseHostPort(text); host_port.ok()) {
    if (host_port->host.empty()) std::abort();
  }
  if (auto seconds = ParseSeconds(text); seconds.ok()) {
    if (*seconds < Duration(0) || *seconds > std::chrono::hours(24 * 12)) std::abort();
  }
  if (auto outage = ParseOutage(text); outage.ok()) {
    if (outage->length <= Duration(0) || outage->at < Duration(0)) std::abort();
  }
  return 0;
}
