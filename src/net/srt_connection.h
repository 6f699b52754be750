#pragma once
// Internal to net/: the SrtConnection of SrtServer. The server's epoll thread owns the libsrt
// socket (reads, stats sampling, srt_close); this object is the bridge to the handler, which
// lives on the connection's strand.
//
// Lifecycle: created by the epoll thread after srt_accept → Start() posts the factory call to
// the strand → Deliver()/PostStats() post data and samples in order → Finish() (epoll thread,
// after srt_close) posts OnClosed, after which the handler is destroyed (breaking the handler
// → connection → handler cycle).
//
// Close() from any thread only queues a request (SrtCloseQueue) that the epoll thread picks
// up at its next wake-up (≤ poll_interval): libsrt sockets are touched by one thread only.
// Data already posted when Close() was called is dropped on the strand.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include "net/srt_server.h"

namespace steadycast::net::internal {

// Close requests from any thread to the epoll thread.
class SrtCloseQueue {
 public:
  void Push(int socket) {
    std::lock_guard lock(mu_);
    sockets_.push_back(socket);
  }
  std::vector<int> Take() {
    std::lock_guard lock(mu_);
    return std::exchange(sockets_, {});
  }

 private:
  std::mutex mu_;
  std::vector<int> sockets_;
};

class SrtConnectionImpl final : public SrtConnection,
                                public std::enable_shared_from_this<SrtConnectionImpl> {
 public:
  using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

  SrtConnectionImpl(int socket, Strand strand, std::string remote_address, std::string stream_id,
                    std::shared_ptr<SrtCloseQueue> close_queue, size_t max_pending_bytes);

  // SrtConnection (any thread).
  void Close() override;
  const std::string& remote_address() const override { return remote_address_; }
  const std::string& stream_id() const override { return stream_id_; }
  SrtLinkStats Stats() const override;

  // Epoll thread only.
  int socket() const { return socket_; }
  void Start(const SrtHandlerFactory& factory);
  // Posts bytes to the handler. Returns false when the handler has fallen more than
  // max_pending_bytes behind (the caller then closes the connection).
  bool Deliver(std::vector<uint8_t> bytes);
  void PostStats(const SrtLinkStats& stats);
  void Finish();

 private:
  const int socket_;
  Strand strand_;
  const std::string remote_address_;
  const std::string stream_id_;
  const std::shared_ptr<SrtCloseQueue> close_queue_;
  const size_t max_pending_bytes_;
  std::atomic<bool> close_requested_{false};
  std::atomic<size_t> pending_bytes_{0};
  mutable std::mutex stats_mu_;
  SrtLinkStats stats_;
  // Strand only.
  std::unique_ptr<SrtConnectionHandler> handler_;
  bool closed_ = false;
};

}  // namespace steadycast::net::internal
