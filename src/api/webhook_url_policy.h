#pragma once
// Where a webhook may point: http/https URLs with a host, and
// never a link-local or cloud-metadata address (those reach the host's own credentials —
// the classic SSRF target); private and loopback addresses are allowed for self-hosting unless
// `allow_private` is false (setting webhooks.allow_private).
//
// Pure functions, thread-safe, no DNS: the API checks the URL and a literal IP host when an
// endpoint is created; the dispatcher calls CheckWebhookAddress on every address it resolved
// right before connecting, so a DNS name that later points at a refused address is still
// refused (and DNS rebinding between check and connect is closed by connecting to the
// checked address).

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace steadycast::api {

inline constexpr size_t kMaxWebhookUrlLength = 2048;

struct WebhookUrlPolicy {
  bool allow_private = true;  // 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7, loopback
};

// The parts of a webhook URL the policy and the dispatcher need (RFC 3986 §3).
struct WebhookUrl {
  std::string scheme;  // "http" | "https" (lower case)
  std::string host;    // lower case; IPv6 without brackets
  uint16_t port = 0;   // explicit or the scheme's default
  std::string target;  // path + query, "/" when empty
};

// What an address is, for the policy.
enum class AddressClass {
  kPublic,
  kPrivate,    // RFC 1918, RFC 6598 shared space, IPv6 unique local (except metadata)
  kLoopback,   // 127/8, ::1, and the unspecified 0.0.0.0 / :: (which reach this host)
  kLinkLocal,  // 169.254/16, fe80::/10
  kMetadata,   // 169.254.169.254, fd00:ec2::254
  kInvalid,    // not a unicast address: multicast, broadcast, reserved
};

// Parses and checks the syntax: http/https only, ≤ kMaxWebhookUrlLength, a host, no user
// info, no whitespace or control characters, port 1..65535. kInvalidArgument with a message
// meant for the API client otherwise.
base::Result<WebhookUrl> ParseWebhookUrl(std::string_view url);

// Whether `host` is an IP literal as the resolver reads it: IPv6 text, or IPv4 in any form
// inet_aton accepts ("2130706433" and "0x7f.1" are 127.0.0.1 to getaddrinfo as well).
bool IsIpLiteral(std::string_view host);
// Classifies an IP literal (kInvalid when it is none). IPv4-mapped and NAT64 (64:ff9b::/96)
// IPv6 addresses are classified by their embedded IPv4 address.
AddressClass ClassifyAddress(std::string_view ip_literal);

// The policy for one (resolved or literal) address. kPermissionDenied with a message.
base::Status CheckWebhookAddress(std::string_view ip_literal, const WebhookUrlPolicy& policy);

// ParseWebhookUrl plus the policy for hosts decidable without DNS: IP literals, the metadata
// host names (metadata.google.internal, ...), "localhost". kInvalidArgument for syntax,
// kPermissionDenied for the policy.
base::Result<WebhookUrl> CheckWebhookUrl(std::string_view url, const WebhookUrlPolicy& policy);

}  // namespace steadycast::api
