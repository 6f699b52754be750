#pragma once
// Internal to net/: listener set-up shared by HttpServer and TcpServer.

#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "base/status.h"

namespace steadycast::net::internal {

// "1.2.3.4:80", "[::1]:80".
std::string FormatEndpoint(const boost::asio::ip::tcp::endpoint& endpoint);

// Resolves `host` (an IP literal, or a name such as "localhost": first address wins) and
// opens, binds and listens on it with SO_REUSEADDR. Errors name the address.
base::Status OpenAcceptor(boost::asio::ip::tcp::acceptor& acceptor, const std::string& host,
                          uint16_t port);

}  // namespace steadycast::net::internal
