// A real FFmpeg publishes MPEG-TS over SRT (libsrt caller) into net::SrtServer + SrtIngest on
// loopback: media reaches the PublishSession, link stats are sampled, and refusals (unknown
// key, wrong passphrase) happen before any media with a reason FFmpeg prints. Skipped when
// FFmpeg lacks the srt protocol. Every FFmpeg run is bounded by `timeout`.

#include <sys/wait.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "ingest/srt/srt_ingest.h"
#include "ingest/srt/srt_ingest_test_util.h"

namespace steadycast::ingest::srt {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using testing::MediaLog;
using testing::RecordingSession;

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

bool FfmpegHasSrt() {
  const CommandResult protocols = RunCommand("ffmpeg -hide_banner -protocols");
  return protocols.exit_code == 0 && protocols.output.find("\n  srt\n") != std::string::npos;
}

std::string ToLower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

class SrtIngestFfmpegTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!FfmpegHasSrt()) GTEST_SKIP() << "ffmpeg has no srt protocol";
    io_thread_ = std::thread([this] { io_.run(); });
    ingest_ = std::make_unique<SrtIngest>(
        SrtIngestOptions{},
        [](const std::string& key, const std::string&) -> StreamLookupResult {
          if (key == "live-key") return {.found = true};
          if (key == "enc-key") {
            return {
                .found = true, .passphrase = "correct-horse-battery", .latency = milliseconds(800)};
          }
          return {};
        },
        [this](const media::PublishRequest& request)
            -> base::Result<std::unique_ptr<media::PublishSession>> {
          if (request.protocol != "srt") return base::InvalidArgument("protocol");
          return std::unique_ptr<media::PublishSession>(std::make_unique<RecordingSession>(log_));
        });
    server_ = std::make_unique<net::SrtServer>(io_, net::SrtServerOptions{}, ingest_->Decider(),
                                               ingest_->HandlerFactory());
    auto bound = server_->Listen("127.0.0.1", 0);
    ASSERT_TRUE(bound.ok()) << bound.status().ToString();
    port_ = std::stoi(bound->substr(bound->rfind(':') + 1));
  }

  void TearDown() override {
    server_.reset();
    work_.reset();
    io_.stop();
    if (io_thread_.joinable()) io_thread_.join();
  }

  // FFmpeg publishing `seconds` of 320x240 H.264 + AAC in real time (-re) to this server.
  CommandResult Publish(const std::string& query, int seconds) {
    return RunCommand(fmt::format(
        "timeout 25 ffmpeg -hide_banner -loglevel warning -re -f lavfi "
        "-i testsrc2=size=320x240:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 "
        "-t {} -c:v libx264 -preset ultrafast -tune zerolatency -g 25 -pix_fmt yuv420p "
        "-c:a aac -b:a 64k -f mpegts 'srt://127.0.0.1:{}?{}'",
        seconds, port_, query));
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  std::thread io_thread_;
  MediaLog log_;
  std::unique_ptr<SrtIngest> ingest_;
  std::unique_ptr<net::SrtServer> server_;
  int port_ = 0;
};

TEST_F(SrtIngestFfmpegTest, PublishesAccessUnitsAndLinkStats) {
  // FFmpeg's latency is in microseconds: 200 ms, below the server's 500 ms, which wins.
  const CommandResult ffmpeg = Publish("streamid=#!::r=live-key,m=publish&latency=200000", 3);
  ASSERT_EQ(ffmpeg.exit_code, 0) << ffmpeg.output;
  ASSERT_TRUE(log_.WaitFor([](MediaLog& l) { return l.session_destroyed; }, milliseconds(8000)));
  const int video = log_.CountUnits(media::TrackKind::kVideo);
  const int audio = log_.CountUnits(media::TrackKind::kAudio);
  RecordProperty("video_units", video);
  RecordProperty("audio_units", audio);
  // 3 s = 75 frames and ~141 AAC frames; SRT discards what is still in the receive buffer
  // (the last ~latency) when the caller hangs up.
  EXPECT_GE(video, 50);
  EXPECT_LE(video, 75);
  EXPECT_GE(audio, 100);
  EXPECT_TRUE(log_.FirstVideoIsKeyframe());
  std::lock_guard lock(log_.mu);
  ASSERT_FALSE(log_.video_configs.empty());
  EXPECT_EQ(log_.video_configs[0].width, 320);
  EXPECT_EQ(log_.video_configs[0].height, 240);
  ASSERT_FALSE(log_.audio_configs.empty());
  EXPECT_EQ(log_.audio_configs[0].sample_rate, 48000);
  for (const auto& unit : log_.units) EXPECT_FALSE(unit.maybe_corrupt);
  ASSERT_GE(log_.link_stats.size(), 2u);
  const media::LinkStats& last = log_.link_stats.back();
  EXPECT_EQ(last.latency_ms, 500);
  EXPECT_GT(last.packets_received, 50);
  EXPECT_EQ(last.packets_dropped, 0);
  EXPECT_GT(last.receive_rate_mbps, 0);
}

// FFmpeg 5.1 passes the passphrase of the URL as it is (no percent-decoding), so passphrases
// meant for URLs should stay URL-safe.
TEST_F(SrtIngestFfmpegTest, EncryptedStreamWithTheRightPassphrase) {
  const CommandResult ffmpeg =
      Publish("streamid=#!::r=enc-key,m=publish&passphrase=correct-horse-battery&pbkeylen=32", 2);
  ASSERT_EQ(ffmpeg.exit_code, 0) << ffmpeg.output;
  ASSERT_TRUE(log_.WaitFor([](MediaLog& l) { return l.session_destroyed; }, milliseconds(8000)));
  EXPECT_GE(log_.CountUnits(media::TrackKind::kVideo), 25);
  std::lock_guard lock(log_.mu);
  ASSERT_FALSE(log_.link_stats.empty());
  EXPECT_EQ(log_.link_stats.back().latency_ms, 800);  // the stream's own latency
  EXPECT_EQ(log_.link_stats.back().packets_undecrypted, 0);
}

TEST_F(SrtIngestFfmpegTest, RefusalsHappenBeforeAnyMediaAndFfmpegSaysWhy) {
  const CommandResult unknown = Publish("streamid=#!::r=nope,m=publish", 1);
  EXPECT_NE(unknown.exit_code, 0);
  // libsrt (in the FFmpeg process) reports an application reject code (1404) this way.
  EXPECT_NE(ToLower(unknown.output).find("rejection reason"), std::string::npos) << unknown.output;

  const CommandResult wrong =
      Publish("streamid=#!::r=enc-key,m=publish&passphrase=wrong-horse-battery", 1);
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(ToLower(wrong.output).find("incorrect passphrase"), std::string::npos) << wrong.output;

  const CommandResult missing = Publish("streamid=#!::r=enc-key,m=publish", 1);
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(ToLower(missing.output).find("password required"), std::string::npos) << missing.output;

  std::lock_guard lock(log_.mu);
  EXPECT_EQ(log_.sessions_created, 0);
  EXPECT_TRUE(log_.units.empty());
  const SrtIngestCounters counters = ingest_->Counters();
  EXPECT_EQ(counters.not_found, 1);
  EXPECT_EQ(server_->ConnectionCount(), 0u);
}

}  // namespace
}  // namespace steadycast::ingest::srt
