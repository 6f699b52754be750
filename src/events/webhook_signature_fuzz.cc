// Fuzzes the receiving side of webhook signatures: the header parser and VerifySignature on
// arbitrary header text. Whatever parses must hold the parser's promises (a t, 1..8 v1 of 64
// hex characters), and re-serialising it must parse to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "events/webhook_signature.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace steadycast::events;  // NOLINT: a fuzz harness
  const std::string_view header(reinterpret_cast<const char*>(data), size);
  auto parsed = ParseSignatureHeader(header);
  if (parsed.ok()) {
    if (parsed->v1.empty() || parsed->v1.size() > kMaxSignaturesPerHeader) std::abort();
    std::string again = "t=" + std::to_string(parsed->t_unix_seconds);
    for (const std::string& v1 : parsed->v1) {
      if (v1.size() != 64) std::abort();
      again += ",v1=" + v1;
    }
    auto reparsed = ParseSignatureHeader(again);
    if (!reparsed.ok() || *reparsed != *parsed) std::abort();
  }
  VerifySignature(header, "whsec_fuzz", "{}", 1'700'000'000).IgnoreError();
  return 0;
}
