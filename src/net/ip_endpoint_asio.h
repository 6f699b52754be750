#pragma once
// Internal to net/: conversions between IpEndpoint and Asio endpoints.

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

#include "net/ip_endpoint.h"

namespace steadycast::net::internal {

boost::asio::ip::address ToAsioAddress(const IpEndpoint& endpoint);
IpEndpoint FromAsioAddress(const boost::asio::ip::address& address, uint16_t port);

inline boost::asio::ip::udp::endpoint ToUdp(const IpEndpoint& endpoint) {
  return {ToAsioAddress(endpoint), endpoint.port()};
}
inline boost::asio::ip::tcp::endpoint ToTcp(const IpEndpoint& endpoint) {
  return {ToAsioAddress(endpoint), endpoint.port()};
}
inline IpEndpoint FromUdp(const boost::asio::ip::udp::endpoint& endpoint) {
  return FromAsioAddress(endpoint.address(), endpoint.port());
}
inline IpEndpoint FromTcp(const boost::asio::ip::tcp::endpoint& endpoint) {
  return FromAsioAddress(endpoint.address(), endpoint.port());
}

}  // namespace steadycast::net::internal
