// Fuzzes webhook endpoint body validation and the URL policy (input: a POST body, and the same
// bytes as a URL). An accepted URL must parse again to the same parts, and a body accepted
// with private URLs refused must also be accepted with them allowed.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/webhook_endpoints.h"
#include "api/webhook_url_policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace steadycast::api;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto strict = ParseWebhookEndpointInput(text, /*allow_private_urls=*/false);
  const auto open = ParseWebhookEndpointInput(text, /*allow_private_urls=*/true);
  if (strict.ok() && !open.ok()) __builtin_trap();
  if (open.ok() && (open.input.events.empty() || open.input.events.size() > 64)) __builtin_trap();
  auto url = CheckWebhookUrl(text, {.allow_private = true});
  if (url.ok()) {
    if (url->host.empty() || url->port == 0 || url->target.empty()) __builtin_trap();
    if (!ParseWebhookUrl(text).ok()) __builtin_trap();
  }
  (void)ClassifyAddress(text);
  return 0;
}
