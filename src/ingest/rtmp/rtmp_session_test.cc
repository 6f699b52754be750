#include "ingest/rtmp/rtmp_session.h"

#include <fstream>
#include <iterator>
#include <vector>

#include <gtest/gtest.h>

#include "base/testing/split_feeder.h"
#include "ingest/rtmp/chunk_reader.h"
#include "ingest/rtmp/testing/rtmp_test_util.h"

namespace steadycast::ingest::rtmp {
namespace {

using formats::amf0::Value;
using testing::ClientScript;
using testing::Recorder;

enum class Decision { kAccept, kRefuse, kLater };

struct Outcome {
  std::vector<std::string> events;
  std::vector<uint8_t> output;
  std::string error;
  bool close_requested = false;
  bool operator==(const Outcome&) const = default;
};

void PrintTo(const Outcome& o, std::ostream* os) {
  *os << "error=\"" << o.error << "\" output=" << o.output.size()
      << "B close=" << o.close_requested;
  for (const std::string& e : o.events) *os << "\n  " << e;
}

RtmpSessionOptions TestOptions() {
  RtmpSessionOptions options;
  options.handshake.random = testing::DeterministicRandom(1);
  return options;
}

Outcome RunSession(std::span<const uint8_t> input, const base::testing::SplitPlan& plan,
                   Decision decision = Decision::kAccept,
                   RtmpSessionOptions options = TestOptions()) {
  options.handshake.random = testing::DeterministicRandom(1);  // same S1 in every run
  Recorder recorder;
  RtmpServerSession session(recorder, std::move(options));
  recorder.on_publish = [&](const PublishInfo&) {
    if (decision == Decision::kAccept) {
      EXPECT_TRUE(session.AcceptPublish(recorder).ok());
    } else if (decision == Decision::kRefuse) {
      session.RefusePublish("Unknown stream key.");
    }
  };
  Outcome outcome;
  base::testing::FeedInPieces(input, plan, [&](std::span<const uint8_t> piece) {
    if (!outcome.error.empty()) return;
    base::Status status = session.Feed(piece);
    if (!status.ok()) outcome.error = status.ToString();
    std::vector<uint8_t> out = session.TakeOutput();
    outcome.output.insert(outcome.output.end(), out.begin(), out.end());
  });
  outcome.events = recorder.events;
  outcome.close_requested = session.close_requested();
  return outcome;
}

// Runs whole, byte by byte and in random splits; all must agree.
Outcome RunAllWays(const std::vector<uint8_t>& input, Decision decision = Decision::kAccept,
                   RtmpSessionOptions options = TestOptions()) {
  Outcome whole = RunSession(input, {"whole", {input.size()}}, decision, options);
  for (const auto& plan : base::testing::SplitPlans(input.size(), 4)) {
    EXPECT_EQ(RunSession(input, plan, decision, options), whole) << plan.name;
  }
  return whole;
}

// The server's bytes as a client reads them: messages after S0+S1+S2 (chunk control applied).
std::vector<RtmpMessage> ServerMessages(const std::vector<uint8_t>& output) {
  const size_t handshake = 1 + 2 * kHandshakePacketSize;
  EXPECT_GE(output.size(), handshake);
  std::vector<RtmpMessage> messages;
  ChunkReader reader;
  EXPECT_TRUE(reader
                  .Feed(std::span(output).subspan(handshake),
                        [&](RtmpMessage m) {
                          messages.push_back(std::move(m));
                          return base::Status::Ok();
                        })
                  .ok());
  return messages;
}

// "name txid" of each command message, "type N" of the others.
std::vector<std::string> Summary(const std::vector<RtmpMessage>& messages) {
  std::vector<std::string> out;
  formats::amf0::Decoder decoder;
  for (const RtmpMessage& m : messages) {
    if (m.type_id != static_cast<uint8_t>(MessageType::kCommandAmf0)) {
      out.push_back("type " + std::to_string(m.type_id));
      continue;
    }
    auto command = ParseCommand(m, decoder);
    EXPECT_TRUE(command.ok());
    std::string line = command->name + " " + std::to_string(int(command->transaction_id));
    for (const Value& v : command->arguments) {
      if (auto code = v.FindString("code")) line += " " + std::string(*code);
      if (v.is_number()) line += " " + std::to_string(int(v.number()));
    }
    out.push_back(line);
  }
  return out;
}

std::vector<uint8_t> ReadTestData(const std::string& name) {
  std::ifstream in(std::string(RTMP_TESTDATA_DIR) + "/" + name, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

size_t Count(const std::vector<std::string>& events, std::string_view prefix) {
  return std::count_if(events.begin(), events.end(),
                       [&](const std::string& e) { return e.starts_with(prefix); });
}

TEST(RtmpSessionTest, RecordedFfmpegPublish) {
  // ffmpeg -f lavfi -i testsrc2=size=128x72:rate=10 -f lavfi -i sine -t 0.6 -c:v libx264
  //   -bf 2 -g 4 -c:a aac -f flv rtmp://127.0.0.1:PORT/live/key123?token=abc
  const std::vector<uint8_t> capture = ReadTestData("ffmpeg_publish.bin");
  ASSERT_GT(capture.size(), 10000u);
  const Outcome outcome = RunAllWays(capture);
  EXPECT_EQ(outcome.error, "");
  const auto& e = outcome.events;
  ASSERT_GE(e.size(), 6u);
  EXPECT_EQ(e[0], "connect app=live tcUrl=rtmp://127.0.0.1:37679/live");
  EXPECT_EQ(e[1], "publish app=live key=key123 type=live stream=1");
  EXPECT_EQ(e[2], "metadata 128x72 fps=10 encoder=Lavf59.27.100");
  EXPECT_EQ(e[3], "video-config 128x72 avc1.64000a");
  EXPECT_EQ(e[4], "audio-config 44100Hz 1ch mp4a.40.2");
  EXPECT_EQ(Count(e, "au video"), 6u);
  EXPECT_EQ(Count(e, "au audio"), 27u);
  EXPECT_EQ(Count(e, "au video dts=0 pts=18000 key=1"), 1u);  // B-frames: pts = dts + cts
  EXPECT_EQ(e.back(), "unpublish");

  EXPECT_EQ(
      Summary(ServerMessages(outcome.output)),
      (std::vector<std::string>{"type 5", "type 6", "_result 1 NetConnection.Connect.Success",
                                "_result 2", "onFCPublish 0 NetStream.Publish.Start", "_result 4 1",
                                "type 4", "onStatus 0 NetStream.Publish.Start"}));
  const RtmpMessage connect_result = ServerMessages(outcome.output)[2];
  auto result = ParseCommand(connect_result, formats::amf0::Decoder());
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->command_object.FindString("fmsVer"), "FMS/3,0,1,123");
  EXPECT_EQ(result->arguments[0].FindNumber("objectEncoding"), 0.0);
  // FFmpeg signs its C1 the Flash Player way; we answer with the digest handshake.
  const HandshakePacket c1(capture.data() + 1, kHandshakePacketSize);
  const std::optional<DigestScheme> scheme = FindClientDigest(c1);
  ASSERT_EQ(scheme, DigestScheme::kOffsetAt8);
  const HandshakePacket s1(outcome.output.data() + 1, kHandshakePacketSize);
  const HandshakePacket s2(outcome.output.data() + 1 + kHandshakePacketSize, kHandshakePacketSize);
  EXPECT_TRUE(HasValidDigest(s1, *scheme, GenuineFmsKeyText()));
  Digest client_digest;
  std::copy_n(c1.begin() + DigestOffset(c1, *scheme), kDigestSize, client_digest.begin());
  EXPECT_TRUE(S2SignatureValid(s2, client_digest));
}

TEST(RtmpSessionTest, RecordedGstreamerPublish) {
  // gst-launch-1.0 videotestsrc num-buffers=4 ! video/x-raw,format=I420,width=128,height=72,
  //   framerate=10/1 ! x264enc ! h264parse ! flvmux streamable=true ! rtmp2sink
  //   audiotestsrc num-buffers=6 ! audio/x-raw,rate=48000,channels=2 ! avenc_aac ! mux.
  const std::vector<uint8_t> capture = ReadTestData("gstreamer_publish.bin");
  ASSERT_GT(capture.size(), 10000u);
  const Outcome outcome = RunAllWays(capture);
  EXPECT_EQ(outcome.error, "");
  const auto& e = outcome.events;
  ASSERT_GE(e.size(), 6u);
  EXPECT_EQ(e[1], "publish app=live key=gstkey type=live stream=1");
  EXPECT_EQ(e[3], "video-config 128x72 avc1.640014");
  EXPECT_EQ(e[4], "audio-config 48000Hz 2ch mp4a.40.2");
  EXPECT_EQ(Count(e, "au video"), 4u);
  EXPECT_EQ(Count(e, "au audio"), 7u);
  EXPECT_EQ(Count(e, "metadata"), 3u);  // flvmux repeats onMetaData
  EXPECT_EQ(e.back(), "unpublish");
  // rtmp2sink uses the simple handshake: S2 echoes its C1.
  EXPECT_FALSE(FindClientDigest(HandshakePacket(capture.data() + 1, kHandshakePacketSize)));
  EXPECT_TRUE(std::equal(capture.begin() + 1, capture.begin() + 1 + kHandshakePacketSize,
                         outcome.output.begin() + 1 + kHandshakePacketSize));
}

TEST(RtmpSessionTest, SynthesizedPublishWithChunkSizeAndMetadata) {
  ClientScript client;
  client.SetChunkSize(4096).StartPublishing("abc?token=1").Metadata(128, 72, 25);
  client.VideoConfig().AudioConfig().Frame(0, true, 80, 6000).AacFrame(10).Frame(40, false, 0, 300);
  const Outcome outcome = RunAllWays(client.bytes());
  EXPECT_EQ(outcome.error, "");
  ASSERT_EQ(outcome.events.size(), 8u);
  EXPECT_EQ(
      std::vector<std::string>(outcome.events.begin(), outcome.events.begin() + 5),
      (std::vector<std::string>{
          "connect app=live tcUrl=rtmp://127.0.0.1/live",
          "publish app=live key=abc type=live stream=1", "metadata 128x72 fps=25 encoder=test",
          "video-config 128x72 avc1.64000a", "audio-config 44100Hz 1ch mp4a.40.2"}));
  EXPECT_TRUE(outcome.events[5].starts_with("au video dts=0 pts=7200 key=1 n=6004"));
  EXPECT_TRUE(outcome.events[6].starts_with("au audio dts=900 pts=900 key=1 n=20"));
  EXPECT_TRUE(outcome.events[7].starts_with("au video dts=3600 pts=3600 key=0 n=304"));
}

TEST(RtmpSessionTest, RefusedPublishSendsBadNameAndRequestsClose) {
  ClientScript client;
  client.StartPublishing("wrong").VideoConfig().Frame(0, true);
  const Outcome outcome = RunAllWays(client.bytes(), Decision::kRefuse);
  EXPECT_EQ(outcome.error, "");
  EXPECT_TRUE(outcome.close_requested);
  EXPECT_EQ(Count(outcome.events, "video-config"), 0u);
  const auto summary = Summary(ServerMessages(outcome.output));
  EXPECT_EQ(summary.back(), "onStatus 0 NetStream.Publish.BadName");
  const RtmpMessage last = ServerMessages(outcome.output).back();
  auto command = ParseCommand(last, formats::amf0::Decoder());
  EXPECT_EQ(command->arguments[0].FindString("level"), "error");
  EXPECT_EQ(last.stream_id, 1u);
}

TEST(RtmpSessionTest, EmptyStreamKeyIsRefusedWithoutAsking) {
  ClientScript client;
  client.StartPublishing("?token=1");
  const Outcome outcome = RunAllWays(client.bytes());
  EXPECT_TRUE(outcome.close_requested);
  EXPECT_EQ(Count(outcome.events, "publish"), 0u);
  EXPECT_EQ(Summary(ServerMessages(outcome.output)).back(), "onStatus 0 NetStream.Publish.BadName");
}

TEST(RtmpSessionTest, LaterAcceptReplaysHeldMedia) {
  ClientScript client;
  client.StartPublishing("key").VideoConfig().AudioConfig().Frame(0, true).AacFrame(0);
  Recorder recorder;
  RtmpServerSession session(recorder, TestOptions());
  ASSERT_TRUE(session.Feed(client.bytes()).ok());
  EXPECT_EQ(session.state(), SessionState::kPublishPending);
  EXPECT_EQ(recorder.events.size(), 2u);  // connect, publish
  ASSERT_TRUE(session.AcceptPublish(recorder).ok());
  EXPECT_EQ(session.state(), SessionState::kPublishing);
  ASSERT_EQ(recorder.events.size(), 6u);
  EXPECT_TRUE(recorder.events[2].starts_with("video-config"));
  EXPECT_TRUE(recorder.events[5].starts_with("au audio"));
  EXPECT_EQ(Summary(ServerMessages(session.TakeOutput())).back(),
            "onStatus 0 NetStream.Publish.Start");
  // A second answer is ignored.
  session.RefusePublish("late");
  EXPECT_FALSE(session.close_requested());
}

TEST(RtmpSessionTest, HeldMediaIsBounded) {
  RtmpSessionOptions options = TestOptions();
  options.max_pending_media_bytes = 1000;
  ClientScript client;
  client.StartPublishing("key").VideoConfig().Frame(0, true, 0, 200).Frame(40, false, 0, 900);
  const Outcome outcome = RunAllWays(client.bytes(), Decision::kLater, options);
  EXPECT_NE(outcome.error.find("while the publish is being authorised"), std::string::npos)
      << outcome.error;
}

TEST(RtmpSessionTest, PlayIsRefused) {
  ClientScript client;
  client.Connect().CreateStream().Command(
      1, {Value::String("play"), Value::Number(0), Value::Null(), Value::String("key")});
  const Outcome outcome = RunAllWays(client.bytes());
  EXPECT_EQ(outcome.error, "");
  EXPECT_TRUE(outcome.close_requested);
  EXPECT_EQ(Summary(ServerMessages(outcome.output)).back(), "onStatus 0 NetStream.Play.Failed");
}

TEST(RtmpSessionTest, UnknownCommandsGetAnErrorOnlyWithATransactionId) {
  ClientScript client;
  client.Connect()
      .Command(0, {Value::String("getStreamLength"), Value::Number(7), Value::Null()})
      .Command(0, {Value::String("whatever"), Value::Number(0), Value::Null()})
      .Command(0, {Value::String("_checkbw"), Value::Number(8), Value::Null()});
  const Outcome outcome = RunAllWays(client.bytes());
  EXPECT_EQ(outcome.error, "");
  const auto summary = Summary(ServerMessages(outcome.output));
  ASSERT_EQ(summary.size(), 5u);
  EXPECT_EQ(summary[3], "_error 7 NetConnection.Call.Failed");
  EXPECT_EQ(summary[4], "_error 8 NetConnection.Call.Failed");
}

TEST(RtmpSessionTest, PingAndAcknowledgementWindow) {
  ClientScript client;
  client.Connect()
      .Send(MakeWindowAckSize(4000))
      .Send(MakeUserControl(UserControlEvent::kPingRequest, 1234));
  for (int i = 0; i < 42; ++i) client.CreateStream(10 + i);
  const Outcome outcome = RunAllWays(client.bytes());  // acks do not depend on the split
  EXPECT_EQ(outcome.error, "");
  const auto messages = ServerMessages(outcome.output);
  bool pong = false;
  std::vector<uint32_t> acks;
  for (const RtmpMessage& m : messages) {
    if (m.type_id == 4) {
      auto event = ParseUserControl(m.payload.span());
      pong |= event->event == 7 && event->value == 1234;
    }
    if (m.type_id == 3) acks.push_back(*ParseU32Payload(m.payload.span(), "ack"));
  }
  EXPECT_TRUE(pong);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_GE(acks[0], 4000u);
  EXPECT_LT(acks[0], client.bytes().size());
  // createStream beyond max_streams is answered with _error.
  EXPECT_EQ(Summary(messages).back(), "_error 51 NetConnection.Call.Failed");
}

TEST(RtmpSessionTest, UnsupportedCodecsFailWithAClearError) {
  ClientScript h263;
  h263.StartPublishing("key").Video(0, {0x22, 0x00, 0x01});
  EXPECT_NE(RunAllWays(h263.bytes()).error.find("Sorenson H.263 is not supported"),
            std::string::npos);
  ClientScript mp3;
  mp3.StartPublishing("key").Audio(0, {0x2F, 0xFF, 0xFB});
  const Outcome outcome = RunAllWays(mp3.bytes());
  EXPECT_NE(outcome.error.find("UNIMPLEMENTED: rtmp: audio MP3"), std::string::npos)
      << outcome.error;
}

TEST(RtmpSessionTest, ProtocolOrderIsEnforced) {
  ClientScript before_connect;
  before_connect.CreateStream();
  EXPECT_NE(RunAllWays(before_connect.bytes()).error.find("before connect"), std::string::npos);
  ClientScript no_stream;
  no_stream.Connect().Publish("key", 1);
  EXPECT_NE(RunAllWays(no_stream.bytes()).error.find("createStream did not return"),
            std::string::npos);
  ClientScript twice;
  twice.Connect().Connect();
  EXPECT_NE(RunAllWays(twice.bytes()).error.find("second connect"), std::string::npos);
}

TEST(RtmpSessionTest, DeleteStreamEndsPublishingAndAllowsANewOne) {
  ClientScript client;
  client.StartPublishing("one").VideoConfig().Frame(0, true);
  client.Command(
      0, {Value::String("deleteStream"), Value::Number(0), Value::Null(), Value::Number(1)});
  client.Frame(40, false);  // after unpublish: ignored
  client.CreateStream(9).Publish("two", 2).VideoConfig().Frame(80, true);
  const Outcome outcome = RunAllWays(client.bytes());
  EXPECT_EQ(outcome.error, "");
  EXPECT_EQ(Count(outcome.events, "unpublish"), 1u);
  EXPECT_EQ(Count(outcome.events, "publish app=live key=two type=live stream=2"), 1u);
  EXPECT_EQ(Count(outcome.events, "au video"), 2u);
  EXPECT_EQ(Count(outcome.events, "video-config"), 2u);  // a new mapper per publication
}

TEST(RtmpSessionTest, AppQueryAndSlashesAreStripped) {
  ClientScript client;
  client.Connect("live?token=x/").CreateStream().Publish("key?a=b&c=d");
  const Outcome outcome = RunAllWays(client.bytes());
  EXPECT_EQ(Count(outcome.events, "publish app=live key=key type=live"), 1u);
}

TEST(RtmpSessionTest, AggregateMessagesAreSplit) {
  std::vector<uint8_t> aggregate;
  auto add_tag = [&](uint8_t type, uint32_t ts, const std::vector<uint8_t>& body) {
    base::ByteWriter w(aggregate);
    w.U8(type);
    w.U24(static_cast<uint32_t>(body.size()));
    w.U24(ts & 0xFFFFFF);
    w.U8(static_cast<uint8_t>(ts >> 24));
    w.U24(0);
    w.Bytes(body);
    w.U32(static_cast<uint32_t>(11 + body.size()));
  };
  add_tag(9, 1000, formats::flv::BuildAvcSequenceHeaderBody(testing::SampleAvcc()));
  std::vector<uint8_t> nal = {0, 0, 0, 2, 0x65, 0x88};
  add_tag(9, 1040, formats::flv::BuildAvcNaluBody(true, 0, nal));
  ClientScript client;
  client.StartPublishing("key").Send(
      RtmpMessage{6, 22, 1, 5000, base::Buffer::Take(std::move(aggregate))});
  const Outcome outcome = RunAllWays(client.bytes());
  EXPECT_EQ(outcome.error, "");
  EXPECT_EQ(Count(outcome.events, "au video dts=453600 pts=453600 key=1 n=6"), 1u);
}

}  // namespace
}  // namespace steadycast::ingest::rtmp
