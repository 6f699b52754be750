#include "lab/relay.h"

#include "lab/tcp_relay.h"
#include "lab/udp_relay.h"

namespace steadycast::lab {

std::unique_ptr<Relay> MakeRelay(boost::asio::io_context& io, const RelayOptions& options,
                                 const base::Clock& clock) {
  if (options.protocol == RelayProtocol::kTcp) {
    return std::make_unique<TcpRelay>(io, options, clock);
  }
  return std::make_unique<UdpRelay>(io, options, clock);
}

}  // namespace steadycast::lab
