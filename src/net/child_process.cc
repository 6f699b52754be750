#include "net/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace steadycast::net {
namespace {

std::string ErrnoText(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended (status " + std::to_string(status) + ")";
}

// Runs in the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void ExecChild(int link_fd, const ChildSpec& spec, char* const* argv, long max_fd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (link_fd == kChildLinkFd) {
    fcntl(link_fd, F_SETFD, 0);  // dup2 onto itself would keep FD_CLOEXEC
  } else if (dup2(link_fd, kChildLinkFd) < 0) {
    _exit(126);
  }
  if (syscall(SYS_close_range, kChildLinkFd + 1, ~0U, 0) != 0) {
    for (long fd = kChildLinkFd + 1; fd < max_fd; ++fd) close(static_cast<int>(fd));
  }
  if (spec.nice != 0) setpriority(PRIO_PROCESS, 0, getpriority(PRIO_PROCESS, 0) + spec.nice);
  if (spec.address_space_bytes > 0) {
    const rlimit limit{spec.address_space_bytes, spec.address_space_bytes};
    setrlimit(RLIMIT_AS, &limit);
  }
  execv(argv[0], argv);
  _exit(127);
}

}  // namespace

ByteLink::~ByteLink() {
  if (fd_ >= 0) close(fd_);
}

base::Status ByteLink::WriteAll(std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return base::Unavailable(ErrnoText("link write"));
    }
    bytes = bytes.subspan(static_cast<size_t>(n));
  }
  return base::Status::Ok();
}

base::Result<size_t> ByteLink::Read(std::span<uint8_t> bytes, std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  const int ready = poll(&p, 1, static_cast<int>(timeout.count()));
  if (ready < 0) {
    if (errno == EINTR) return size_t{0};
    return base::Unavailable(ErrnoText("link poll"));
  }
  if (ready == 0) return size_t{0};
  const ssize_t n = recv(fd_, bytes.data(), bytes.size(), 0);
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN) return size_t{0};
    return base::Unavailable(ErrnoText("link read"));
  }
  if (n == 0) return base::Unavailable("link closed by the peer");
  return static_cast<size_t>(n);
}

void ByteLink::Shutdown() {
  if (fd_ >= 0) shutdown(fd_, SHUT_RDWR);
}

base::Result<std::unique_ptr<ChildProcess>> ChildProcess::Spawn(const ChildSpec& spec) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return base::Unavailable(ErrnoText("socketpair"));
  }
  // Everything the child needs is prepared before fork (no allocation after it).
  std::vector<std::string> strings;
  strings.push_back(spec.executable);
  strings.insert(strings.end(), spec.args.begin(), spec.args.end());
  std::vector<char*> argv;
  for (std::string& s : strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  const long max_fd = std::min<long>(sysconf(_SC_OPEN_MAX), 65536);

  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return base::Unavailable(ErrnoText("fork"));
  }
  if (pid == 0) ExecChild(fds[1], spec, argv.data(), max_fd);
  close(fds[1]);
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, fds[0]));
}

ChildProcess::~ChildProcess() {
  if (!ended_) {
    Kill();
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

void ChildProcess::Kill() {
  if (!ended_) kill(pid_, SIGKILL);
}

std::optional<std::string> ChildProcess::TryReap() {
  if (ended_) return ended_;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_)
    ended_ = DescribeWaitStatus(status);
  else if (r < 0 && errno == ECHILD)
    ended_ = "reaped elsewhere";
  return ended_;
}

}  // namespace steadycast::net
