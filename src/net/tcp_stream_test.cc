#include "net/tcp_stream.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "net/testing/io_thread.h"

namespace steadycast::net {
namespace {

using namespace std::chrono_literals;
using testing::IoThread;
using testing::WaitUntil;

IpEndpoint LoopbackAny() { return IpEndpoint::V4({127, 0, 0, 1}, 0); }

// Everything one stream reported, shared with the test thread.
struct Observed {
  std::mutex mu;
  std::string data;
  bool connected = false;
  bool peer_closed = false;
  int drained = 0;
  std::optional<base::Status> closed;

  TcpStreamEvents Events() {
    TcpStreamEvents events;
    events.on_connected = [this] { Set([&] { connected = true; }); };
    events.on_data = [this](std::span<const uint8_t> bytes) {
      Set([&] { data.append(bytes.begin(), bytes.end()); });
    };
    events.on_peer_closed = [this] { Set([&] { peer_closed = true; }); };
    events.on_drained = [this] { Set([&] { ++drained; }); };
    events.on_closed = [this](base::Status status) { Set([&] { closed = status; }); };
    return events;
  }
  template <typename F>
  void Set(F f) {
    std::lock_guard lock(mu);
    f();
  }
  template <typename F>
  auto Get(F f) {
    std::lock_guard lock(mu);
    return f();
  }
  size_t size() {
    return Get([&] { return data.size(); });
  }
  bool is_closed() {
    return Get([&] { return closed.has_value(); });
  }
};

// A listener whose accepted streams are started with `events_for(stream)` (or kept idle).
class TcpStreamTest : public ::testing::Test {
 protected:
  void Listen(bool start = true) {
    listener_ = std::make_unique<TcpListener>(io_.io(), TcpStreamOptions{},
                                              [this, start](std::shared_ptr<TcpStream> stream) {
                                                std::lock_guard lock(mu_);
                                                accepted_.push_back(stream);
                                                if (start) stream->Start(server_.Events());
                                              });
    auto bound = listener_->Listen(LoopbackAny());
    ASSERT_TRUE(bound.ok()) << bound.status().ToString();
    address_ = *bound;
  }

  std::shared_ptr<TcpStream> Accepted() {
    EXPECT_TRUE(WaitUntil([&] {
      std::lock_guard lock(mu_);
      return !accepted_.empty();
    }));
    std::lock_guard lock(mu_);
    return accepted_.empty() ? nullptr : accepted_.front();
  }

  void TearDown() override {
    io_.Run([&] {
      if (listener_) listener_->Stop();
      std::lock_guard lock(mu_);
      for (auto& stream : accepted_) stream->Reset();
    });
  }

