#include "net/outbound_http.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/tcp_server.h"
#include "net/testing/io_thread.h"

namespace steadycast::net {
namespace {

using std::chrono::milliseconds;

struct Recorded {
  std::string path;
  std::string head;
  std::string body;
};

// A loopback HTTP/1.1 server whose answer depends on the request path:
//   /ok 200, /fail 500, /redirect 301, /slow never answers, /close closes at once,
//   /big 200 with a 1 MiB body. Plain or TLS (TcpServer does the TLS).
class TestReceiver {
 public:
  explicit TestReceiver(bool tls = false) {
    TcpServerOptions options;
    if (tls) {
      options.tls_certificate_file = std::string(STEADYCAST_NET_TESTDATA) + "/test_cert.pem";
      options.tls_private_key_file = std::string(STEADYCAST_NET_TESTDATA) + "/test_key.pem";
    }
    server_ = std::make_unique<TcpServer>(io_.io(), options, [this](auto connection) {
      connections_.fetch_add(1);
      return std::make_unique<Handler>(this, std::move(connection));
    });
    auto bound = server_->Listen("127.0.0.1", 0);
    EXPECT_TRUE(bound.ok()) << bound.status().ToString();
    if (bound.ok()) port_ = std::stoi(bound->substr(bound->rfind(':') + 1));
  }
  ~TestReceiver() {
    server_->Stop();
    io_.Stop();
  }

  std::string Url(const std::string& path, const std::string& scheme = "http",
                  const std::string& host = "127.0.0.1") const {
    return scheme + "://" + host + ":" + std::to_string(port_) + path;
  }
  int port() const { return port_; }
  int connections() const { return connections_.load(); }
  std::vector<Recorded> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  class Handler final : public TcpConnectionHandler {
   public:
    Handler(TestReceiver* owner, std::shared_ptr<TcpConnection> connection)
        : owner_(owner), connection_(std::move(connection)) {}
    void OnData(std::span<const uint8_t> bytes) override {
      if (done_) return;
      buffer_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      const size_t end = buffer_.find("\r\n\r\n");
      if (end == std::string::npos) return;
      const std::string head = buffer_.substr(0, end);
      size_t length = 0;
      if (const size_t at = head.find("Content-Length: "); at != std::string::npos) {
        length = std::stoul(head.substr(at + 16));
      }
      if (buffer_.size() < end + 4 + length) return;
      done_ = true;
      Recorded request{head.substr(head.find(' ') + 1), head, buffer_.substr(end + 4, length)};
      request.path = request.path.substr(0, request.path.find(' '));
      {
        std::lock_guard lock(owner_->mutex_);
        owner_->requests_.push_back(request);
      }
      Answer(request.path);
    }
    void OnClosed() override {}

   private:
    void Reply(const std::string& status_line, const std::string& extra, std::string body) {
      std::string text = "HTTP/1.1 " + status_line +
                         "\r\nContent-Length: " + std::to_string(body.size()) +
                         "\r\nConnection: close\r\n" + extra + "\r\n" + body;
      connection_->Send(base::Buffer::FromString(text));
      connection_->Close();
    }
    void Answer(const std::string& path) {
      if (path == "/ok") return Reply("200 OK", "", "ok");
      if (path == "/fail") return Reply("500 Internal Server Error", "", "no");
      if (path == "/redirect") return Reply("301 Moved Permanently", "Location: /ok\r\n", "");
      if (path == "/big") return Reply("200 OK", "", std::string(size_t{1} << 20, 'x'));
      if (path == "/close") return connection_->Close();
      // "/slow": never answers; the client's deadline ends it.
    }

    TestReceiver* owner_;
    std::shared_ptr<TcpConnection> connection_;
    std::string buffer_;
    bool done_ = false;
  };

