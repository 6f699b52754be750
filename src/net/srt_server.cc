#include "net/srt_server.h"

#include <array>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include "base/log.h"
#include "net/srt_connection.h"
#include "net/srt_socket.h"
#include "net/srt_throttle.h"

namespace steadycast::net {

namespace asio = boost::asio;
using internal::SrtConnectionImpl;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr int kMaxEventsPerWait = 64;
// Posted to a strand in batches of about this size (≈ 49 live-mode messages): one
// allocation and one strand hop per batch instead of per 1316-byte message.
constexpr size_t kBatchBytes = size_t{64} * 1024;
// Messages read from one socket per wake-up before serving the others (fairness).
constexpr int kMaxMessagesPerWake = 256;
constexpr int kMaxStreamIdBytes = 512;

}  // namespace

class SrtServer::Impl {
 public:
  Impl(asio::io_context& io, SrtServerOptions options, SrtAcceptDecider decider,
       SrtHandlerFactory factory, const base::Clock& clock)
      : io_(io),
        options_(options),
        decider_(std::move(decider)),
        factory_(std::move(factory)),
        throttle_(options_.throttle, clock),
        close_queue_(std::make_shared<internal::SrtCloseQueue>()) {}

  ~Impl() { Stop(); }

  base::Result<std::string> Listen(const std::string& host, uint16_t port);
  void Stop();

  size_t ConnectionCount() const { return connection_count_.load(); }
  SrtServerCounters Counters() const {
    return {
        .accepted = accepted_.load(), .rejected = rejected_.load(), .throttled = throttled_.load()};
  }

 private:
  // The epoll thread's record of one connection.
  struct Slot {
    std::shared_ptr<SrtConnectionImpl> connection;
    SteadyClock::time_point accepted;
    SteadyClock::time_point last_data;  // the last time srt_recvmsg returned bytes
    SteadyClock::duration idle_limit;   // peer_idle_timeout + the negotiated latency
    SrtLinkStats stats;
  };

  static int ListenHook(void* opaque, SRTSOCKET socket, int hs_version, const sockaddr* peer,
                        const char* stream_id);
  int Decide(SRTSOCKET socket, const sockaddr* peer, std::string_view stream_id);
  int Refuse(SRTSOCKET socket, int code);
  base::Status Apply(SRTSOCKET socket, const SrtAcceptDecision& decision);
  base::Status ConfigureListener(SRTSOCKET socket, const sockaddr_storage& address);

  void Run();
  void AcceptAll();
  void Adopt(SRTSOCKET socket, const sockaddr* peer);
  void Serve(SRTSOCKET socket, int events);
  void Teardown(SRTSOCKET socket, std::string_view why);
  void CloseRequested();
  void CloseIdle();
  void SampleStats();
  void Shutdown();

  asio::io_context& io_;
  const SrtServerOptions options_;
  const SrtAcceptDecider decider_;
  const SrtHandlerFactory factory_;
  SrtHandshakeThrottle throttle_;
  const std::shared_ptr<internal::SrtCloseQueue> close_queue_;

  std::mutex mu_;  // guards listening_/stopped_ and the thread handle
  bool listening_ = false;
  bool stopped_ = false;
  std::thread thread_;
  std::atomic<bool> stop_requested_{false};
  std::mutex idle_mu_;  // with idle_cv_: wakes the idle epoll thread on Stop()
  std::condition_variable idle_cv_;

  // Set by Listen() before the thread starts; then used by the epoll thread only.
  SRTSOCKET listener_ = SRT_INVALID_SOCK;
  int epoll_ = -1;
  std::unordered_map<SRTSOCKET, Slot> connections_;
  std::vector<uint8_t> scratch_;  // Serve()'s read buffer, kept between calls

  std::atomic<size_t> connection_count_{0};
  std::atomic<int64_t> accepted_{0};
  std::atomic<int64_t> rejected_{0};
  std::atomic<int64_t> throttled_{0};
};