  IoThread io_;
  std::unique_ptr<TcpListener> listener_;
  IpEndpoint address_;
  std::mutex mu_;
  std::vector<std::shared_ptr<TcpStream>> accepted_;
  Observed server_;
};

TEST_F(TcpStreamTest, ConnectsAndCarriesBytesBothWays) {
  Listen();
  Observed client;
  auto stream = TcpStream::Connect(io_.io(), address_, 2s, client.Events());
  ASSERT_TRUE(WaitUntil([&] { return client.Get([&] { return client.connected; }); }));
  stream->Send(base::Buffer::FromString("hello "));
  stream->Send(base::Buffer::FromString("server"));
  ASSERT_TRUE(WaitUntil([&] { return server_.size() == 12; }));
  EXPECT_EQ(server_.Get([&] { return server_.data; }), "hello server");
  EXPECT_TRUE(WaitUntil([&] { return client.Get([&] { return client.drained > 0; }); }));

  Accepted()->Send(base::Buffer::FromString("hi client"));
  ASSERT_TRUE(WaitUntil([&] { return client.size() == 9; }));
  EXPECT_NE(Accepted()->remote_address().find("127.0.0.1:"), std::string::npos);
  EXPECT_EQ(stream->remote_address(), address_.ToString());
  io_.Run([&] { stream->Reset(); });
}

TEST_F(TcpStreamTest, HalfCloseLetsTheOtherDirectionFinish) {
  Listen();
  Observed client;
  auto stream = TcpStream::Connect(io_.io(), address_, 2s, client.Events());
  stream->Send(base::Buffer::FromString("request"));  // queued until connected
  stream->ShutdownSend();
  ASSERT_TRUE(WaitUntil([&] { return server_.Get([&] { return server_.peer_closed; }); }));
  EXPECT_EQ(server_.Get([&] { return server_.data; }), "request");
  EXPECT_FALSE(client.is_closed());

  auto accepted = Accepted();
  accepted->Send(base::Buffer::FromString("response"));
  accepted->ShutdownSend();
  ASSERT_TRUE(WaitUntil([&] { return client.is_closed() && server_.is_closed(); }));
  EXPECT_EQ(client.Get([&] { return client.data; }), "response");
  EXPECT_TRUE(client.Get([&] { return client.peer_closed; }));
  EXPECT_TRUE(client.Get([&] { return client.closed->ok(); }));
  EXPECT_TRUE(server_.Get([&] { return server_.closed->ok(); }));
}

TEST_F(TcpStreamTest, ResetIsSeenByThePeerAsAReset) {
  Listen();
  Observed client;
  auto stream = TcpStream::Connect(io_.io(), address_, 2s, client.Events());
  stream->Send(base::Buffer::FromString("x"));
  ASSERT_TRUE(WaitUntil([&] { return server_.size() == 1; }));
  io_.Run([&] { Accepted()->Reset(); });
  ASSERT_TRUE(WaitUntil([&] { return client.is_closed(); }));
  const base::Status status = client.Get([&] { return *client.closed; });
  EXPECT_EQ(status.code(), base::ErrorCode::kUnavailable);
  EXPECT_NE(status.message().find("reset"), std::string::npos) << status.message();
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(server_.is_closed());  // Reset() is silent on its own side
}

TEST_F(TcpStreamTest, RefusedConnectReportsWhy) {
  Listen();
  const IpEndpoint closed_port = address_;
  io_.Run([&] { listener_->Stop(); });
  listener_.reset();
  std::this_thread::sleep_for(20ms);
  Observed client;
  auto stream = TcpStream::Connect(io_.io(), closed_port, 2s, client.Events());
  ASSERT_TRUE(WaitUntil([&] { return client.is_closed(); }));
  const base::Status status = client.Get([&] { return *client.closed; });
  EXPECT_EQ(status.code(), base::ErrorCode::kUnavailable);
  EXPECT_NE(status.message().find(closed_port.ToString()), std::string::npos) << status.message();
  EXPECT_FALSE(client.Get([&] { return client.connected; }));
}

TEST_F(TcpStreamTest, PausedReadingBackPressuresTheSender) {
  Listen(/*start=*/false);
  Observed client;
  auto stream = TcpStream::Connect(io_.io(), address_, 2s, client.Events());
  auto accepted = Accepted();
  accepted->PauseReading();
  accepted->Start(server_.Events());
  ASSERT_TRUE(WaitUntil([&] { return client.Get([&] { return client.connected; }); }));

  constexpr size_t kTotal = size_t{8} * 1024 * 1024;  // more than both kernels' buffers together
  const base::Buffer chunk = base::Buffer::Take(std::vector<uint8_t>(size_t{64} * 1024, 'p'));
  for (size_t sent = 0; sent < kTotal; sent += chunk.size()) stream->Send(chunk);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(server_.size(), 0u);
  EXPECT_GT(stream->queued_bytes(), 0u);  // the sender is held back, not dropping

  accepted->ResumeReading();
  ASSERT_TRUE(WaitUntil([&] { return server_.size() == kTotal; }, 10s)) << server_.size();
  EXPECT_TRUE(WaitUntil([&] { return stream->queued_bytes() == 0; }));
  io_.Run([&] { stream->Reset(); });
}

TEST_F(TcpStreamTest, SendQueueOverflowClosesInsteadOfGrowing) {
  Listen(/*start=*/false);
  Observed client;
  TcpStreamOptions options;
  options.max_send_queue_bytes = size_t{256} * 1024;
  auto stream = TcpStream::Connect(io_.io(), address_, 2s, client.Events(), options);
  auto accepted = Accepted();  // never started: never reads
  ASSERT_TRUE(WaitUntil([&] { return client.Get([&] { return client.connected; }); }));
  const base::Buffer chunk = base::Buffer::Take(std::vector<uint8_t>(size_t{64} * 1024, 'o'));
  for (int i = 0; i < 400 && !client.is_closed(); ++i) {
    stream->Send(chunk);
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_TRUE(WaitUntil([&] { return client.is_closed(); }));
  EXPECT_EQ(client.Get([&] { return client.closed->code(); }), base::ErrorCode::kResourceExhausted);
}

TEST_F(TcpStreamTest, CloseFlushesThenEndsOrderly) {
  Listen();
  Observed client;
  auto stream = TcpStream::Connect(io_.io(), address_, 2s, client.Events());
  const base::Buffer chunk = base::Buffer::Take(std::vector<uint8_t>(size_t{256} * 1024, 'c'));
  for (int i = 0; i < 8; ++i) stream->Send(chunk);
  stream->Close();
  ASSERT_TRUE(WaitUntil([&] { return server_.Get([&] { return server_.peer_closed; }); }));
  EXPECT_EQ(server_.size(), 8u * 256 * 1024);
  Accepted()->ShutdownSend();  // the peer answers the FIN: both sides end cleanly
  ASSERT_TRUE(WaitUntil([&] { return client.is_closed() && server_.is_closed(); }));
  EXPECT_TRUE(client.Get([&] { return client.closed->ok(); }));
}

TEST_F(TcpStreamTest, ResetFromItsOwnEventIsSafe) {
  Listen();
  std::atomic<int> data_events{0};
  std::shared_ptr<TcpStream> stream;
  TcpStreamEvents events;
  events.on_data = [&](std::span<const uint8_t>) {
    ++data_events;
    stream->Reset();
  };
  io_.Run([&] { stream = TcpStream::Connect(io_.io(), address_, 2s, std::move(events)); });
  auto accepted = Accepted();
  for (int i = 0; i < 10; ++i) {
    accepted->Send(base::Buffer::FromString("data"));
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_TRUE(WaitUntil([&] { return data_events >= 1; }));
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(data_events, 1);
  ASSERT_TRUE(WaitUntil([&] { return server_.is_closed(); }));
}

}  // namespace
}  // namespace steadycast::net
