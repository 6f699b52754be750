#pragma once
// IoLoops: a fixed set of event loops, each an io_context with a concurrency hint of 1 run by
// one thread of its own. TcpServer can pin each accepted connection to one loop (round robin)
// instead of running it on a strand of the shared, multi-threaded io_context.
//
// Why: a multi-threaded io_context keeps one thread in epoll and hands every completion to
// another (leader/follower), so each read of a connection that receives a small message every
// few milliseconds (an RTMP publisher: one read per audio or video tag) costs a futex wake-up
// and two context switches. On a loop with one thread the completion runs on the thread that
// saw the event, like an nginx worker: no hand-off, no lock contention. Connections still get
// a strand (of their loop), so TcpConnection::Send/Close stay callable from any thread.
//
// Ownership: owns the io_contexts and their threads. Whatever runs on a loop (connections and
// what they own) must not outlive Stop(): Stop() abandons handlers still queued, and they are
// destroyed with the io_contexts, like those of an io_context stopped with io_context::stop().
// Threading: Next() and Stop() from any thread.

#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace steadycast::net {

class IoLoops {
 public:
  // Starts `count` loops (at least one).
  explicit IoLoops(size_t count);
  ~IoLoops();
  IoLoops(const IoLoops&) = delete;
  IoLoops& operator=(const IoLoops&) = delete;

  // The loop for the next connection (round robin).
  boost::asio::io_context& Next();
  size_t size() const { return loops_.size(); }
  // Stops every loop and joins its thread. Idempotent.
  void Stop();

 private:
  using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  struct Loop {
    Loop() : io(1), work(io.get_executor()) {}
    boost::asio::io_context io;
    WorkGuard work;
    std::thread thread;
  };

  std::vector<std::unique_ptr<Loop>> loops_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> stopped_{false};
};

}  // namespace steadycast::net