base::Result<std::string> SrtServer::Impl::Listen(const std::string& host, uint16_t port) {
  std::lock_guard lock(mu_);
  if (stopped_) return base::FailedPrecondition("srt server was stopped");
  if (listening_) return base::FailedPrecondition("srt server is already listening");
  internal::EnsureSrtStarted();
  socklen_t length = 0;
  SC_ASSIGN_OR_RETURN(const sockaddr_storage address,
                      internal::ResolveForBind(host, port, &length).WithContext("srt"));
  const SRTSOCKET socket = srt_create_socket();
  if (socket == SRT_INVALID_SOCK) {
    return base::Internal("srt: create socket: " + internal::LastSrtError());
  }
  base::Status status = ConfigureListener(socket, address);
  if (status.ok() && srt_bind(socket, reinterpret_cast<const sockaddr*>(&address),
                              static_cast<int>(length)) == SRT_ERROR) {
    status = base::Unavailable(fmt::format(
        "bind {}: {}", internal::FormatSockaddr(reinterpret_cast<const sockaddr*>(&address)),
        internal::LastSrtError()));
  }
  // The hook is installed before srt_listen so that no caller slips in undecided.
  if (status.ok() && srt_listen_callback(socket, &Impl::ListenHook, this) == SRT_ERROR) {
    status = base::Internal("listen callback: " + internal::LastSrtError());
  }
  if (status.ok() && srt_listen(socket, options_.listen_backlog) == SRT_ERROR) {
    status = base::Unavailable("listen: " + internal::LastSrtError());
  }
  sockaddr_storage bound{};
  int bound_length = sizeof bound;
  if (status.ok() &&
      srt_getsockname(socket, reinterpret_cast<sockaddr*>(&bound), &bound_length) == SRT_ERROR) {
    status = base::Internal("getsockname: " + internal::LastSrtError());
  }
  const int epoll = status.ok() ? srt_epoll_create() : -1;
  const int events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
  if (status.ok() && (epoll < 0 || srt_epoll_add_usock(epoll, socket, &events) == SRT_ERROR)) {
    status = base::Internal("epoll: " + internal::LastSrtError());
  }
  if (!status.ok()) {
    if (epoll >= 0) srt_epoll_release(epoll);
    srt_close(socket);
    return std::move(status).WithContext("srt");
  }
  srt_epoll_set(epoll, SRT_EPOLL_ENABLE_EMPTY);
  listener_ = socket;
  epoll_ = epoll;
  listening_ = true;
  thread_ = std::thread([this] { Run(); });
  std::string text = internal::FormatSockaddr(reinterpret_cast<const sockaddr*>(&bound));
  SC_LOG_INFO("srt: listening on {} (latency {} ms, peer idle timeout {} ms)", text,
              options_.receive_latency.count(), options_.peer_idle_timeout.count());
  return text;
}

base::Status SrtServer::Impl::ConfigureListener(SRTSOCKET socket, const sockaddr_storage& address) {
  using internal::SetSrtInt;
  // SRTO_TRANSTYPE first: it resets the options it implies.
  SC_RETURN_IF_ERROR(SetSrtInt(socket, SRTO_TRANSTYPE, SRTT_LIVE, "SRTO_TRANSTYPE"));
  SC_RETURN_IF_ERROR(
      SetSrtInt(socket, SRTO_PAYLOADSIZE, options_.payload_size, "SRTO_PAYLOADSIZE"));
  SC_RETURN_IF_ERROR(SetSrtInt(socket, SRTO_RCVLATENCY,
                               static_cast<int>(options_.receive_latency.count()),
                               "SRTO_RCVLATENCY"));
  SC_RETURN_IF_ERROR(SetSrtInt(socket, SRTO_PEERIDLETIMEO,
                               static_cast<int>(options_.peer_idle_timeout.count()),
                               "SRTO_PEERIDLETIMEO"));
  const bool yes = true;
  const bool no = false;
  SC_RETURN_IF_ERROR(
      internal::SetSrtFlag(socket, SRTO_TLPKTDROP, &yes, sizeof yes, "SRTO_TLPKTDROP"));
  // A passphrase on one side only is a rejection (SRT_REJ_UNSECURE), never a connection
  // whose payload cannot be decrypted.
  SC_RETURN_IF_ERROR(internal::SetSrtFlag(socket, SRTO_ENFORCEDENCRYPTION, &yes, sizeof yes,
                                          "SRTO_ENFORCEDENCRYPTION"));
  // Non-blocking: the epoll thread must never wait on one socket. Accepted sockets inherit.
  SC_RETURN_IF_ERROR(internal::SetSrtFlag(socket, SRTO_RCVSYN, &no, sizeof no, "SRTO_RCVSYN"));
  SC_RETURN_IF_ERROR(internal::SetSrtFlag(socket, SRTO_SNDSYN, &no, sizeof no, "SRTO_SNDSYN"));
  if (address.ss_family == AF_INET6) {
    // "::" serves IPv4 callers too (libsrt requires the choice to be explicit).
    SC_RETURN_IF_ERROR(SetSrtInt(socket, SRTO_IPV6ONLY, 0, "SRTO_IPV6ONLY"));
  }
  return base::Status::Ok();
}

