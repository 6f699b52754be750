// Fuzzes the HTTP Basic Authorization header parser (input: the raw header value).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/basic_auth.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view header(reinterpret_cast<const char*>(data), size);
  auto credentials = steadycast::api::ParseBasicAuthorization(header);
  (void)credentials;
  auto decoded = steadycast::base::Base64Decode(header, steadycast::base::kBase64Standard);
  // Canonical base64: whatever decodes re-encodes to the same text.
  if (decoded.ok() && steadycast::api::Base64Encode(*decoded) != header) __builtin_trap();
  return 0;
}
