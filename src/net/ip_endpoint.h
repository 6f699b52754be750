#pragma once
// IpEndpoint: an IPv4 or IPv6 address and a port as a plain value, so modules above net/ can
// remember, compare and hash peers (a relay's client table, for instance) without seeing an
// Asio type. Cheap to copy; no allocation.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "base/status.h"

namespace steadycast::net {

class IpEndpoint {
 public:
  IpEndpoint() = default;  // 0.0.0.0:0

  // `host` is an IP literal ("127.0.0.1", "::1", "[::1]") or a name ("localhost": the first
  // address the resolver returns, IPv4 preferred). Blocking for names: call at start-up only.
  static base::Result<IpEndpoint> Resolve(const std::string& host, uint16_t port);

  static IpEndpoint V4(std::array<uint8_t, 4> bytes, uint16_t port);
  static IpEndpoint V6(std::array<uint8_t, 16> bytes, uint16_t port);

  bool is_v6() const { return v6_; }
  uint16_t port() const { return port_; }
  // 4 significant bytes for IPv4, 16 for IPv6.
  const std::array<uint8_t, 16>& bytes() const { return bytes_; }

  // "1.2.3.4:80", "[::1]:80".
  std::string ToString() const;

  bool operator==(const IpEndpoint& other) const = default;

 private:
  std::array<uint8_t, 16> bytes_{};
  uint16_t port_ = 0;
  bool v6_ = false;
};

struct IpEndpointHash {
  size_t operator()(const IpEndpoint& endpoint) const;
};

}  // namespace steadycast::net
