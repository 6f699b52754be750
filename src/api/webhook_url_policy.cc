#include "api/webhook_url_policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstring>
#include <optional>

#include <fmt/format.h>

namespace steadycast::api {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// IP literal text: hex digits, '.', ':' and the 'x' of 0x (inet_aton would otherwise accept
// trailing garbage after whitespace, and a NUL would cut the copy short).
bool IsIpLiteralText(std::string_view text) {
  return !text.empty() && text.size() <= 64 && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == 'x' ||
           c == 'X';
  });
}

bool IsHostNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

// inet_aton on a NUL-terminated copy; host byte order.
std::optional<uint32_t> ParseIpv4(std::string_view text) {
  if (!IsIpLiteralText(text)) return std::nullopt;
  const std::string copy(text);
  in_addr addr{};
  if (inet_aton(copy.c_str(), &addr) == 0) return std::nullopt;
  return ntohl(addr.s_addr);
}

std::optional<std::array<uint8_t, 16>> ParseIpv6(std::string_view text) {
  if (!IsIpLiteralText(text)) return std::nullopt;
  const std::string copy(text);
  std::array<uint8_t, 16> bytes{};
  if (inet_pton(AF_INET6, copy.c_str(), bytes.data()) != 1) return std::nullopt;
  return bytes;
}

bool InV4(uint32_t a, uint32_t net, int prefix) {
  const uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  return (a & mask) == (net & mask);
}

constexpr uint32_t V4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return a << 24 | b << 16 | c << 8 | d;
}

AddressClass ClassifyV4(uint32_t a) {
  // Cloud metadata: AWS/GCP/Azure/OpenStack, AWS ECS task metadata, Alibaba Cloud.
  if (a == V4(169, 254, 169, 254) || a == V4(169, 254, 170, 2) || a == V4(100, 100, 100, 200)) {
    return AddressClass::kMetadata;
  }
  if (InV4(a, V4(169, 254, 0, 0), 16)) return AddressClass::kLinkLocal;
  if (a == 0 || InV4(a, V4(127, 0, 0, 0), 8)) return AddressClass::kLoopback;
  if (InV4(a, 0, 8) || InV4(a, V4(224, 0, 0, 0), 4) || InV4(a, V4(240, 0, 0, 0), 4)) {
    return AddressClass::kInvalid;  // "this network", multicast, reserved and broadcast
  }
  if (InV4(a, V4(10, 0, 0, 0), 8) || InV4(a, V4(172, 16, 0, 0), 12) ||
      InV4(a, V4(192, 168, 0, 0), 16) || InV4(a, V4(100, 64, 0, 0), 10)) {
    return AddressClass::kPrivate;
  }
  return AddressClass::kPublic;
}

uint32_t LastFour(const std::array<uint8_t, 16>& b) {
  return uint32_t{b[12]} << 24 | uint32_t{b[13]} << 16 | uint32_t{b[14]} << 8 | b[15];
}

AddressClass ClassifyV6(const std::array<uint8_t, 16>& b) {
  // fd00:ec2::254 (AWS IMDS over IPv6) = fd00:0ec2:0:0:0:0:0:0254.
  static constexpr std::array<uint8_t, 16> kEc2Metadata = {
      0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54};
  if (b == kEc2Metadata) return AddressClass::kMetadata;
  const bool first80_zero = std::all_of(b.begin(), b.begin() + 10, [](uint8_t x) { return !x; });
  if (first80_zero && b[10] == 0xff && b[11] == 0xff) return ClassifyV4(LastFour(b));  // mapped
  static constexpr uint8_t kNat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::memcmp(b.data(), kNat64, sizeof(kNat64)) == 0) return ClassifyV4(LastFour(b));
  if (first80_zero && b[10] == 0 && b[11] == 0) {
    const uint32_t low = LastFour(b);
    if (low == 0 || low == 1) return AddressClass::kLoopback;  // :: and ::1
    return AddressClass::kInvalid;                             // deprecated IPv4-compatible
  }
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return AddressClass::kLinkLocal;  // fe80::/10
  if ((b[0] & 0xfe) == 0xfc) return AddressClass::kPrivate;                    // fc00::/7
  if (b[0] == 0xff) return AddressClass::kInvalid;                             // multicast
  return AddressClass::kPublic;
}

// Host names that reach a cloud metadata service without being an IP literal.
bool IsMetadataHostName(std::string_view host) {
  constexpr std::string_view kNames[] = {"metadata.google.internal", "metadata", "instance-data",
                                         "instance-data.ec2.internal"};
  return std::find(std::begin(kNames), std::end(kNames), host) != std::end(kNames);
}

// RFC 6761 §6.3: "localhost" and names under it are loopback.
bool IsLocalhostName(std::string_view host) {
  return host == "localhost" || (host.size() > 10 && host.ends_with(".localhost"));
}

base::Status Invalid(std::string_view message) {
  return base::InvalidArgument(std::string(message));
}

