#include "lab/relay.h"

#include "lab/tcp_relay.h"
#include "lab/udp_relay.h"

namespace steadycast::lab {

base::Result<RelayEndpoints> ResolveRelayEndpoints(const RelayOptions& options) {
  SC_RETURN_IF_ERROR(Validate(options));
  RelayEndpoints endpoints;
  SC_ASSIGN_OR_RETURN(
      endpoints.to, net::IpEndpoint::Resolve(options.to.host, options.to.port).WithContext("--to"));
  SC_ASSIGN_OR_RETURN(
      endpoints.listen,
      net::IpEndpoint::Resolve(options.listen.host, options.listen.port).WithContext("--listen"));
  return endpoints;
}

std::unique_ptr<Relay> MakeRelay(boost::asio::io_context& io, const RelayOptions& options,
                                 const base::Clock& clock) {
  if (options.protocol == RelayProtocol::kTcp) {
    return std::make_unique<TcpRelay>(io, options, clock);
  }
  return std::make_unique<UdpRelay>(io, options, clock);
}

}  // namespace steadycast::lab