  testing::IoThread io_;
  std::unique_ptr<TcpServer> server_;
  int port_ = 0;
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  std::vector<Recorded> requests_;
};

HttpHeaderList Headers() {
  return {{"Content-Type", "application/json"}, {"Steadycast-Signature", "t=1,v1=abc"}};
}

TEST(OutboundHttpTest, PostsHeadersAndBodyAndReports200) {
  TestReceiver receiver;
  OutboundHttp http;
  const std::string body = R"({"id":"evt_1"})";
  const OutboundHttpResult result = http.Post(receiver.Url("/ok"), Headers(), body);
  EXPECT_EQ(result.error, OutboundError::kNone) << result.error_message;
  EXPECT_EQ(result.status_code, 200);
  EXPECT_TRUE(result.Succeeded());
  EXPECT_EQ(result.response_body_bytes, 2u);
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].head.substr(0, 9), "POST /ok ");
  EXPECT_NE(requests[0].head.find("Steadycast-Signature: t=1,v1=abc"), std::string::npos);
  EXPECT_NE(requests[0].head.find("Content-Type: application/json"), std::string::npos);
  EXPECT_EQ(requests[0].head.find("Expect:"), std::string::npos);
  EXPECT_EQ(requests[0].body, body);
}

TEST(OutboundHttpTest, ServerErrorIsAFailureWithItsCode) {
  TestReceiver receiver;
  const OutboundHttpResult result = OutboundHttp().Post(receiver.Url("/fail"), Headers(), "{}");
  EXPECT_EQ(result.error, OutboundError::kNone);
  EXPECT_EQ(result.status_code, 500);
  EXPECT_FALSE(result.Succeeded());
}

TEST(OutboundHttpTest, RedirectIsNotFollowed) {
  TestReceiver receiver;
  const OutboundHttpResult result = OutboundHttp().Post(receiver.Url("/redirect"), Headers(), "{}");
  EXPECT_EQ(result.status_code, 301);
  EXPECT_FALSE(result.Succeeded());
  EXPECT_EQ(receiver.requests().size(), 1u);
}

TEST(OutboundHttpTest, SlowReceiverHitsTheTotalDeadline) {
  TestReceiver receiver;
  const OutboundHttpResult result =
      OutboundHttp().Post(receiver.Url("/slow"), Headers(), "{}", milliseconds(300));
  EXPECT_EQ(result.error, OutboundError::kTimeout) << result.error_message;
  EXPECT_EQ(result.status_code, 0);
  EXPECT_GE(result.elapsed, milliseconds(290));
  EXPECT_LT(result.elapsed, milliseconds(2'000));
}

TEST(OutboundHttpTest, ClosedConnectionIsAConnectionError) {
  TestReceiver receiver;
  const OutboundHttpResult result = OutboundHttp().Post(receiver.Url("/close"), Headers(), "{}");
  EXPECT_EQ(result.error, OutboundError::kConnection) << result.error_message;
  EXPECT_FALSE(result.Succeeded());
}

TEST(OutboundHttpTest, LargeResponseBodyIsCappedAndDiscarded) {
  TestReceiver receiver;
  OutboundHttp http({.max_response_body_bytes = 1000});
  const OutboundHttpResult result = http.Post(receiver.Url("/big"), Headers(), "{}");
  EXPECT_EQ(result.error, OutboundError::kNone) << result.error_message;
  EXPECT_EQ(result.status_code, 200);
  EXPECT_TRUE(result.response_body_truncated);
  EXPECT_EQ(result.response_body_bytes, 1000u);
}

TEST(OutboundHttpTest, AddressPolicySeesResolvedAddressAndRefusesIt) {
  TestReceiver receiver;
  std::mutex mutex;
  std::vector<IpEndpoint> seen;
  OutboundHttp http({.allow_address = [&](const IpEndpoint& endpoint) {
    std::lock_guard lock(mutex);
    seen.push_back(endpoint);
    return endpoint != IpEndpoint::V4({127, 0, 0, 1}, endpoint.port());
  }});
  const OutboundHttpResult result = http.Post(receiver.Url("/ok"), Headers(), "{}");
  EXPECT_EQ(result.error, OutboundError::kAddressRefused) << result.error_message;
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], IpEndpoint::V4({127, 0, 0, 1}, static_cast<uint16_t>(receiver.port())));
  EXPECT_EQ(receiver.connections(), 0);
  EXPECT_TRUE(receiver.requests().empty());
}

TEST(OutboundHttpTest, HttpsWithUntrustedCertificateFailsVerification) {
  TestReceiver receiver(/*tls=*/true);
  const OutboundHttpResult result =
      OutboundHttp().Post(receiver.Url("/ok", "https"), Headers(), "{}");
  EXPECT_EQ(result.error, OutboundError::kTls) << result.error_message;
  EXPECT_TRUE(receiver.requests().empty());
}

