#include "net/srt_socket.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <cstring>
#include <mutex>

#include <fmt/format.h>
#include <srt/access_control.h>

#include "base/log.h"

namespace steadycast::net {

// The public header repeats libsrt's numbers so that no srt type leaks out; keep them equal.
static_assert(kSrtRejectFallback == SRT_REJX_FALLBACK);
static_assert(kSrtRejectBadRequest == SRT_REJX_BAD_REQUEST);
static_assert(kSrtRejectUnauthorized == SRT_REJX_UNAUTHORIZED);
static_assert(kSrtRejectOverload == SRT_REJX_OVERLOAD);
static_assert(kSrtRejectForbidden == SRT_REJX_FORBIDDEN);
static_assert(kSrtRejectNotFound == SRT_REJX_NOTFOUND);
static_assert(kSrtRejectBadMode == SRT_REJX_BAD_MODE);
static_assert(kSrtRejectConflict == SRT_REJX_CONFLICT);
static_assert(kSrtRejectUnsupportedMedia == SRT_REJX_NOTSUP_MEDIA);
static_assert(kSrtRejectInternalError == SRT_REJX_ISE);
static_assert(kSrtRejectServiceDown == SRT_REJX_DOWN);
static_assert(kSrtRejectPeer == SRT_REJ_PEER);
static_assert(kSrtRejectBadSecret == SRT_REJ_BADSECRET);
static_assert(kSrtRejectUnsecure == SRT_REJ_UNSECURE);
static_assert(kSrtRejectTimeout == SRT_REJ_TIMEOUT);

std::string SrtRejectReasonText(int code) {
  switch (code) {
    case kSrtRejectFallback:
      return "SRT_REJX_FALLBACK (1000)";
    case kSrtRejectBadRequest:
      return "SRT_REJX_BAD_REQUEST (1400)";
    case kSrtRejectUnauthorized:
      return "SRT_REJX_UNAUTHORIZED (1401)";
    case kSrtRejectOverload:
      return "SRT_REJX_OVERLOAD (1402)";
    case kSrtRejectForbidden:
      return "SRT_REJX_FORBIDDEN (1403)";
    case kSrtRejectNotFound:
      return "SRT_REJX_NOTFOUND (1404)";
    case kSrtRejectBadMode:
      return "SRT_REJX_BAD_MODE (1405)";
    case kSrtRejectConflict:
      return "SRT_REJX_CONFLICT (1409)";
    case kSrtRejectUnsupportedMedia:
      return "SRT_REJX_NOTSUP_MEDIA (1415)";
    case kSrtRejectInternalError:
      return "SRT_REJX_ISE (1500)";
    case kSrtRejectServiceDown:
      return "SRT_REJX_DOWN (1503)";
    default:
      break;
  }
  if (code >= 0 && code < SRT_REJC_PREDEFINED) {
    return fmt::format("{} ({})", srt_rejectreason_str(code), code);
  }
  return fmt::format("reject code {}", code);
}

namespace internal {
namespace {

void RouteSrtLog(void* /*opaque*/, int level, const char* /*file*/, int /*line*/, const char* area,
                 const char* message) {
  // libsrt's messages end with a newline; strip it.
  std::string_view text(message != nullptr ? message : "");
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  if (level <= LOG_CRIT) {
    SC_LOG_ERROR("libsrt {}: {}", area != nullptr ? area : "", text);
  } else {
    SC_LOG_DEBUG("libsrt {}: {}", area != nullptr ? area : "", text);
  }
}

}  // namespace

void EnsureSrtStarted() {
  static std::once_flag once;
  std::call_once(once, [] {
    srt_setloghandler(nullptr, &RouteSrtLog);
    srt_setlogflags(SRT_LOGF_DISABLE_TIME | SRT_LOGF_DISABLE_THREADNAME |
                    SRT_LOGF_DISABLE_SEVERITY | SRT_LOGF_DISABLE_EOL);
    srt_setloglevel(LOG_ERR);
    if (srt_startup() < 0) SC_LOG_ERROR("srt_startup failed: {}", LastSrtError());
  });
}

std::string SockaddrIp(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address == nullptr) return "unknown";
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    return text;
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
      inet_ntop(AF_INET, &v6->sin6_addr.s6_addr[12], text, sizeof text);
    } else {
      inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    }
    return text;
  }
  return "unknown";
}

std::string FormatSockaddr(const sockaddr* address) {
  if (address == nullptr) return "unknown";
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    return fmt::format("{}:{}", SockaddrIp(address), ntohs(v4->sin_port));
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    const std::string ip = SockaddrIp(address);
    if (ip.find(':') == std::string::npos) return fmt::format("{}:{}", ip, ntohs(v6->sin6_port));
    return fmt::format("[{}]:{}", ip, ntohs(v6->sin6_port));
  }
  return "unknown";
}

base::Result<sockaddr_storage> ResolveForBind(const std::string& host, uint16_t port,
                                              socklen_t* length) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  const int rc =
      getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0 || found == nullptr) {
    return base::InvalidArgument(fmt::format("resolve '{}': {}", host, gai_strerror(rc)));
  }
  sockaddr_storage address{};
  std::memcpy(&address, found->ai_addr, found->ai_addrlen);
  *length = found->ai_addrlen;
  freeaddrinfo(found);
  return address;
}

base::Status SetSrtFlag(SRTSOCKET socket, SRT_SOCKOPT option, const void* value, int size,
                        const char* name) {
  if (srt_setsockflag(socket, option, value, size) == SRT_ERROR) {
    return base::Internal(fmt::format("{}: {}", name, LastSrtError()));
  }
  return base::Status::Ok();
}

std::string LastSrtError() {
  const char* text = srt_getlasterror_str();
  return text != nullptr ? text : "unknown libsrt error";
}

SrtLinkStats AccumulateStats(const SrtLinkStats& total, const SRT_TRACEBSTATS& sample,
                             std::chrono::milliseconds connected) {
  SrtLinkStats stats;
  stats.rtt_ms = sample.msRTT;
  stats.receive_rate_mbps = sample.mbpsRecvRate;
  stats.link_bandwidth_mbps = sample.mbpsBandwidth;
  stats.packets_received = sample.pktRecvTotal;
  stats.packets_lost = sample.pktRcvLossTotal;
  // libsrt keeps no total of received retransmissions or belated packets: the interval
  // counters (cleared by each sample) are summed here.
  stats.packets_retransmitted = total.packets_retransmitted + sample.pktRcvRetrans;
  stats.packets_dropped = sample.pktRcvDropTotal;
  stats.packets_belated = total.packets_belated + sample.pktRcvBelated;
  stats.packets_undecrypted = sample.pktRcvUndecryptTotal;
  stats.bytes_received = static_cast<int64_t>(sample.byteRecvTotal);
  stats.receive_buffer_ms = sample.msRcvBuf;
  stats.flight_size = sample.pktFlightSize;
  stats.latency_ms = sample.msRcvTsbPdDelay;
  stats.connected_ms = connected.count();
  return stats;
}

}  // namespace internal
}  // namespace steadycast::net
