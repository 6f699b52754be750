#pragma once
// BroadcastFinisher: ends broadcasts off the caller's thread. Ending a transcoded broadcast
// drains its encoders (in process mode: waits for the worker's answer, up to its flush
// timeout) before the packager writes ENDLIST; the caller holds the stream's lock on a
// publisher's I/O thread (shared with other publishers) or the registry's timer, neither of
// which may wait on an encoder. One thread runs the jobs in the order they were posted.
//
// Threading: Post from any thread. The destructor runs every job still queued, then joins.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace steadycast::session {

class BroadcastFinisher {
 public:
  BroadcastFinisher();
  ~BroadcastFinisher();
  BroadcastFinisher(const BroadcastFinisher&) = delete;
  BroadcastFinisher& operator=(const BroadcastFinisher&) = delete;

  void Post(std::function<void()> job);
  // Jobs posted and not finished yet (for tests and health).
  size_t pending() const;

 private:
  void Run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  size_t running_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace steadycast::session
