#pragma once
// Internal to net/: small libsrt helpers shared by SrtServer and its tests: process-wide
// start-up (srt_startup once, libsrt's log routed to ours), addresses, socket options, stats.
// Only srt_*.cc files include this header (it pulls in <srt/srt.h>).

#include <sys/socket.h>

#include <chrono>
#include <string>

#include <srt/srt.h>

#include "base/status.h"
#include "net/srt_server.h"

namespace steadycast::net::internal {

// srt_startup() once per process (libsrt reference-counts it; we never call srt_cleanup: its
// garbage-collector thread lives as long as the process), and libsrt's own logging routed to
// base/log (errors at debug level: they are per-peer noise we report ourselves).
void EnsureSrtStarted();

// "1.2.3.4:5678", "[::1]:5678"; IPv4-mapped IPv6 addresses as IPv4. "unknown" if unset.
std::string FormatSockaddr(const sockaddr* address);
// The address without the port ("1.2.3.4", "::1").
std::string SockaddrIp(const sockaddr* address);

// Resolves `host` (IP literal or name; first answer wins) for binding.
base::Result<sockaddr_storage> ResolveForBind(const std::string& host, uint16_t port,
                                              socklen_t* length);

// srt_setsockflag with a readable error ("SRTO_RCVLATENCY: Operation not supported ...").
base::Status SetSrtFlag(SRTSOCKET socket, SRT_SOCKOPT option, const void* value, int size,
                        const char* name);
inline base::Status SetSrtInt(SRTSOCKET socket, SRT_SOCKOPT option, int value, const char* name) {
  return SetSrtFlag(socket, option, &value, sizeof value, name);
}

// The last libsrt error of this thread as text.
std::string LastSrtError();

// Receiver-side figures of one srt_bistats sample (taken with clear=1, so the interval
// counters are added to `total`'s running totals).
SrtLinkStats AccumulateStats(const SrtLinkStats& total, const SRT_TRACEBSTATS& sample,
                             std::chrono::milliseconds connected);

}  // namespace steadycast::net::internal
