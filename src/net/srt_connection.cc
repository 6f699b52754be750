#include "net/srt_connection.h"

#include <utility>

#include <boost/asio/post.hpp>

#include "base/log.h"

namespace steadycast::net::internal {

namespace asio = boost::asio;

SrtConnectionImpl::SrtConnectionImpl(int socket, Strand strand, std::string remote_address,
                                     std::string stream_id,
                                     std::shared_ptr<SrtCloseQueue> close_queue,
                                     size_t max_pending_bytes)
    : socket_(socket),
      strand_(std::move(strand)),
      remote_address_(std::move(remote_address)),
      stream_id_(std::move(stream_id)),
      close_queue_(std::move(close_queue)),
      max_pending_bytes_(max_pending_bytes) {}

void SrtConnectionImpl::Close() {
  if (close_requested_.exchange(true)) return;
  close_queue_->Push(socket_);
}

SrtLinkStats SrtConnectionImpl::Stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

void SrtConnectionImpl::Start(const SrtHandlerFactory& factory) {
  asio::post(strand_, [self = shared_from_this(), factory] {
    if (self->closed_) return;
    self->handler_ = factory(self);
    if (self->handler_ == nullptr) self->Close();
  });
}

bool SrtConnectionImpl::Deliver(std::vector<uint8_t> bytes) {
  const size_t size = bytes.size();
  if (pending_bytes_.fetch_add(size) + size > max_pending_bytes_) {
    pending_bytes_.fetch_sub(size);
    return false;
  }
  asio::post(strand_, [self = shared_from_this(), bytes = std::move(bytes)] {
    self->pending_bytes_.fetch_sub(bytes.size());
    if (self->closed_ || self->handler_ == nullptr || self->close_requested_.load()) return;
    self->handler_->OnData(bytes);
  });
  return true;
}

void SrtConnectionImpl::PostStats(const SrtLinkStats& stats) {
  {
    std::lock_guard lock(stats_mu_);
    stats_ = stats;
  }
  asio::post(strand_, [self = shared_from_this(), stats] {
    if (self->closed_ || self->handler_ == nullptr) return;
    self->handler_->OnStats(stats);
  });
}

void SrtConnectionImpl::Finish() {
  close_requested_.store(true);  // a later Close() has nothing to do
  asio::post(strand_, [self = shared_from_this()] {
    if (self->closed_) return;
    self->closed_ = true;
    if (self->handler_ == nullptr) return;
    self->handler_->OnClosed();
    self->handler_.reset();
  });
}

}  // namespace steadycast::net::internal
