#include "net/ip_endpoint.h"

#include <algorithm>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "net/ip_endpoint_asio.h"

namespace steadycast::net {

namespace asio = boost::asio;

IpEndpoint IpEndpoint::V4(std::array<uint8_t, 4> bytes, uint16_t port) {
  IpEndpoint endpoint;
  std::copy(bytes.begin(), bytes.end(), endpoint.bytes_.begin());
  endpoint.port_ = port;
  return endpoint;
}

IpEndpoint IpEndpoint::V6(std::array<uint8_t, 16> bytes, uint16_t port) {
  IpEndpoint endpoint;
  endpoint.bytes_ = bytes;
  endpoint.port_ = port;
  endpoint.v6_ = true;
  return endpoint;
}

base::Result<IpEndpoint> IpEndpoint::Resolve(const std::string& host, uint16_t port) {
  std::string literal = host;
  if (literal.size() >= 2 && literal.front() == '[' && literal.back() == ']') {
    literal = literal.substr(1, literal.size() - 2);
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(literal, ec);
  if (!ec) return internal::FromAsioAddress(address, port);
  // A name: resolve once, at start-up (the caller's contract), preferring IPv4 because
  // "localhost" servers usually listen on 127.0.0.1.
  asio::io_context io;
  asio::ip::udp::resolver resolver(io);
  const auto results = resolver.resolve(literal, std::to_string(port), ec);
  if (ec || results.empty()) {
    return base::InvalidArgument(
        fmt::format("cannot resolve host '{}': {}", host, ec ? ec.message() : "no address"));
  }
  auto chosen = results.begin()->endpoint();
  for (const auto& entry : results) {
    if (entry.endpoint().address().is_v4()) {
      chosen = entry.endpoint();
      break;
    }
  }
  return internal::FromUdp(chosen);
}

std::string IpEndpoint::ToString() const {
  const auto address = internal::ToAsioAddress(*this);
  if (v6_) return fmt::format("[{}]:{}", address.to_string(), port_);
  return fmt::format("{}:{}", address.to_string(), port_);
}

size_t IpEndpointHash::operator()(const IpEndpoint& endpoint) const {
  // FNV-1a over the address bytes, the port and the family.
  uint64_t hash = 1469598103934665603ull;
  auto mix = [&hash](uint8_t byte) {
    hash ^= byte;
    hash *= 1099511628211ull;
  };
  for (uint8_t byte : endpoint.bytes()) mix(byte);
  mix(static_cast<uint8_t>(endpoint.port() >> 8));
  mix(static_cast<uint8_t>(endpoint.port() & 0xff));
  mix(endpoint.is_v6() ? 1 : 0);
  return static_cast<size_t>(hash);
}

namespace internal {

asio::ip::address ToAsioAddress(const IpEndpoint& endpoint) {
  if (endpoint.is_v6()) {
    asio::ip::address_v6::bytes_type bytes;
    std::copy(endpoint.bytes().begin(), endpoint.bytes().end(), bytes.begin());
    return asio::ip::address_v6(bytes);
  }
  asio::ip::address_v4::bytes_type bytes;
  std::copy_n(endpoint.bytes().begin(), 4, bytes.begin());
  return asio::ip::address_v4(bytes);
}

IpEndpoint FromAsioAddress(const asio::ip::address& address, uint16_t port) {
  if (address.is_v6()) {
    // A v4-mapped peer of a dual-stack socket stays IPv6, so replies go out of the same
    // socket family it came in on.
    return IpEndpoint::V6(address.to_v6().to_bytes(), port);
  }
  return IpEndpoint::V4(address.to_v4().to_bytes(), port);
}

}  // namespace internal

}  // namespace steadycast::net
