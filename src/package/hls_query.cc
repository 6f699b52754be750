#include "package/hls_query.h"

#include <limits>
#include <string>

namespace steadycast::package {
namespace {

// RFC 8216bis §4.2: a decimal-integer has 1 to 20 characters.
constexpr size_t kMaxDecimalIntegerDigits = 20;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 §2.1 percent-decoding; nullopt on a '%' not followed by two hex digits.
std::optional<std::string> PercentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (in.size() - i < 3) return std::nullopt;
    const int high = HexValue(in[i + 1]);
    const int low = HexValue(in[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high << 4 | low));
    i += 2;
  }
  return out;
}

base::Status Invalid(std::string_view name, std::string_view what) {
  return base::InvalidArgument(std::string(name) + ": " + std::string(what));
}

// A decimal-integer no greater than `max`.
base::Result<uint64_t> ParseDecimal(std::string_view name, std::string_view value, uint64_t max) {
  if (value.empty() || value.size() > kMaxDecimalIntegerDigits) {
    return Invalid(name, "must be a decimal-integer of 1 to 20 digits");
  }
  uint64_t n = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return Invalid(name, "must be a decimal-integer of 1 to 20 digits");
    const auto digit = static_cast<uint64_t>(c - '0');
    if (n > (max - digit) / 10) return Invalid(name, "out of range");
    n = n * 10 + digit;
  }
  return n;
}

enum class Directive { kMsn, kPart, kSkip };

std::optional<Directive> DirectiveNamed(std::string_view name) {
  if (name == "_HLS_msn") return Directive::kMsn;
  if (name == "_HLS_part") return Directive::kPart;
  if (name == "_HLS_skip") return Directive::kSkip;
  return std::nullopt;
}

// Applies one directive's raw (still encoded) value; `name` is the decoded name.
base::Status Apply(Directive directive, std::string_view name,
                   std::optional<std::string_view> raw_value, bool& seen, HlsDirectives& out) {
  if (seen) return Invalid(name, "given more than once");
  seen = true;
  if (!raw_value) return Invalid(name, "needs a value");
  const std::optional<std::string> value = PercentDecode(*raw_value);
  if (!value) return Invalid(name, "malformed percent-encoding");
  switch (directive) {
    case Directive::kMsn: {
      SC_ASSIGN_OR_RETURN(out.msn,
                          ParseDecimal(name, *value, std::numeric_limits<uint64_t>::max()));
      return base::Status::Ok();
    }
    case Directive::kPart: {
      SC_ASSIGN_OR_RETURN(const uint64_t part,
                          ParseDecimal(name, *value, std::numeric_limits<uint32_t>::max()));
      out.part = static_cast<uint32_t>(part);
      return base::Status::Ok();
    }
    case Directive::kSkip:
      if (*value == "YES") {
        out.skip = true;
      } else if (*value == "v2") {
        out.skip_v2 = true;
      } else {
        return Invalid(name, "must be YES or v2");
      }
      return base::Status::Ok();
  }
  return base::Status::Ok();
}

}  // namespace

base::Result<HlsDirectives> ParseHlsDirectives(std::string_view query) {
  HlsDirectives out;
  bool seen[3] = {false, false, false};
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view piece = query.substr(start, end - start);
    start = end + 1;
    if (piece.empty()) continue;
    const size_t equals = piece.find('=');
    const std::optional<std::string> name = PercentDecode(piece.substr(0, equals));
    if (!name) continue;  // cannot be a directive
    const std::optional<Directive> directive = DirectiveNamed(*name);
    if (!directive) continue;
    std::optional<std::string_view> value;
    if (equals != std::string_view::npos) value = piece.substr(equals + 1);
    SC_RETURN_IF_ERROR(Apply(*directive, *name, value, seen[static_cast<int>(*directive)], out));
  }
  if (out.part && !out.msn) {
    return base::InvalidArgument("_HLS_part: given without _HLS_msn");
  }
  return out;
}

}  // namespace steadycast::package
