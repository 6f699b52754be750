#include "ingest/rtmp/rtmp_connection.h"

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "ingest/rtmp/testing/rtmp_test_util.h"

namespace steadycast::ingest::rtmp {
namespace {

using testing::ClientScript;

class FakeConnection : public net::TcpConnection {
 public:
  void Send(base::Buffer bytes) override {
    sent.insert(sent.end(), bytes.span().begin(), bytes.span().end());
  }
  void Close() override { ++closes; }
  void MarkEstablished() override { ++established; }
  const std::string& remote_address() const override { return address; }

  std::vector<uint8_t> sent;
  std::atomic<int> closes{0};
  int established = 0;
  std::string address = "127.0.0.1:5555";
};

class FakePublishSession : public media::PublishSession {
 public:
  explicit FakePublishSession(std::shared_ptr<int> alive) : alive_(std::move(alive)) { ++*alive_; }
  ~FakePublishSession() override { --*alive_; }
  const std::string& stream_id() const override { return id_; }
  void OnVideoConfig(const media::VideoTrackConfig&) override { ++video_configs; }
  void OnAudioConfig(const media::AudioTrackConfig&) override {}
  void OnAccessUnit(const media::AccessUnit&) override { ++units; }

  static inline int video_configs = 0;
  static inline int units = 0;

 private:
  std::shared_ptr<int> alive_;
  std::string id_ = "ls_test";
};

// Captures log lines (the default logger) for the lifetime of the object.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
    spdlog::set_level(spdlog::level::info);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return stream_.str(); }

 private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::logger> previous_;
};

struct Fixture : ::testing::Test {
  std::shared_ptr<FakeConnection> connection = std::make_shared<FakeConnection>();
  std::shared_ptr<int> alive = std::make_shared<int>(0);
  std::vector<media::PublishRequest> requests;
  std::string good_key = "good-key-0123456789abcdef";

  std::unique_ptr<net::TcpConnectionHandler> MakeHandler() {
    auto factory = MakeRtmpHandlerFactory(
        RtmpOptions{},
        [this](const media::PublishRequest& request)
            -> base::Result<std::unique_ptr<media::PublishSession>> {
          requests.push_back(request);
          if (request.stream_key != good_key) return base::NotFound("unknown stream key");
          return std::unique_ptr<media::PublishSession>(new FakePublishSession(alive));
        });
    return factory(connection);
  }

  void SetUp() override {
    FakePublishSession::video_configs = 0;
    FakePublishSession::units = 0;
  }
};

TEST_F(Fixture, AcceptedPublisherGetsMediaUntilUnpublish) {
  auto handler = MakeHandler();
  ClientScript client;
  client.StartPublishing(good_key + "?x=1").VideoConfig().Frame(0, true).Frame(33, false);
  handler->OnData(client.bytes());
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].protocol, "rtmp");
  EXPECT_EQ(requests[0].app, "live");
  EXPECT_EQ(requests[0].stream_key, good_key);
  EXPECT_EQ(requests[0].remote_address, "127.0.0.1:5555");
  EXPECT_EQ(*alive, 1);
  EXPECT_EQ(FakePublishSession::video_configs, 1);
  EXPECT_EQ(FakePublishSession::units, 2);
  EXPECT_GT(connection->sent.size(), 1 + 2 * kHandshakePacketSize);
  EXPECT_EQ(connection->closes, 0);

  ClientScript more;  // continue the same conversation: deleteStream ends the publication
  more.Command(0, {formats::amf0::Value::String("deleteStream"), formats::amf0::Value::Number(0),
                   formats::amf0::Value::Null(), formats::amf0::Value::Number(1)});
  std::vector<uint8_t> tail = more.AfterHandshake();
  // Chunk stream 3 already carried a fmt 0 header in `client`; a fresh writer's fmt 0 is fine.
  handler->OnData(tail);
  EXPECT_EQ(*alive, 0);
  handler->OnClosed();
}

TEST_F(Fixture, MarksTheConnectionEstablishedOnceTheHandshakeIsDone) {
  auto handler = MakeHandler();
  ClientScript client;  // C0 + C1 + C2
  const std::vector<uint8_t> bytes = client.bytes();
  const std::span<const uint8_t> all(bytes);
  handler->OnData(all.first(1 + kHandshakePacketSize));  // C0 + C1: still handshaking
  EXPECT_EQ(connection->established, 0);
  handler->OnData(all.subspan(1 + kHandshakePacketSize, kHandshakePacketSize - 1));
  EXPECT_EQ(connection->established, 0);
  handler->OnData(all.subspan(2 * kHandshakePacketSize));  // the last byte of C2
  EXPECT_GE(connection->established, 1);
  EXPECT_EQ(connection->closes, 0);
  handler->OnClosed();
}

TEST_F(Fixture, WrongKeyIsRefusedClosedAndNeverLoggedInFull) {
  LogCapture log;
  auto handler = MakeHandler();
  const std::string wrong = "wrong-secret-key-abcdefghijklmnop";
  ClientScript client;
  client.StartPublishing(wrong).VideoConfig();
  handler->OnData(client.bytes());
  EXPECT_EQ(connection->closes, 1);
  EXPECT_EQ(*alive, 0);
  const std::string text = log.text();
  EXPECT_NE(text.find("publish refused"), std::string::npos) << text;
  EXPECT_EQ(text.find(wrong), std::string::npos) << text;
  // The refusal reached the client before the close.
  const std::string sent(connection->sent.begin(), connection->sent.end());
  EXPECT_NE(sent.find("NetStream.Publish.BadName"), std::string::npos);
  handler->OnData(client.bytes());  // ignored once closing
  EXPECT_EQ(connection->closes, 1);
}

TEST_F(Fixture, ProtocolErrorsCloseTheConnection) {
  LogCapture log;
  auto handler = MakeHandler();
  const std::vector<uint8_t> garbage = {0x16, 0x03, 0x01, 0x02, 0x00};  // a TLS ClientHello
  handler->OnData(garbage);
  EXPECT_EQ(connection->closes, 1);
  EXPECT_NE(log.text().find("unsupported version 22"), std::string::npos) << log.text();
}

TEST_F(Fixture, MediaErrorEndsThePublicationAndCloses) {
  auto handler = MakeHandler();
  ClientScript client;
  client.StartPublishing(good_key).Video(0, {0x22, 0x00});  // H.263
  handler->OnData(client.bytes());
  EXPECT_EQ(connection->closes, 1);
  EXPECT_EQ(*alive, 0);
}

TEST_F(Fixture, DisconnectIsSafeFromAnyThreadAndAfterTheHandlerIsGone) {
  auto handler = MakeHandler();
  ClientScript client;
  client.StartPublishing(good_key);
  handler->OnData(client.bytes());
  ASSERT_EQ(requests.size(), 1u);
  std::function<void()> disconnect = requests[0].disconnect;
  std::thread other([&] { disconnect(); });
  other.join();
  EXPECT_EQ(connection->closes, 1);
  handler->OnClosed();
  handler.reset();
  EXPECT_EQ(*alive, 0);
  std::weak_ptr<FakeConnection> weak = connection;
  connection.reset();  // the connection is gone too
  EXPECT_TRUE(weak.expired());
  disconnect();  // a no-op, not a crash
}

}  // namespace
}  // namespace steadycast::ingest::rtmp
