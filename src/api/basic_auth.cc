#include "api/basic_auth.h"

namespace steadycast::api {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

base::Status Malformed(std::string_view why) {
  return base::Error(base::ErrorCode::kUnauthenticated,
                     "malformed Basic credentials: " + std::string(why));
}

}  // namespace

base::Result<BasicCredentials> ParseBasicAuthorization(std::string_view header) {
  if (header.empty()) return Malformed("missing");
  if (header.size() > kMaxAuthorizationLength) return Malformed("too long");
  const size_t space = header.find(' ');
  if (space == std::string_view::npos || !EqualsIgnoreCase(header.substr(0, space), "basic")) {
    return Malformed("not the Basic scheme");
  }
  std::string_view token = header.substr(space + 1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  auto decoded = base::Base64Decode(token, base::kBase64Standard);
  if (!decoded.ok()) return Malformed(decoded.status().message());
  const size_t colon = decoded->find(':');
  if (colon == std::string::npos) return Malformed("no ':' separator");
  BasicCredentials credentials;
  credentials.user = decoded->substr(0, colon);
  credentials.password = decoded->substr(colon + 1);
  if (credentials.user.empty()) return Malformed("empty user");
  return credentials;
}

}  // namespace steadycast::api
