#pragma once
// SRT listener for live ingest (libsrt 1.5, Haivision SRT; draft-sharabayko-srt §3.2 handshake,
// §4.5 TSBPD). The only code that touches libsrt is net/srt_*.cc: callers see plain values and
// callbacks, never <srt/srt.h> types.
//
// What it does:
//   - one listener socket in live mode (SRTO_TRANSTYPE live, payload 1316 = 7 TS packets,
//     SRTO_TLPKTDROP on, SRTO_RCVLATENCY and SRTO_PEERIDLETIMEO from the options);
//   - decides BEFORE accept (srt_listen_callback): the SrtAcceptDecider sees the caller's
//     streamid and address and returns accept (+ passphrase, key length, latency for this
//     connection) or a reject code the caller sees (srt_getrejectreason on its side). A wrong
//     or missing passphrase is then rejected by libsrt itself (SRT_REJ_BADSECRET /
//     SRT_REJ_UNSECURE) before any media flows;
//   - throttles handshake floods per address (SrtHandshakeThrottle, srt_throttle.h);
//   - one thread waits on srt_epoll_uwait over the listener and every connection, reads
//     what arrived and posts it to the connection's strand on the io_context; samples link
//     statistics (srt_bistats) every stats_interval and posts them too.
//
// Threading: the decider runs on libsrt's receiver thread while libsrt holds its listener
// lock, so it must be quick (an in-memory or indexed store lookup; no network). Every
// SrtConnectionHandler callback of one connection runs on that connection's strand, never
// concurrently. SrtConnection::Close/Stats and SrtServer::Stop/ConnectionCount are
// thread-safe.
//
// Ownership: like TcpServer. The handler owns a shared_ptr to its SrtConnection; the
// connection owns the handler until OnClosed (posted once), after which the handler is
// destroyed. The server must outlive nothing: Stop() (also run by the destructor) closes
// every connection and joins the epoll thread; OnClosed callbacks are then already posted.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "net/srt_throttle.h"

namespace boost::asio {
class io_context;
}

namespace steadycast::net {

// Reject codes a decider may return (SRT access-control guidelines, "Rejection Codes";
// libsrt access_control.h SRT_REJX_*). The caller reads them with srt_getrejectreason().
inline constexpr int kSrtRejectFallback = 1000;
inline constexpr int kSrtRejectBadRequest = 1400;  // streamid syntax error
inline constexpr int kSrtRejectUnauthorized = 1401;
inline constexpr int kSrtRejectOverload = 1402;   // too many connections / throttled
inline constexpr int kSrtRejectForbidden = 1403;  // e.g. a disabled stream
inline constexpr int kSrtRejectNotFound = 1404;   // unknown stream key
inline constexpr int kSrtRejectBadMode = 1405;    // m= other than publish
inline constexpr int kSrtRejectConflict = 1409;
inline constexpr int kSrtRejectUnsupportedMedia = 1415;  // t= other than stream
inline constexpr int kSrtRejectInternalError = 1500;
inline constexpr int kSrtRejectServiceDown = 1503;  // the server is stopping
// Reasons libsrt sets by itself (SRT_REJ_* of srt.h), listed for tests and logs.
inline constexpr int kSrtRejectPeer = 2;        // SRT_REJ_PEER: rejected by the peer
inline constexpr int kSrtRejectBadSecret = 10;  // SRT_REJ_BADSECRET: wrong passphrase
inline constexpr int kSrtRejectUnsecure = 11;   // SRT_REJ_UNSECURE: passphrase on one side only
inline constexpr int kSrtRejectTimeout = 16;    // SRT_REJ_TIMEOUT

// "SRT_REJX_NOTFOUND (1404)", "wrong password (10)": for logs and test messages.
std::string SrtRejectReasonText(int code);

// Receiver-side link figures of one connection, sampled with srt_bistats. Counters are
// totals since the connection started; rates and buffer figures are the latest sample.
struct SrtLinkStats {
  double rtt_ms = 0;                  // smoothed round-trip time
  double receive_rate_mbps = 0;       // over the last sampling interval, headers included
  double link_bandwidth_mbps = 0;     // libsrt's estimate of the link capacity
  int64_t packets_received = 0;       // data packets, retransmissions included
  int64_t packets_lost = 0;           // detected as missing (may be recovered later)
  int64_t packets_retransmitted = 0;  // retransmitted copies that arrived
  int64_t packets_dropped = 0;        // never recovered in time (TLPKTDROP): unrecovered loss
  int64_t packets_belated = 0;        // arrived after their play time and were ignored
  int64_t packets_undecrypted = 0;    // could not be decrypted (key trouble)
  int64_t bytes_received = 0;         // payload bytes, retransmissions included
  int receive_buffer_ms = 0;          // media held in the receive buffer, in ms
  int flight_size = 0;                // packets in flight (sent by the peer, not yet acked)
  int latency_ms = 0;                 // negotiated TSBPD receive latency
  int64_t connected_ms = 0;           // time since the connection was accepted

