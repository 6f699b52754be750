#pragma once
// TcpRelay: the `--proto tcp` relay (RTMP through a bad link).
//
//   encoder ══▶ accepted stream ──▶ [up ImpairedLink]   ──▶ connected stream ══▶ server
//   encoder ◀══ accepted stream ◀── [down ImpairedLink] ◀── connected stream ◀══ server
//
// For each accepted connection the relay connects to --to, then starts reading the client.
// Every connection has its own pair of links in stream mode: delay and jitter (in order),
// the rate cap (the bottleneck queue delays instead of dropping; when it holds more than
// the profile's `queue` of backlog, or a lot of bytes, the source is paused so TCP's own
// flow control pushes back on the sender, as a full router queue would), and outages as
// stalls (nothing forwarded, sockets kept). A FIN is forwarded after the bytes before it;
// a reset on one side resets the other; `--cut AT` resets every connection at t=AT, so the
// encoder sees "connection reset by peer".
//
// Threading and ownership: see relay.h (one io thread).

#include <map>
#include <memory>
#include <vector>

#include "base/clock.h"
#include "lab/impairment.h"
#include "lab/relay.h"
#include "net/tcp_stream.h"
#include "net/timer.h"

namespace steadycast::lab {

class TcpRelay final : public Relay {
 public:
  TcpRelay(boost::asio::io_context& io, RelayOptions options, const base::Clock& clock);
  ~TcpRelay() override;

  base::Result<net::IpEndpoint> Start() override;
  void Stop() override;
  RelayStats Stats() const override;

 private:
  // One side of a connection pair and the link that carries bytes *from* it.
  struct Side {
    std::shared_ptr<net::TcpStream> stream;
    std::unique_ptr<ImpairedLink> link;  // bytes read from this side
    bool eof = false;                    // its FIN arrived
    bool fin_forwarded = false;          // ... and was passed on
    bool paused = false;
    bool closed = false;
  };
  struct Pair {
    uint64_t id = 0;
    bool connected = false;
    Side client;  // link: up
    Side server;  // link: down
  };

  void OnAccept(std::shared_ptr<net::TcpStream> client);
  net::TcpStreamEvents EventsFor(uint64_t id, bool client_side);
  void OnConnected(uint64_t id);
  void OnData(uint64_t id, bool client_side, std::span<const uint8_t> bytes);
  void OnPeerClosed(uint64_t id, bool client_side);
  void OnDrained(uint64_t id, bool client_side);
  void OnClosed(uint64_t id, bool client_side, const base::Status& status);
  // Resets both streams and forgets the pair.
  void Abort(uint64_t id, const char* why);
  void Retire(uint64_t id);
  void ReleaseDue();
  void ReleasePair(Pair& pair, TimePoint now);
  void UpdateFlow(Pair& pair, bool client_side, TimePoint now);
  void ScheduleRelease();
  void ScheduleCut();
  void OnCut();

  boost::asio::io_context& io_;
  const RelayOptions options_;
  const base::Clock& clock_;
  net::IpEndpoint to_;
  std::unique_ptr<net::TcpListener> listener_;
  TimePoint origin_;
  Rng seeds_;
  net::Timer release_timer_;
  net::Timer cut_timer_;
  size_t next_cut_ = 0;  // index into cuts_ (sorted)
  std::vector<Duration> cuts_;
  std::map<uint64_t, Pair> pairs_;
  uint64_t next_id_ = 1;
  uint64_t pairs_total_ = 0;
  uint64_t cut_count_ = 0;
  LinkCounters retired_up_;  // counters of pairs already gone
  LinkCounters retired_down_;
  std::vector<ReleasedPacket> released_;  // scratch, reused
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace steadycast::lab