// Splits "host[:port]" or "[v6][:port]" into `url`; kInvalidArgument on bad syntax.
base::Status ParseAuthority(std::string_view authority, WebhookUrl& url) {
  if (authority.find('@') != std::string_view::npos) {
    return Invalid("must not contain user information (user:password@)");
  }
  std::string_view host;
  std::string_view rest;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Invalid("has an unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    rest = authority.substr(close + 1);
    if (!ParseIpv6(host)) return Invalid("has an invalid IPv6 address");
    if (!rest.empty() && rest.front() != ':') return Invalid("has an invalid host");
  } else {
    const size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : authority.substr(colon);
    if (!std::all_of(host.begin(), host.end(), IsHostNameChar)) {
      return Invalid("has an invalid host name");
    }
  }
  if (host.empty()) return Invalid("must have a host");
  url.host = Lower(host);
  url.port = url.scheme == "https" ? 443 : 80;
  if (rest.empty()) return base::Status::Ok();
  const std::string_view digits = rest.substr(1);
  int port = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (digits.empty() || digits.size() > 5 || ec != std::errc() ||
      end != digits.data() + digits.size() || port < 1 || port > 65535) {
    return Invalid("has an invalid port (1-65535)");
  }
  url.port = static_cast<uint16_t>(port);
  return base::Status::Ok();
}

}  // namespace

base::Result<WebhookUrl> ParseWebhookUrl(std::string_view text) {
  if (text.empty()) return Invalid("must not be empty");
  if (text.size() > kMaxWebhookUrlLength) {
    return Invalid(fmt::format("must be at most {} characters", kMaxWebhookUrlLength));
  }
  for (unsigned char c : text) {
    if (c <= 0x20 || c >= 0x7f) {
      return Invalid("must be ASCII without spaces or control characters (percent-encode them)");
    }
  }
  WebhookUrl url;
  const size_t sep = text.find("://");
  if (sep == std::string_view::npos) return Invalid("must be an absolute http or https URL");
  url.scheme = Lower(text.substr(0, sep));
  if (url.scheme != "http" && url.scheme != "https") return Invalid("must use http or https");
  std::string_view rest = text.substr(sep + 3);
  const size_t authority_end = rest.find_first_of("/?#");
  SC_RETURN_IF_ERROR(ParseAuthority(rest.substr(0, authority_end), url));
  std::string_view target =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  target = target.substr(0, target.find('#'));  // fragments never go on the wire
  url.target =
      target.empty() || target.front() != '/' ? "/" + std::string(target) : std::string(target);
  return url;
}

bool IsIpLiteral(std::string_view host) {
  if (host.find(':') != std::string_view::npos) return ParseIpv6(host).has_value();
  return ParseIpv4(host).has_value();
}

AddressClass ClassifyAddress(std::string_view ip_literal) {
  if (ip_literal.find(':') != std::string_view::npos) {
    auto v6 = ParseIpv6(ip_literal);
    return v6 ? ClassifyV6(*v6) : AddressClass::kInvalid;
  }
  auto v4 = ParseIpv4(ip_literal);
  return v4 ? ClassifyV4(*v4) : AddressClass::kInvalid;
}

base::Status CheckWebhookAddress(std::string_view ip_literal, const WebhookUrlPolicy& policy) {
  switch (ClassifyAddress(ip_literal)) {
    case AddressClass::kPublic:
      return base::Status::Ok();
    case AddressClass::kMetadata:
      return base::Error(base::ErrorCode::kPermissionDenied,
                         "points at a cloud metadata address, which is never allowed");
    case AddressClass::kLinkLocal:
      return base::Error(base::ErrorCode::kPermissionDenied,
                         "points at a link-local address, which is never allowed");
    case AddressClass::kInvalid:
      return base::Error(base::ErrorCode::kPermissionDenied,
                         "points at an address that is not unicast");
    case AddressClass::kPrivate:
    case AddressClass::kLoopback:
      if (policy.allow_private) return base::Status::Ok();
      return base::Error(base::ErrorCode::kPermissionDenied,
                         "points at a private or loopback address, which this server refuses "
                         "(webhooks.allow_private = false)");
  }
  return base::Internal("unreachable address class");
}

base::Result<WebhookUrl> CheckWebhookUrl(std::string_view text, const WebhookUrlPolicy& policy) {
  SC_ASSIGN_OR_RETURN(WebhookUrl url, ParseWebhookUrl(text));
  std::string_view name = url.host;
  if (name.ends_with('.')) name.remove_suffix(1);  // "metadata.google.internal." is the same
  if (IsIpLiteral(url.host)) {
    SC_RETURN_IF_ERROR(CheckWebhookAddress(url.host, policy));
  } else if (IsMetadataHostName(name)) {
    return base::Error(base::ErrorCode::kPermissionDenied,
                       "points at a cloud metadata host, which is never allowed");
  } else if (IsLocalhostName(name)) {
    SC_RETURN_IF_ERROR(CheckWebhookAddress("127.0.0.1", policy));
  }
  return url;
}

}  // namespace steadycast::api