void SrtServer::Impl::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  {
    std::lock_guard lock(idle_mu_);
    stop_requested_.store(true);
  }
  idle_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

// libsrt calls this on its receiver thread for each caller's conclusion handshake, before the
// socket is accepted. Returning -1 rejects with the code set by srt_setrejectreason.
int SrtServer::Impl::ListenHook(void* opaque, SRTSOCKET socket, int /*hs_version*/,
                                const sockaddr* peer, const char* stream_id) {
  auto* self = static_cast<Impl*>(opaque);
  std::string_view id = stream_id != nullptr ? stream_id : "";
  if (id.size() > static_cast<size_t>(kMaxStreamIdBytes)) id = id.substr(0, kMaxStreamIdBytes);
  try {
    return self->Decide(socket, peer, id);
  } catch (const std::exception& e) {
    // Nothing may unwind into libsrt's thread.
    SC_LOG_ERROR("srt: accept decision failed: {}", e.what());
    return self->Refuse(socket, kSrtRejectInternalError);
  }
}

int SrtServer::Impl::Decide(SRTSOCKET socket, const sockaddr* peer, std::string_view stream_id) {
  if (stop_requested_.load()) return Refuse(socket, kSrtRejectServiceDown);
  if (connection_count_.load() >= options_.max_connections) {
    SC_LOG_WARN("srt: connection limit {} reached; refusing {}", options_.max_connections,
                internal::FormatSockaddr(peer));
    return Refuse(socket, kSrtRejectOverload);
  }
  const std::string ip = internal::SockaddrIp(peer);
  const SrtHandshakeThrottle::Verdict verdict = throttle_.Check(ip, stream_id);
  if (!verdict.ask) {
    throttled_.fetch_add(1);
    return Refuse(socket, verdict.reject_code);
  }
  const SrtAcceptDecision decision = decider_(
      SrtAcceptRequest{.stream_id = stream_id, .remote_address = internal::FormatSockaddr(peer)});
  if (!decision.accept) {
    throttle_.RecordRefusal(ip, stream_id, decision.reject_code);
    return Refuse(socket, decision.reject_code);
  }
  base::Status applied = Apply(socket, decision);
  if (!applied.ok()) {
    SC_LOG_ERROR("srt: cannot accept {}: {}", internal::FormatSockaddr(peer), applied.ToString());
    return Refuse(socket, kSrtRejectInternalError);
  }
  return 0;
}

int SrtServer::Impl::Refuse(SRTSOCKET socket, int code) {
  rejected_.fetch_add(1);
  srt_setrejectreason(socket, code);
  return -1;
}

base::Status SrtServer::Impl::Apply(SRTSOCKET socket, const SrtAcceptDecision& decision) {
  if (!decision.passphrase.empty()) {
    // libsrt's own bounds (SRTO_PASSPHRASE); checked here for a clearer error.
    if (decision.passphrase.size() < 10 || decision.passphrase.size() > 79) {
      return base::InvalidArgument("passphrase must have 10 to 79 characters");
    }
    SC_RETURN_IF_ERROR(internal::SetSrtFlag(socket, SRTO_PASSPHRASE, decision.passphrase.data(),
                                            static_cast<int>(decision.passphrase.size()),
                                            "SRTO_PASSPHRASE"));
    SC_RETURN_IF_ERROR(
        internal::SetSrtInt(socket, SRTO_PBKEYLEN, decision.pbkeylen, "SRTO_PBKEYLEN"));
  }
  if (decision.latency.has_value()) {
    SC_RETURN_IF_ERROR(internal::SetSrtInt(
        socket, SRTO_RCVLATENCY, static_cast<int>(decision.latency->count()), "SRTO_RCVLATENCY"));
  }
  return base::Status::Ok();
}

