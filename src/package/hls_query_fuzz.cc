// Fuzzes the Delivery Directive parser and checks what deliver/ relies on: a parsed _HLS_part
// always comes with _HLS_msn, at most one _HLS_skip value, the canonical text of a result
// parses to the same result, and parameters that are not directives never change the answer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "package/hls_query.h"

namespace {

using steadycast::package::HlsDirectives;
using steadycast::package::ParseHlsDirectives;

std::string Canonical(const HlsDirectives& d) {
  std::string q;
  if (d.msn) q += "_HLS_msn=" + std::to_string(*d.msn);
  if (d.part) q += "&_HLS_part=" + std::to_string(*d.part);
  if (d.skip) q += "&_HLS_skip=YES";
  if (d.skip_v2) q += "&_HLS_skip=v2";
  return q;
}

bool Same(const steadycast::base::Result<HlsDirectives>& a,
          const steadycast::base::Result<HlsDirectives>& b) {
  if (a.ok() != b.ok()) return false;
  return a.ok() ? *a == *b : a.status().message() == b.status().message();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view query(reinterpret_cast<const char*>(data), size);
  const auto parsed = ParseHlsDirectives(query);
  if (parsed.ok()) {
    if (parsed->part && !parsed->msn) std::abort();
    if (parsed->skip && parsed->skip_v2) std::abort();
    const auto again = ParseHlsDirectives(Canonical(*parsed));
    if (!again.ok() || !(*again == *parsed)) std::abort();
  } else if (parsed.status().code() != steadycast::base::ErrorCode::kInvalidArgument ||
             parsed.status().message().rfind("_HLS_", 0) != 0) {
    std::abort();  // every error names its parameter
  }
  const std::string before = "token=a%2Fb&x&&";
  const std::string after = "&token=%zz&_HLS_pathway=1";
  if (!Same(parsed, ParseHlsDirectives(before + std::string(query)))) std::abort();
  if (!Same(parsed, ParseHlsDirectives(std::string(query) + after))) std::abort();
  return 0;
}
