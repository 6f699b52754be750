// Fuzzes ParseHttpUrl (the CLI's --server and listen.json's "http"): any bytes; a parsed URL
// has a host, a non-zero port and a prefix that is "" or "/..." without '?', '#' or a
// trailing '/'.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "net/http_client.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto url = steadycast::net::ParseHttpUrl(text);
  if (!url.ok()) return 0;
  if (url->host.empty() || url->port == 0) std::abort();
  const std::string& prefix = url->path_prefix;
  if (!prefix.empty() && (prefix.front() != '/' || prefix.back() == '/')) std::abort();
  if (prefix.find_first_of("?#") != std::string::npos) std::abort();
  return 0;
}