void SrtServer::Impl::Run() {
  std::array<SRT_EPOLL_EVENT, kMaxEventsPerWait> events;
  const auto poll_ms = std::max<int64_t>(1, options_.poll_interval.count());
  auto next_stats = SteadyClock::now() + options_.stats_interval;
  while (!stop_requested_.load()) {
    // libsrt's epoll wait wakes every 10 ms whatever its timeout. With no caller connected
    // there is nothing to read, only callers to accept, and their handshake is libsrt's own
    // (done on its receiver thread): look once, then sleep poll_interval. A new caller then
    // waits in the backlog that long at most; an idle server wakes 20 times a second, not 100.
    const bool idle = connections_.empty();
    const int n = srt_epoll_uwait(epoll_, events.data(), kMaxEventsPerWait, idle ? 0 : poll_ms);
    if (n < 0 && srt_getlasterror(nullptr) != SRT_ETIMEOUT) {
      SC_LOG_WARN("srt: epoll wait failed: {}", internal::LastSrtError());
      std::this_thread::sleep_for(options_.poll_interval);
    }
    for (int i = 0; i < n; ++i) {
      if (events[i].fd == listener_) {
        AcceptAll();
      } else {
        Serve(events[i].fd, events[i].events);
      }
    }
    CloseRequested();
    CloseIdle();
    if (options_.stats_interval.count() > 0 && SteadyClock::now() >= next_stats) {
      next_stats = SteadyClock::now() + options_.stats_interval;
      SampleStats();
    }
    if (idle && n <= 0) {
      std::unique_lock lock(idle_mu_);
      idle_cv_.wait_for(lock, options_.poll_interval, [this] { return stop_requested_.load(); });
    }
  }
  Shutdown();
}

void SrtServer::Impl::AcceptAll() {
  while (true) {
    sockaddr_storage peer{};
    int length = sizeof peer;
    const SRTSOCKET socket = srt_accept(listener_, reinterpret_cast<sockaddr*>(&peer), &length);
    if (socket == SRT_INVALID_SOCK) {
      const int error = srt_getlasterror(nullptr);
      if (error != SRT_EASYNCRCV) SC_LOG_WARN("srt: accept failed: {}", internal::LastSrtError());
      return;
    }
    Adopt(socket, reinterpret_cast<const sockaddr*>(&peer));
  }
}

void SrtServer::Impl::Adopt(SRTSOCKET socket, const sockaddr* peer) {
  std::string remote = internal::FormatSockaddr(peer);
  // The hook checked the limit too; several callers may have passed it at once.
  if (connection_count_.load() >= options_.max_connections) {
    SC_LOG_WARN("srt {}: connection limit {} reached; closing", remote, options_.max_connections);
    srt_close(socket);
    return;
  }
  std::array<char, kMaxStreamIdBytes + 1> stream_id{};
  int stream_id_length = static_cast<int>(stream_id.size());
  if (srt_getsockflag(socket, SRTO_STREAMID, stream_id.data(), &stream_id_length) == SRT_ERROR) {
    stream_id_length = 0;
  }
  const int events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
  if (srt_epoll_add_usock(epoll_, socket, &events) == SRT_ERROR) {
    SC_LOG_WARN("srt {}: epoll add failed: {}", remote, internal::LastSrtError());
    srt_close(socket);
    return;
  }
  int latency_ms = static_cast<int>(options_.receive_latency.count());
  int latency_size = sizeof latency_ms;
  srt_getsockflag(socket, SRTO_RCVLATENCY, &latency_ms, &latency_size);  // negotiated
  auto connection = std::make_shared<SrtConnectionImpl>(
      socket, asio::make_strand(io_), remote,
      std::string(stream_id.data(), static_cast<size_t>(std::max(0, stream_id_length))),
      close_queue_, options_.max_pending_bytes);
  const auto now = SteadyClock::now();
  connections_[socket] =
      Slot{.connection = connection,
           .accepted = now,
           .last_data = now,
           .idle_limit = options_.peer_idle_timeout + std::chrono::milliseconds(latency_ms),
           .stats = {}};
  connection_count_.fetch_add(1);
  accepted_.fetch_add(1);
  SC_LOG_INFO("srt {}: connected", remote);
  connection->Start(factory_);
}

