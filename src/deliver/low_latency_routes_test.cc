// LL-HLS delivery: blocking playlist reload and blocking preload-hint parts answered when the
// packager publishes, 400 for malformed or too-far directives, 503 after three target
// durations, and a crowd of blocked clients all answered from one publish.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "deliver/playback_routes.h"
#include "net/http_router.h"
#include "package/packager_test_util.h"
#include "package/segment_window.h"

namespace steadycast::deliver {
namespace {

using namespace std::chrono_literals;
using package::testing::PackagerDriver;

std::optional<std::string> HeaderOf(const net::HttpResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

// Collects responses that may arrive later, on another thread.
class Responses {
 public:
  net::HttpResponder Responder() {
    return [this](net::HttpResponse r) {
      std::lock_guard lock(mu_);
      got_.push_back(std::move(r));
      cv_.notify_all();
    };
  }
  bool WaitFor(size_t count, std::chrono::milliseconds limit) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return got_.size() >= count; });
  }
  size_t size() {
    std::lock_guard lock(mu_);
    return got_.size();
  }
  net::HttpResponse at(size_t i) {
    std::lock_guard lock(mu_);
    return got_.at(i);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<net::HttpResponse> got_;
};

class LowLatencyRoutesTest : public ::testing::Test {
 protected:
  LowLatencyRoutesTest() {
    package::PackagerOptions options;
    options.part_target_seconds = 0.5;
    driver_ = std::make_shared<PackagerDriver>(options);
    driver_->Configure();
    driver_->Feed(6.1);  // segments 0..2 complete; segment 3 has no part yet
    packager_ = std::shared_ptr<const package::StreamPackager>(driver_, &driver_->packager());
    RegisterPlaybackRoutes(router_, [this](std::string_view id) {
      if (id != "pb_ll") return PlaybackTarget{};
      return PlaybackTarget{true, packager_};
    });
  }

  void Send(const std::string& target, Responses& responses,
            std::map<std::string, std::string> headers = {}) {
    net::HttpRequest request;
    request.method = "GET";
    request.target = target;
    request.headers = std::move(headers);
    ASSERT_TRUE(net::ParseTarget(target, request.path, request.query).ok()) << target;
    router_.Dispatch(request, responses.Responder());
  }
  net::HttpResponse Get(const std::string& target) {
    Responses r;
    Send(target, r);
    EXPECT_TRUE(r.WaitFor(1, 2s)) << target;
    return r.size() ? r.at(0) : net::HttpResponse::Status(599);
  }
  void FeedLocked(double seconds) {
    std::lock_guard lock(feed_mu_);
    driver_->Feed(seconds);
  }

  std::mutex feed_mu_;
  std::shared_ptr<PackagerDriver> driver_;
  std::shared_ptr<const package::StreamPackager> packager_;
  net::HttpRouter router_;
};

TEST_F(LowLatencyRoutesTest, ServesTheLowLatencyPlaylist) {
  const net::HttpResponse r = Get("/hls/pb_ll/src/index.m3u8");
  ASSERT_EQ(r.status, 200);
  const std::string_view text = r.body.AsStringView();
  EXPECT_NE(text.find("#EXT-X-PART-INF:PART-TARGET=0.5"), std::string_view::npos) << text;
  EXPECT_NE(text.find("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part3.0.m4s\""), std::string_view::npos)
      << text;
}

TEST_F(LowLatencyRoutesTest, MalformedAndTooFarDirectivesAre400) {
  for (const char* query :
       {"_HLS_msn=abc", "_HLS_part=1", "_HLS_msn=-1", "_HLS_msn=3&_HLS_part=x", "_HLS_skip=NO",
        "_HLS_msn=99999999999999999999999", "_HLS_msn=18446744073709551615", "_HLS_msn=5",
        "_HLS_msn=3&_HLS_part=9", "_HLS_msn=1&_HLS_msn=2"}) {
    const net::HttpResponse r = Get(std::string("/hls/pb_ll/src/index.m3u8?") + query);
    EXPECT_EQ(r.status, 400) << query << " " << r.body.AsStringView();
  }
}

TEST_F(LowLatencyRoutesTest, BlockingReloadAnswersWhenThePartExists) {
  Responses waiting;
  Send("/hls/pb_ll/src/index.m3u8?_HLS_msn=3&_HLS_part=0", waiting);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(waiting.size(), 0u);  // held: part 3.0 does not exist yet
  FeedLocked(0.5);
  ASSERT_TRUE(waiting.WaitFor(1, 2s));
  const net::HttpResponse r = waiting.at(0);
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.AsStringView().find("URI=\"part3.0.m4s\""), std::string_view::npos);
  // An existing position answers at once.
  EXPECT_EQ(Get("/hls/pb_ll/src/index.m3u8?_HLS_msn=2").status, 200);
  // A delta update skips nothing this short, but answers.
  EXPECT_EQ(Get("/hls/pb_ll/src/index.m3u8?_HLS_msn=2&_HLS_skip=YES").status, 200);
}

