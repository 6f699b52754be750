#include "lab/udp_relay.h"

#include <algorithm>
#include <limits>

#include "base/log.h"

namespace steadycast::lab {

UdpRelay::UdpRelay(boost::asio::io_context& io, RelayOptions options, const base::Clock& clock)
    : io_(io),
      options_(std::move(options)),
      clock_(clock),
      release_timer_(io),
      housekeeping_timer_(io) {}

UdpRelay::~UdpRelay() { Stop(); }

base::Result<net::IpEndpoint> UdpRelay::Start() {
  if (started_) return base::FailedPrecondition("udp relay already started");
  SC_ASSIGN_OR_RETURN(const RelayEndpoints endpoints, ResolveRelayEndpoints(options_));
  to_ = endpoints.to;
  const net::IpEndpoint& listen = endpoints.listen;
  SC_ASSIGN_OR_RETURN(listen_socket_,
                      net::UdpSocket::Bind(io_, listen).WithContext("udp relay --listen"));
  started_ = true;

  const TimePoint origin = clock_.Now();
  Rng seeds(options_.seed);  // one independent seed per direction
  up_ = std::make_unique<ImpairedLink>(options_.up, LinkMode::kDatagram, options_.outages,
                                       seeds.Next(), origin);
  down_ = std::make_unique<ImpairedLink>(options_.down, LinkMode::kDatagram, options_.outages,
                                         seeds.Next(), origin);
  listen_socket_->StartReceiving(
      [this](std::span<const uint8_t> datagram, const net::IpEndpoint& from) {
        OnClientDatagram(datagram, from);
      });
  housekeeping_timer_.ArmAt(origin + std::chrono::seconds(1), [this] { Housekeeping(); });
  SC_LOG_INFO("lab relay: udp {} -> {}", listen_socket_->local_endpoint().ToString(),
              to_.ToString());
  return listen_socket_->local_endpoint();
}

void UdpRelay::Stop() {
  if (stopped_) return;
  stopped_ = true;
  release_timer_.Cancel();
  housekeeping_timer_.Cancel();
  if (listen_socket_) listen_socket_->Close();
  session_by_client_.clear();
  sessions_.clear();  // closes every upstream socket
}

RelayStats UdpRelay::Stats() const {
  RelayStats stats;
  if (up_) stats.up = up_->counters();
  if (down_) stats.down = down_->counters();
  stats.clients = sessions_.size();
  stats.clients_total = sessions_total_;
  return stats;
}

void UdpRelay::OnClientDatagram(std::span<const uint8_t> datagram, const net::IpEndpoint& from) {
  if (stopped_) return;
  const TimePoint now = clock_.Now();
  Session* session = FindOrCreateSession(from, now);
  if (session == nullptr) return;
  session->last_active = now;
  up_->Offer(now, base::Buffer::Copy(datagram), session->id);
  ReleaseDue();
}

void UdpRelay::OnServerDatagram(uint64_t session_id, std::span<const uint8_t> datagram) {
  if (stopped_) return;
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return;
  const TimePoint now = clock_.Now();
  it->second.last_active = now;
  down_->Offer(now, base::Buffer::Copy(datagram), session_id);
  ReleaseDue();
}

UdpRelay::Session* UdpRelay::FindOrCreateSession(const net::IpEndpoint& client, TimePoint now) {
  if (auto it = session_by_client_.find(client); it != session_by_client_.end()) {
    return &sessions_.at(it->second);
  }
  if (sessions_.size() >= options_.udp_max_sessions) EvictLeastRecentlyActive();
  auto upstream = net::UdpSocket::Connect(io_, to_);
  if (!upstream.ok()) {
    SC_LOG_WARN("lab relay: no upstream socket for client {}: {}", client.ToString(),
                upstream.status().ToString());
    return nullptr;
  }
  const uint64_t id = next_session_id_++;
  ++sessions_total_;
  Session& session = sessions_[id];
  session.id = id;
  session.client = client;
  session.upstream = std::move(upstream).value();
  session.last_active = now;
  session.upstream->StartReceiving(
      [this, id](std::span<const uint8_t> datagram, const net::IpEndpoint&) {
        OnServerDatagram(id, datagram);
      });
  session_by_client_[client] = id;
  SC_LOG_INFO("lab relay: client {} -> session {} (to {} from {})", client.ToString(), id,
              to_.ToString(), session.upstream->local_endpoint().ToString());
  return &session;
}

void UdpRelay::EvictLeastRecentlyActive() {
  auto oldest = std::min_element(
      sessions_.begin(), sessions_.end(),
      [](const auto& a, const auto& b) { return a.second.last_active < b.second.last_active; });
  if (oldest != sessions_.end()) RemoveSession(oldest->first, "evicted for a new client");
}

void UdpRelay::RemoveSession(uint64_t id, const char* why) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  SC_LOG_INFO("lab relay: session {} of {} closed ({})", id, it->second.client.ToString(), why);
  session_by_client_.erase(it->second.client);
  sessions_.erase(it);  // packets still in the links for it are dropped on release
}

void UdpRelay::ReleaseDue() {
  if (stopped_) return;
  const TimePoint now = clock_.Now();
  released_.clear();
  up_->TakeDue(now, released_);
  for (ReleasedPacket& packet : released_) {
    if (auto it = sessions_.find(packet.tag); it != sessions_.end()) {
      it->second.upstream->Send(std::move(packet.bytes));
    }
  }
  released_.clear();
  down_->TakeDue(now, released_);
  for (ReleasedPacket& packet : released_) {
    if (auto it = sessions_.find(packet.tag); it != sessions_.end()) {
      listen_socket_->SendTo(it->second.client, std::move(packet.bytes));
    }
  }
  released_.clear();
  ScheduleRelease();
}

void UdpRelay::ScheduleRelease() {
  const auto up = up_->NextRelease();
  const auto down = down_->NextRelease();
  if (!up && !down) {
    release_timer_.Cancel();
    return;
  }
  const TimePoint next = std::min(up.value_or(TimePoint::max()), down.value_or(TimePoint::max()));
  if (release_timer_.armed() && release_timer_.expiry() == next) return;
  release_timer_.ArmAt(next, [this] { ReleaseDue(); });
}

void UdpRelay::Housekeeping() {
  const TimePoint now = clock_.Now();
  std::vector<uint64_t> idle;
  for (const auto& [id, session] : sessions_) {
    if (now - session.last_active >= options_.udp_session_idle) idle.push_back(id);
  }
  for (uint64_t id : idle) RemoveSession(id, "idle");
  housekeeping_timer_.ArmAt(now + std::chrono::seconds(1), [this] { Housekeeping(); });
}

}  // namespace steadycast::lab