void SrtServer::Impl::Serve(SRTSOCKET socket, int events) {
  auto it = connections_.find(socket);
  if (it == connections_.end()) return;
  Slot& slot = it->second;
  SrtConnectionImpl& connection = *slot.connection;
  // Messages are read into the reusable scratch buffer; each post carries an exact-size copy,
  // so what a slow handler holds is what max_pending_bytes counts (not 64 KiB capacities).
  std::vector<uint8_t>& batch = scratch_;
  batch.clear();
  bool broken = (events & SRT_EPOLL_ERR) != 0;
  bool overflow = false;
  bool received = false;
  const auto flush = [&] {
    if (batch.empty()) return;
    if (!connection.Deliver(std::vector<uint8_t>(batch.begin(), batch.end()))) overflow = true;
    batch.clear();
  };
  for (int i = 0; i < kMaxMessagesPerWake && (events & SRT_EPOLL_IN) != 0; ++i) {
    if (batch.size() + SRT_LIVE_MAX_PLSIZE > kBatchBytes) flush();
    const size_t used = batch.size();
    batch.resize(used + SRT_LIVE_MAX_PLSIZE);
    const int n =
        srt_recvmsg(socket, reinterpret_cast<char*>(batch.data() + used), SRT_LIVE_MAX_PLSIZE);
    batch.resize(used + static_cast<size_t>(std::max(0, n)));
    if (n > 0) {
      received = true;
      continue;
    }
    if (n == SRT_ERROR && srt_getlasterror(nullptr) != SRT_EASYNCRCV) broken = true;
    break;
  }
  if (received) slot.last_data = SteadyClock::now();
  flush();
  if (overflow) {
    SC_LOG_WARN("srt {}: handler more than {} bytes behind; closing", connection.remote_address(),
                options_.max_pending_bytes);
    Teardown(socket, "handler overflow");
  } else if (broken) {
    Teardown(socket, "link closed");
  }
}

void SrtServer::Impl::Teardown(SRTSOCKET socket, std::string_view why) {
  auto it = connections_.find(socket);
  if (it == connections_.end()) return;
  std::shared_ptr<SrtConnectionImpl> connection = std::move(it->second.connection);
  connections_.erase(it);
  srt_epoll_remove_usock(epoll_, socket);
  srt_close(socket);
  connection_count_.fetch_sub(1);
  SC_LOG_INFO("srt {}: closed ({})", connection->remote_address(), why);
  connection->Finish();
}

void SrtServer::Impl::CloseRequested() {
  for (SRTSOCKET socket : close_queue_->Take()) Teardown(socket, "closed by server");
}

void SrtServer::Impl::CloseIdle() {
  if (options_.peer_idle_timeout.count() <= 0) return;
  const auto now = SteadyClock::now();
  std::vector<SRTSOCKET> idle;
  for (const auto& [socket, slot] : connections_) {
    if (now - slot.last_data > slot.idle_limit) idle.push_back(socket);
  }
  for (SRTSOCKET socket : idle) Teardown(socket, "no data from the peer");
}

void SrtServer::Impl::SampleStats() {
  const auto now = SteadyClock::now();
  for (auto& [socket, slot] : connections_) {
    SRT_TRACEBSTATS sample{};
    if (srt_bistats(socket, &sample, /*clear=*/1, /*instantaneous=*/1) == SRT_ERROR) continue;
    slot.stats = internal::AccumulateStats(
        slot.stats, sample,
        std::chrono::duration_cast<std::chrono::milliseconds>(now - slot.accepted));
    slot.connection->PostStats(slot.stats);
  }
}

void SrtServer::Impl::Shutdown() {
  // After srt_close returns, libsrt runs no more listen hooks on this socket (it removes the
  // listener under the same lock the hook runs under), so `this` may then go away.
  srt_epoll_remove_usock(epoll_, listener_);
  srt_close(listener_);
  listener_ = SRT_INVALID_SOCK;
  std::vector<SRTSOCKET> sockets;
  sockets.reserve(connections_.size());
  for (const auto& [socket, slot] : connections_) sockets.push_back(socket);
  for (SRTSOCKET socket : sockets) Teardown(socket, "server stopped");
  close_queue_->Take();
  srt_epoll_release(epoll_);
  epoll_ = -1;
  SC_LOG_INFO("srt: stopped");
}

SrtServer::SrtServer(asio::io_context& io, SrtServerOptions options, SrtAcceptDecider decider,
                     SrtHandlerFactory factory, const base::Clock& clock)
    : impl_(std::make_shared<Impl>(io, options, std::move(decider), std::move(factory), clock)) {}

SrtServer::~SrtServer() { impl_->Stop(); }

base::Result<std::string> SrtServer::Listen(const std::string& host, uint16_t port) {
  return impl_->Listen(host, port);
}

void SrtServer::Stop() { impl_->Stop(); }

size_t SrtServer::ConnectionCount() const { return impl_->ConnectionCount(); }

SrtServerCounters SrtServer::Counters() const { return impl_->Counters(); }

}  // namespace steadycast::net