TEST(OutboundHttpTest, HttpsWithTrustedCertificateSucceeds) {
  TestReceiver receiver(/*tls=*/true);
  OutboundHttp http({.ca_file = std::string(STEADYCAST_NET_TESTDATA) + "/test_cert.pem"});
  const OutboundHttpResult result =
      http.Post(receiver.Url("/ok", "https", "localhost"), Headers(), "{}");
  EXPECT_EQ(result.error, OutboundError::kNone) << result.error_message;
  EXPECT_EQ(result.status_code, 200);
}

TEST(OutboundHttpTest, RejectsBadRequestsWithoutConnecting) {
  TestReceiver receiver;
  OutboundHttp http;
  EXPECT_EQ(http.Post("ftp://127.0.0.1/x", {}, "").error, OutboundError::kInvalidRequest);
  EXPECT_EQ(http.Post("not a url", {}, "").error, OutboundError::kInvalidRequest);
  EXPECT_EQ(http.Post(receiver.Url("/ok"), {{"X-Evil", "a\r\nInjected: 1"}}, "").error,
            OutboundError::kInvalidRequest);
  EXPECT_EQ(http.Post(receiver.Url("/ok"), {{"Bad:Name", "v"}}, "").error,
            OutboundError::kInvalidRequest);
  EXPECT_EQ(http.Post(receiver.Url("/ok") + "\r\n", {}, "").error, OutboundError::kInvalidRequest);
  EXPECT_EQ(receiver.connections(), 0);
}

TEST(OutboundHttpTest, NothingListeningIsAConnectError) {
  int port = 0;
  {
    TestReceiver gone;
    port = gone.port();
  }
  const OutboundHttpResult result = OutboundHttp().Post(
      "http://127.0.0.1:" + std::to_string(port) + "/ok", Headers(), "{}", milliseconds(2'000));
  EXPECT_EQ(result.error, OutboundError::kConnect) << result.error_message;
}

TEST(OutboundHttpTest, ConcurrentPostsFromAWorkerPool) {
  TestReceiver receiver;
  OutboundHttp http;
  std::atomic<int> succeeded{0};
  std::vector<std::thread> workers;
  workers.reserve(8);
  for (int i = 0; i < 8; ++i) {
    workers.emplace_back([&] {
      for (int j = 0; j < 5; ++j) {
        if (http.Post(receiver.Url("/ok"), Headers(), "{}").Succeeded()) succeeded.fetch_add(1);
      }
    });
  }
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(succeeded.load(), 40);
  EXPECT_EQ(receiver.requests().size(), 40u);
}

TEST(OutboundHttpTest, GuardedPostOpensTheCircuitAndStopsCalling) {
  TestReceiver receiver;
  OutboundHttp http;
  base::FakeClock clock;
  CircuitBreaker breaker(clock, {.failure_threshold = 2});
  GuardedCall guard(breaker, milliseconds(2'000));
  for (int i = 0; i < 2; ++i) {
    auto result = GuardedPost(guard, http, receiver.Url("/fail"), Headers(), "{}");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result->status_code, 500);
  }
  EXPECT_EQ(breaker.state(), CircuitState::kOpen);
  auto refused = GuardedPost(guard, http, receiver.Url("/ok"), Headers(), "{}");
  EXPECT_EQ(refused.status().code(), base::ErrorCode::kUnavailable);
  EXPECT_EQ(refused.status().message(), "circuit open");
  EXPECT_EQ(receiver.requests().size(), 2u);
  // After the cool-down the probe goes through and closes the circuit.
  clock.Advance(std::chrono::seconds(60));
  auto probe = GuardedPost(guard, http, receiver.Url("/ok"), Headers(), "{}");
  ASSERT_TRUE(probe.ok());
  EXPECT_TRUE(probe->Succeeded());
  EXPECT_EQ(breaker.state(), CircuitState::kClosed);
}

TEST(OutboundHttpTest, ErrorNames) {
  EXPECT_EQ(OutboundErrorName(OutboundError::kTimeout), "timeout");
  EXPECT_EQ(OutboundErrorName(OutboundError::kAddressRefused), "address_refused");
  EXPECT_EQ(OutboundErrorName(OutboundError::kTls), "tls");
}

}  // namespace
}  // namespace steadycast::net
