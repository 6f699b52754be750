#include "net/io_loops.h"

#include <algorithm>

namespace steadycast::net {

IoLoops::IoLoops(size_t count) {
  count = std::max<size_t>(1, count);
  loops_.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    auto loop = std::make_unique<Loop>();
    loop->thread = std::thread([io = &loop->io] { io->run(); });
    loops_.push_back(std::move(loop));
  }
}

IoLoops::~IoLoops() { Stop(); }

boost::asio::io_context& IoLoops::Next() {
  return loops_[next_.fetch_add(1, std::memory_order_relaxed) % loops_.size()]->io;
}

void IoLoops::Stop() {
  if (stopped_.exchange(true)) return;
  for (auto& loop : loops_) {
    loop->work.reset();
    loop->io.stop();
  }
  for (auto& loop : loops_) {
    if (loop->thread.joinable()) loop->thread.join();
  }
}

}  // namespace steadycast::net
