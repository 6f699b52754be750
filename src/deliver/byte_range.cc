#include "deliver/byte_range.h"

#include <charconv>

namespace steadycast::deliver {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Digits only (no sign, no spaces), fitting in 64 bits.
bool ParseNumber(std::string_view text, uint64_t& out) {
  if (text.empty() || text.size() > 19) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

ByteRange ParseByteRange(std::string_view header, uint64_t size) {
  ByteRange none;
  header = Trim(header);
  constexpr std::string_view kUnit = "bytes=";
  if (header.size() <= kUnit.size() || header.substr(0, kUnit.size()) != kUnit) return none;
  const std::string_view spec = Trim(header.substr(kUnit.size()));
  if (spec.find(',') != std::string_view::npos) return none;  // multiple ranges: ignored
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return none;
  const std::string_view first_text = Trim(spec.substr(0, dash));
  const std::string_view last_text = Trim(spec.substr(dash + 1));
  ByteRange range;
  range.kind = ByteRange::Kind::kSatisfiable;
  if (first_text.empty()) {  // suffix: the last N bytes
    uint64_t suffix = 0;
    if (!ParseNumber(last_text, suffix)) return none;
    if (suffix == 0 || size == 0) return {ByteRange::Kind::kUnsatisfiable, 0, 0};
    range.first = suffix >= size ? 0 : size - suffix;
    range.last = size - 1;
    return range;
  }
  if (!ParseNumber(first_text, range.first)) return none;
  if (last_text.empty()) {
    range.last = size == 0 ? 0 : size - 1;
  } else if (!ParseNumber(last_text, range.last) || range.last < range.first) {
    return none;  // RFC 9110 §14.1.1: an invalid range-spec makes the header ignorable
  }
  if (range.first >= size) return {ByteRange::Kind::kUnsatisfiable, 0, 0};
  if (range.last >= size) range.last = size - 1;
  return range;
}

}  // namespace steadycast::deliver
