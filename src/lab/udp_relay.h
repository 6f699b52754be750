#pragma once
// UdpRelay: the `--proto udp` relay, a small NAT with an impaired link in the middle.
//
//   encoder ──▶ listen socket ──▶ [up ImpairedLink] ──▶ session socket (connected to --to)
//   encoder ◀── listen socket ◀── [down ImpairedLink] ◀── session socket ◀── server
//
// Each client address (ip:port) gets a session with its own upstream socket on an ephemeral
// port, so replies find their way back and a reconnecting encoder (new source port) looks to
// the server like the new peer it is — SRT needs exactly that. Several clients may be active
// at once; a session silent both ways for `udp_session_idle` is dropped, and beyond
// `udp_max_sessions` the least recently active one makes room. All sessions share one link
// per direction, so a rate cap is one bottleneck, as on a real path.
//
// Threading and ownership: see relay.h (one io thread).

#include <memory>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "lab/impairment.h"
#include "lab/relay.h"
#include "net/timer.h"
#include "net/udp_socket.h"

namespace steadycast::lab {

class UdpRelay final : public Relay {
 public:
  UdpRelay(boost::asio::io_context& io, RelayOptions options, const base::Clock& clock);
  ~UdpRelay() override;

  base::Result<net::IpEndpoint> Start() override;
  void Stop() override;
  RelayStats Stats() const override;

 private:
  struct Session {
    uint64_t id = 0;
    net::IpEndpoint client;
    std::unique_ptr<net::UdpSocket> upstream;
    TimePoint last_active;
  };

  void OnClientDatagram(std::span<const uint8_t> datagram, const net::IpEndpoint& from);
  void OnServerDatagram(uint64_t session_id, std::span<const uint8_t> datagram);
  Session* FindOrCreateSession(const net::IpEndpoint& client, TimePoint now);
  void EvictLeastRecentlyActive();
  void RemoveSession(uint64_t id, const char* why);
  void ReleaseDue();
  void ScheduleRelease();
  void Housekeeping();

  boost::asio::io_context& io_;
  const RelayOptions options_;
  const base::Clock& clock_;
  net::IpEndpoint to_;
  std::unique_ptr<net::UdpSocket> listen_socket_;
  std::unique_ptr<ImpairedLink> up_;
  std::unique_ptr<ImpairedLink> down_;
  net::Timer release_timer_;
  net::Timer housekeeping_timer_;
  std::unordered_map<uint64_t, Session> sessions_;
  std::unordered_map<net::IpEndpoint, uint64_t, net::IpEndpointHash> session_by_client_;
  uint64_t next_session_id_ = 1;
  uint64_t sessions_total_ = 0;
  std::vector<ReleasedPacket> released_;  // scratch, reused
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace steadycast::lab
