#include "deliver/playlist_rewrite.h"

namespace steadycast::deliver {
namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// True for URIs that may point at another origin: a scheme (RFC 3986 §3.1, the part before the
// first ':' when no '/', '?' or '#' comes earlier) or a network-path reference "//host".
bool NamesAnotherOrigin(std::string_view uri) {
  if (uri.substr(0, 2) == "//") return true;
  if (uri.empty() || !IsAlpha(uri[0])) return false;
  for (char c : uri.substr(1)) {
    if (c == ':') return true;
    if (!(IsAlpha(c) || IsDigit(c) || c == '+' || c == '-' || c == '.')) return false;
  }
  return false;
}

// Appends `uri` with `param` ("name=value") added to `out`.
void AppendUri(std::string& out, std::string_view uri, std::string_view param) {
  if (NamesAnotherOrigin(uri)) {
    out.append(uri);
    return;
  }
  const size_t fragment = uri.find('#');
  const std::string_view before = uri.substr(0, fragment);
  out.append(before);
  out.push_back(before.find('?') == std::string_view::npos ? '?' : '&');
  out.append(param);
  if (fragment != std::string_view::npos) out.append(uri.substr(fragment));
}

// A tag line "#EXT-X-NAME:attribute-list": rewrites the quoted value of each URI attribute
// (RFC 8216 §4.2: NAME=value pairs separated by ',', quoted strings contain no '"' or ','
// delimiter meaning). Walking the list keeps "URI=" inside another quoted value untouched.
void AppendTag(std::string& out, std::string_view line, std::string_view param) {
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    out.append(line);
    return;
  }
  out.append(line.substr(0, colon + 1));
  size_t at = colon + 1;
  while (at < line.size()) {
    const size_t equals = line.find_first_of("=,", at);
    if (equals == std::string_view::npos || line[equals] == ',') {
      // Not an attribute list (e.g. "#EXTINF:2.000,"): copy up to and including the comma.
      const size_t end = equals == std::string_view::npos ? line.size() : equals + 1;
      out.append(line.substr(at, end - at));
      at = end;
      continue;
    }
    const std::string_view name = line.substr(at, equals - at);
    out.append(line.substr(at, equals + 1 - at));
    at = equals + 1;
    if (at < line.size() && line[at] == '"') {
      const size_t close = line.find('"', at + 1);
      if (close == std::string_view::npos) break;  // unterminated: copy the rest as it is
      out.push_back('"');
      const std::string_view value = line.substr(at + 1, close - at - 1);
      if (name == "URI") {
        AppendUri(out, value, param);
      } else {
        out.append(value);
      }
      out.push_back('"');
      at = close + 1;
    } else {
      const size_t comma = line.find(',', at);
      const size_t end = comma == std::string_view::npos ? line.size() : comma;
      out.append(line.substr(at, end - at));
      at = end;
    }
    if (at < line.size() && line[at] == ',') out.push_back(line[at++]);
  }
  if (at < line.size()) out.append(line.substr(at));
}

}  // namespace

std::string PercentEncodeQueryValue(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (IsAlpha(c) || IsDigit(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xf]);
    }
  }
  return out;
}

std::string AddQueryToPlaylistUris(std::string_view playlist, std::string_view name,
                                   std::string_view value) {
  const std::string param = PercentEncodeQueryValue(name) + "=" + PercentEncodeQueryValue(value);
  std::string out;
  out.reserve(playlist.size() + playlist.size() / 8);
  size_t start = 0;
  while (start < playlist.size()) {
    size_t end = playlist.find('\n', start);
    if (end == std::string_view::npos) end = playlist.size();
    std::string_view line = playlist.substr(start, end - start);
    const bool crlf = !line.empty() && line.back() == '\r';
    if (crlf) line.remove_suffix(1);
    const bool blank = line.find_first_not_of(" \t") == std::string_view::npos;
    if (!blank && line.front() != '#') {
      AppendUri(out, line, param);
    } else if (line.substr(0, 4) == "#EXT") {
      AppendTag(out, line, param);
    } else {
      out.append(line);  // a blank line or a comment
    }
    if (crlf) out.push_back('\r');
    if (end < playlist.size()) out.push_back('\n');
    start = end + 1;
  }
  return out;
}

}  // namespace steadycast::deliver