  bool operator==(const SrtLinkStats&) const = default;
};

// One accepted SRT connection as its handler sees it.
class SrtConnection {
 public:
  virtual ~SrtConnection() = default;
  // Closes the connection (the caller sees a broken link) and ends delivery; OnClosed
  // follows on the strand within about one poll interval. Thread-safe, idempotent, safe
  // after the connection is gone.
  virtual void Close() = 0;
  virtual const std::string& remote_address() const = 0;  // "ip:port"
  // The caller's SRTO_STREAMID, as the decider saw it (at most 512 bytes).
  virtual const std::string& stream_id() const = 0;
  // The latest sample (zeros before the first one). Thread-safe, no libsrt call.
  virtual SrtLinkStats Stats() const = 0;
};

class SrtConnectionHandler {
 public:
  virtual ~SrtConnectionHandler() = default;
  // Payload bytes of one or more received SRT messages (live mode: 1316-byte TS chunks),
  // in order; the span is valid only during the call.
  virtual void OnData(std::span<const uint8_t> bytes) = 0;
  // A fresh link sample, every SrtServerOptions::stats_interval.
  virtual void OnStats([[maybe_unused]] const SrtLinkStats& stats) {}
  // The connection ended (peer closed, link broken, idle timeout, Close(), Stop()). Called
  // once; the handler is destroyed right after.
  virtual void OnClosed() = 0;
};

using SrtHandlerFactory =
    std::function<std::unique_ptr<SrtConnectionHandler>(std::shared_ptr<SrtConnection>)>;

// What the decider is told about an incoming caller (before accept).
struct SrtAcceptRequest {
  std::string_view stream_id;  // raw SRTO_STREAMID; may be empty
  std::string remote_address;  // "ip:port"
};

struct SrtAcceptDecision {
  static SrtAcceptDecision Accept() {
    SrtAcceptDecision d;
    d.accept = true;
    return d;
  }
  static SrtAcceptDecision Reject(int code) {
    SrtAcceptDecision d;
    d.reject_code = code;
    return d;
  }

  bool accept = false;
  int reject_code = kSrtRejectFallback;  // when !accept: 1000-2999 (see kSrtReject*)
  // When accepting: the stream's passphrase (10-79 characters; empty = no encryption). A
  // caller with another or no passphrase is then rejected by libsrt.
  std::string passphrase;
  int pbkeylen = 32;  // AES key length in bytes: 16, 24 or 32 (with a passphrase only)
  // Receive latency for this connection instead of SrtServerOptions::receive_latency. libsrt
  // negotiates the larger of this and the caller's own latency.
  std::optional<std::chrono::milliseconds> latency;
};

using SrtAcceptDecider = std::function<SrtAcceptDecision(const SrtAcceptRequest&)>;

struct SrtServerOptions {
  std::chrono::milliseconds receive_latency{500};  // SRTO_RCVLATENCY default
  // No data from the caller for this long → closed. Data is delivered one receive latency
  // after it was sent (TSBPD), so the silence is measured against peer_idle_timeout + the
  // connection's latency. Also set as SRTO_PEERIDLETIMEO (libsrt itself declares a silent
  // peer broken only after ~5 s whatever the value, and keep-alives count as life there).
  std::chrono::milliseconds peer_idle_timeout{5000};
  int payload_size = 1316;  // SRTO_PAYLOADSIZE
  // More callers are rejected at the handshake (1402); one that slips through while others
  // are still being accepted is closed right after accept.
  size_t max_connections = 256;
  int listen_backlog = 64;
  // How often OnStats is posted (and Stats() refreshed); 0 disables sampling.
  std::chrono::milliseconds stats_interval{1000};
  // Received bytes posted to a strand but not yet handled: beyond this the handler is stuck
  // and the connection is closed instead of growing memory.
  size_t max_pending_bytes = size_t{16} * 1024 * 1024;
  // Longest wait of the epoll thread; bounds how late a Close() or Stop() takes effect.
  std::chrono::milliseconds poll_interval{50};
  SrtThrottleOptions throttle;
};

// Totals since the server started (for metrics and tests).
struct SrtServerCounters {
  int64_t accepted = 0;   // connections handed to the factory
  int64_t rejected = 0;   // refused by the decider (or limits) before accept
  int64_t throttled = 0;  // refused by the flood throttle without asking the decider
};

class SrtServer {
 public:
  // `clock` drives the flood throttle only (tests inject a FakeClock).
  SrtServer(boost::asio::io_context& io, SrtServerOptions options, SrtAcceptDecider decider,
            SrtHandlerFactory factory, const base::Clock& clock = base::Clock::Real());
  ~SrtServer();  // Stop()
  SrtServer(const SrtServer&) = delete;
  SrtServer& operator=(const SrtServer&) = delete;

  // Binds the UDP port and starts listening and the epoll thread. Port 0 picks a free port.
  // Returns the bound "ip:port". Once per server. Errors: address in use, bad host.
  base::Result<std::string> Listen(const std::string& host, uint16_t port);
  // Stops accepting, closes every connection (their OnClosed is posted) and joins the epoll
  // thread. Idempotent; thread-safe; must not be called from the decider (libsrt holds its
  // listener lock there).
  void Stop();
  size_t ConnectionCount() const;
  SrtServerCounters Counters() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace steadycast::net
