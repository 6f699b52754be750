#include "lab/tcp_relay.h"

#include <algorithm>

#include "base/log.h"

namespace steadycast::lab {

namespace {

// Bytes read at once are cut into slices of this size, so the rate cap paces a stream
// smoothly instead of in 64 KiB lumps (slices share the read's buffer; nothing is copied).
constexpr size_t kSliceBytes = size_t{4} * 1024;
// Flow control (see tcp_relay.h). Pending: bytes inside a link (queued or in propagation).
constexpr size_t kPausePendingBytes = size_t{4} * 1024 * 1024;
constexpr size_t kResumePendingBytes = size_t{1} * 1024 * 1024;
// Bytes waiting in the destination socket's send queue (a slow reader behind the relay).
constexpr size_t kPauseQueuedBytes = size_t{1} * 1024 * 1024;
constexpr size_t kResumeQueuedBytes = size_t{256} * 1024;

// Small reads: a paused source overshoots the bottleneck queue by at most one read.
net::TcpStreamOptions StreamOptions() {
  net::TcpStreamOptions options;
  options.read_buffer_bytes = size_t{16} * 1024;
  return options;
}

}  // namespace

TcpRelay::TcpRelay(boost::asio::io_context& io, RelayOptions options, const base::Clock& clock)
    : io_(io),
      options_(std::move(options)),
      clock_(clock),
      seeds_(options_.seed),
      release_timer_(io),
      cut_timer_(io),
      cuts_(options_.cuts) {
  std::sort(cuts_.begin(), cuts_.end());
}

TcpRelay::~TcpRelay() { Stop(); }

base::Result<net::IpEndpoint> TcpRelay::Start() {
  if (started_) return base::FailedPrecondition("tcp relay already started");
  SC_ASSIGN_OR_RETURN(const RelayEndpoints endpoints, ResolveRelayEndpoints(options_));
  to_ = endpoints.to;
  const net::IpEndpoint& listen = endpoints.listen;
  listener_ = std::make_unique<net::TcpListener>(
      io_, StreamOptions(),
      [this](std::shared_ptr<net::TcpStream> client) { OnAccept(std::move(client)); });
  SC_ASSIGN_OR_RETURN(const net::IpEndpoint bound,
                      listener_->Listen(listen).WithContext("tcp relay --listen"));
  started_ = true;
  origin_ = clock_.Now();
  ScheduleCut();
  SC_LOG_INFO("lab relay: tcp {} -> {}", bound.ToString(), to_.ToString());
  return bound;
}

void TcpRelay::Stop() {
  if (stopped_) return;
  stopped_ = true;
  release_timer_.Cancel();
  cut_timer_.Cancel();
  if (listener_) listener_->Stop();
  std::vector<uint64_t> ids;
  for (const auto& [id, pair] : pairs_) ids.push_back(id);
  for (uint64_t id : ids) Abort(id, "relay stopped");
}

RelayStats TcpRelay::Stats() const {
  RelayStats stats;
  stats.up = retired_up_;
  stats.down = retired_down_;
  for (const auto& [id, pair] : pairs_) {
    Accumulate(stats.up, pair.client.link->counters());
    Accumulate(stats.down, pair.server.link->counters());
  }
  stats.clients = pairs_.size();
  stats.clients_total = pairs_total_;
  stats.cuts = cut_count_;
  return stats;
}

void TcpRelay::OnAccept(std::shared_ptr<net::TcpStream> client) {
  if (stopped_) {
    client->Reset();
    return;
  }
  const uint64_t id = next_id_++;
  ++pairs_total_;
  Pair& pair = pairs_[id];
  pair.id = id;
  pair.client.stream = std::move(client);
  pair.client.link = std::make_unique<ImpairedLink>(options_.up, LinkMode::kStream,
                                                    options_.outages, seeds_.Next(), origin_);
  pair.server.link = std::make_unique<ImpairedLink>(options_.down, LinkMode::kStream,
                                                    options_.outages, seeds_.Next(), origin_);
  SC_LOG_INFO("lab relay: connection {} from {}", id, pair.client.stream->remote_address());
  // The client is read only once the server has answered, so nothing piles up meanwhile.
  pair.server.stream =
      net::TcpStream::Connect(io_, to_, options_.tcp_connect_timeout,
                              EventsFor(id, /*client_side=*/false), StreamOptions());
}

net::TcpStreamEvents TcpRelay::EventsFor(uint64_t id, bool client_side) {
  net::TcpStreamEvents events;
  if (!client_side) events.on_connected = [this, id] { OnConnected(id); };
  events.on_data = [this, id, client_side](std::span<const uint8_t> bytes) {
    OnData(id, client_side, bytes);
  };
  events.on_peer_closed = [this, id, client_side] { OnPeerClosed(id, client_side); };
  events.on_drained = [this, id, client_side] { OnDrained(id, client_side); };
  events.on_closed = [this, id, client_side](base::Status status) {
    OnClosed(id, client_side, status);
  };
  return events;
}

void TcpRelay::OnConnected(uint64_t id) {
  auto it = pairs_.find(id);
  if (it == pairs_.end()) return;
  it->second.connected = true;
  it->second.client.stream->Start(EventsFor(id, /*client_side=*/true));
}

void TcpRelay::OnData(uint64_t id, bool client_side, std::span<const uint8_t> bytes) {
  auto it = pairs_.find(id);
  if (it == pairs_.end()) return;
  Pair& pair = it->second;
  Side& source = client_side ? pair.client : pair.server;
  const TimePoint now = clock_.Now();
  const base::Buffer whole = base::Buffer::Copy(bytes);
  for (size_t offset = 0; offset < whole.size(); offset += kSliceBytes) {
    if (source.link->Offer(now, whole.Slice(offset, kSliceBytes)) != Verdict::kQueued) {
      // Cannot happen while flow control works; never forward a stream with a hole in it.
      Abort(id, "relay buffer overflow");
      return;
    }
  }
  ReleasePair(pair, now);
  ScheduleRelease();
}

void TcpRelay::OnPeerClosed(uint64_t id, bool client_side) {
  auto it = pairs_.find(id);
  if (it == pairs_.end()) return;
  (client_side ? it->second.client : it->second.server).eof = true;
  ReleasePair(it->second, clock_.Now());  // forwards the FIN if nothing is pending
}

void TcpRelay::OnDrained(uint64_t id, bool client_side) {
  auto it = pairs_.find(id);
  if (it == pairs_.end()) return;
  // The drained stream is the destination of the other side's bytes.
  UpdateFlow(it->second, !client_side, clock_.Now());
}

void TcpRelay::OnClosed(uint64_t id, bool client_side, const base::Status& status) {
  auto it = pairs_.find(id);
  if (it == pairs_.end()) return;
  Pair& pair = it->second;
  if (!status.ok()) {
    SC_LOG_INFO("lab relay: connection {}: {} side: {}", id, client_side ? "client" : "server",
                status.message());
    Abort(id, client_side ? "client side failed" : "server side failed");
    return;
  }
  (client_side ? pair.client : pair.server).closed = true;
  if (pair.client.closed && pair.server.closed) {
    SC_LOG_INFO("lab relay: connection {} closed", id);
    Retire(id);
  }
}

void TcpRelay::Abort(uint64_t id, const char* why) {
  auto it = pairs_.find(id);
  if (it == pairs_.end()) return;
  SC_LOG_INFO("lab relay: connection {} reset ({})", id, why);
  if (it->second.client.stream) it->second.client.stream->Reset();
  if (it->second.server.stream) it->second.server.stream->Reset();
  Retire(id);
}

void TcpRelay::Retire(uint64_t id) {
  auto it = pairs_.find(id);
  if (it == pairs_.end()) return;
  Accumulate(retired_up_, it->second.client.link->counters());
  Accumulate(retired_down_, it->second.server.link->counters());
  pairs_.erase(it);
}

void TcpRelay::ReleaseDue() {
  if (stopped_) return;
  const TimePoint now = clock_.Now();
  for (auto& [id, pair] : pairs_) ReleasePair(pair, now);
  ScheduleRelease();
}

void TcpRelay::ReleasePair(Pair& pair, TimePoint now) {
  for (const bool client_side : {true, false}) {
    Side& source = client_side ? pair.client : pair.server;
    Side& destination = client_side ? pair.server : pair.client;
    released_.clear();
    source.link->TakeDue(now, released_);
    for (ReleasedPacket& packet : released_) destination.stream->Send(std::move(packet.bytes));
    released_.clear();
    // A FIN travels behind the bytes it followed.
    if (source.eof && !source.fin_forwarded && source.link->pending_packets() == 0) {
      source.fin_forwarded = true;
      destination.stream->ShutdownSend();
    }
    UpdateFlow(pair, client_side, now);
  }
}

void TcpRelay::UpdateFlow(Pair& pair, bool client_side, TimePoint now) {
  Side& source = client_side ? pair.client : pair.server;
  const Side& destination = client_side ? pair.server : pair.client;
  if (!source.stream || source.eof) return;
  const ImpairedLink& link = *source.link;
  const size_t queued = destination.stream ? destination.stream->queued_bytes() : 0;
  const Duration queue_limit =
      link.profile().rate_kbit > 0 ? Duration(link.profile().queue) : Duration::max();
  if (!source.paused) {
    if (link.pending_bytes() > kPausePendingBytes || link.Backlog(now) > queue_limit ||
        queued > kPauseQueuedBytes) {
      source.paused = true;
      source.stream->PauseReading();
    }
  } else if (link.pending_bytes() <= kResumePendingBytes &&
             (queue_limit == Duration::max() || link.Backlog(now) <= queue_limit / 2) &&
             queued <= kResumeQueuedBytes) {
    source.paused = false;
    source.stream->ResumeReading();
  }
}

void TcpRelay::ScheduleRelease() {
  std::optional<TimePoint> next;
  for (const auto& [id, pair] : pairs_) {
    for (const auto* link : {pair.client.link.get(), pair.server.link.get()}) {
      if (auto at = link->NextRelease(); at && (!next || *at < *next)) next = at;
    }
  }
  if (!next) {
    release_timer_.Cancel();
    return;
  }
  if (release_timer_.armed() && release_timer_.expiry() == *next) return;
  release_timer_.ArmAt(*next, [this] { ReleaseDue(); });
}

void TcpRelay::ScheduleCut() {
  if (next_cut_ >= cuts_.size()) return;
  cut_timer_.ArmAt(origin_ + cuts_[next_cut_], [this] { OnCut(); });
}

void TcpRelay::OnCut() {
  ++next_cut_;
  std::vector<uint64_t> ids;
  for (const auto& [id, pair] : pairs_) ids.push_back(id);
  SC_LOG_INFO("lab relay: cut: resetting {} connection(s)", ids.size());
  for (uint64_t id : ids) Abort(id, "--cut");
  cut_count_ += ids.size();
  ScheduleCut();
}

}  // namespace steadycast::lab
