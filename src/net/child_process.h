#pragma once
// A child process linked to this one by a socketpair (the transcoder worker,
// docs/architecture.md "Process boundary"), and the byte link itself. net/ is the only module
// that touches sockets and file descriptors; this file gives the rest plain bytes.
//
// ChildProcess::Spawn forks and execs `executable args...` with one end of an AF_UNIX stream
// socketpair as the child's descriptor kChildLinkFd (3); every other descriptor above 2 is
// closed in the child. The child runs at `nice` (added to ours), under RLIMIT_AS when
// `address_space_bytes` is set, with an empty signal mask, and is killed (SIGKILL) if the
// thread that spawned it ends (PR_SET_PDEATHSIG), so no worker outlives its supervisor.
//
// ByteLink is the byte pipe over one socket descriptor: WriteAll blocks until every byte went
// (one writer thread), Read waits for bytes up to a timeout (one reader thread); the two may run
// concurrently. Shutdown() from any thread wakes both with an error.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"

namespace steadycast::net {

inline constexpr int kChildLinkFd = 3;

class ByteLink {
 public:
  explicit ByteLink(int fd) : fd_(fd) {}  // takes ownership
  ~ByteLink();
  ByteLink(const ByteLink&) = delete;
  ByteLink& operator=(const ByteLink&) = delete;

  // Every byte or an error (peer gone, Shutdown()).
  base::Status WriteAll(std::span<const uint8_t> bytes);
  // Up to bytes.size() bytes; 0 when nothing came within `timeout`; kUnavailable at the peer's
  // end of stream or after Shutdown().
  base::Result<size_t> Read(std::span<uint8_t> bytes, std::chrono::milliseconds timeout);
  void Shutdown();

 private:
  int fd_;
};

struct ChildSpec {
  std::string executable;
  std::vector<std::string> args;  // argv[1..]
  int nice = 0;
  uint64_t address_space_bytes = 0;  // RLIMIT_AS; 0: inherit
};

class ChildProcess {
 public:
  static base::Result<std::unique_ptr<ChildProcess>> Spawn(const ChildSpec& spec);
  // Kills (SIGKILL) and reaps the child if it still runs.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  ByteLink& link() { return *link_; }
  void Kill();
  // The child's end ("exit status 1", "killed by signal 9") once it ended; nullopt while it
  // runs. Never blocks.
  std::optional<std::string> TryReap();

 private:
  ChildProcess(pid_t pid, int fd) : pid_(pid), link_(std::make_unique<ByteLink>(fd)) {}

  pid_t pid_;
  std::unique_ptr<ByteLink> link_;
  std::optional<std::string> ended_;
};

}  // namespace steadycast::net