TEST_F(LowLatencyRoutesTest, BlockedAndDeltaAnswersAreGzippedWhenAccepted) {
  Responses waiting;
  Send("/hls/pb_ll/src/index.m3u8?_HLS_msn=3&_HLS_part=0", waiting, {{"accept-encoding", "gzip"}});
  FeedLocked(0.5);
  ASSERT_TRUE(waiting.WaitFor(1, 2s));
  EXPECT_EQ(waiting.at(0).status, 200);
  EXPECT_EQ(HeaderOf(waiting.at(0), "Content-Encoding"), "gzip");
  EXPECT_EQ(HeaderOf(waiting.at(0), "Vary"), "Accept-Encoding");
  Responses delta;
  Send("/hls/pb_ll/src/index.m3u8?_HLS_msn=2&_HLS_skip=YES", delta, {{"accept-encoding", "gzip"}});
  ASSERT_TRUE(delta.WaitFor(1, 2s));
  EXPECT_EQ(HeaderOf(delta.at(0), "Content-Encoding"), "gzip");
  // Parts are media: never compressed.
  Responses part;
  Send("/hls/pb_ll/src/part3.0.m4s", part, {{"accept-encoding", "gzip"}});
  ASSERT_TRUE(part.WaitFor(1, 2s));
  EXPECT_EQ(part.at(0).status, 200);
  EXPECT_FALSE(HeaderOf(part.at(0), "Content-Encoding").has_value());
}

TEST_F(LowLatencyRoutesTest, ABlockedReloadIsAnsweredWithin50msOfThePartsLastFrame) {
  // Segment 3 starts at 6.0 s; its part 0 is frames [6.0, 6.5): the last one is at 6.4667 s.
  FeedLocked(0.36);  // frames up to 6.4333 s arrived: the part is one frame short
  Responses waiting;
  Send("/hls/pb_ll/src/index.m3u8?_HLS_msn=3&_HLS_part=0", waiting);
  std::this_thread::sleep_for(20ms);
  ASSERT_EQ(waiting.size(), 0u);
  const auto arrived = std::chrono::steady_clock::now();
  FeedLocked(0.034);  // the part's last frame (audio up to it as well)
  ASSERT_TRUE(waiting.WaitFor(1, 1s));
  const auto delay = std::chrono::steady_clock::now() - arrived;
  std::printf(
      "BLOCKING_RELOAD_DELAY_US=%lld\n",
      static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(delay).count()));
  EXPECT_LT(delay, 50ms);
  EXPECT_NE(waiting.at(0).body.AsStringView().find("part3.0.m4s"), std::string_view::npos);
}

TEST_F(LowLatencyRoutesTest, PreloadHintedPartBlocksOtherMissingPartsAre404) {
  Responses part;
  Send("/hls/pb_ll/src/part3.0.m4s", part);
  EXPECT_EQ(Get("/hls/pb_ll/src/part3.2.m4s").status, 404);  // not the hinted one
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(part.size(), 0u);
  FeedLocked(0.5);
  ASSERT_TRUE(part.WaitFor(1, 2s));
  EXPECT_EQ(part.at(0).status, 200);
  EXPECT_GT(part.at(0).body.size(), 100u);
}

TEST_F(LowLatencyRoutesTest, AThousandBlockedClientsAreAllAnswered) {
  Responses crowd;
  for (int i = 0; i < 1000; ++i) Send("/hls/pb_ll/src/index.m3u8?_HLS_msn=3&_HLS_part=1", crowd);
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(crowd.size(), 0u);
  EXPECT_EQ(packager_->Window("src")->waiters().size(), 1000u);
  FeedLocked(1.0);
  ASSERT_TRUE(crowd.WaitFor(1000, 5s));
  for (size_t i = 0; i < crowd.size(); ++i) EXPECT_EQ(crowd.at(i).status, 200);
  EXPECT_EQ(packager_->Window("src")->waiters().size(), 0u);
}

TEST_F(LowLatencyRoutesTest, UnansweredAfterThreeTargetDurationsIs503) {
  Responses waiting;
  const auto start = std::chrono::steady_clock::now();
  Send("/hls/pb_ll/src/index.m3u8?_HLS_msn=3&_HLS_part=0", waiting);
  ASSERT_TRUE(waiting.WaitFor(1, 10s));
  const auto held = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(waiting.at(0).status, 503);
  EXPECT_GE(held, 5900ms);  // 3 × the 2 s target duration
  EXPECT_LE(held, 7s);
}

TEST_F(LowLatencyRoutesTest, EndedPlaylistIgnoresDirectives) {
  {
    std::lock_guard lock(feed_mu_);
    driver_->packager().OnEndOfStream();
  }
  const net::HttpResponse r = Get("/hls/pb_ll/src/index.m3u8?_HLS_msn=4&_HLS_part=0");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.AsStringView().find("#EXT-X-ENDLIST"), std::string_view::npos);
}

}  // namespace
}  // namespace steadycast::deliver
