// Signed playback ids on a low-latency stream: the token reaches every URI an LL-HLS playlist
// names (map, segments, parts, preload hint, rendition reports), blocking reloads and parts
// accept it, and parts without it are refused.

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <regex>
#include <string>

#include "base/clock.h"
#include "deliver/playback_routes.h"
#include "deliver/playback_token.h"
#include "deliver/testdata/token_vectors.h"
#include "net/http_router.h"
#include "package/packager_test_util.h"

namespace steadycast::deliver {
namespace {

using package::testing::PackagerDriver;

class LowLatencyTokenTest : public ::testing::Test {
 protected:
  LowLatencyTokenTest() {
    auto verifier = PlaybackTokenVerifier::Create(
        {{TokenAlgorithm::kHs256, "", std::string(testing::kSecret1)}}, clock_);
    EXPECT_TRUE(verifier.ok());
    verifier_ = std::move(verifier).value();
    package::PackagerOptions options;
    options.part_target_seconds = 0.5;
    driver_ = std::make_shared<PackagerDriver>(options);
    driver_->Configure();
    driver_->Feed(6.7);  // segments 0..2 complete, parts of segment 3 listed
    packager_ = std::shared_ptr<const package::StreamPackager>(driver_, &driver_->packager());
    RegisterPlaybackRoutes(
        router_,
        [this](std::string_view id) {
          if (id != "pb_signed") return PlaybackTarget{};
          PlaybackTarget target{true, packager_};
          target.policy = "signed";
          return target;
        },
        PlaybackRouteOptions{.token_verifier = verifier_.get()});
  }

  net::HttpResponse Get(const std::string& target) {
    net::HttpRequest request;
    request.method = "GET";
    request.target = target;
    EXPECT_TRUE(net::ParseTarget(target, request.path, request.query).ok()) << target;
    std::optional<net::HttpResponse> out;
    router_.Dispatch(request, [&](net::HttpResponse r) { out = std::move(r); });
    EXPECT_TRUE(out.has_value()) << target << " was not answered at once";
    return out.value_or(net::HttpResponse::Status(599));
  }

  base::FakeClock clock_;  // the "now" of the token vectors
  std::unique_ptr<PlaybackTokenVerifier> verifier_;
  std::shared_ptr<PackagerDriver> driver_;
  std::shared_ptr<const package::StreamPackager> packager_;
  net::HttpRouter router_;
  const std::string token_{testing::kHsValid};
};

TEST_F(LowLatencyTokenTest, EveryUriInTheLowLatencyPlaylistCarriesTheToken) {
  const net::HttpResponse media = Get("/hls/pb_signed/src/index.m3u8?token=" + token_);
  ASSERT_EQ(media.status, 200);
  const std::string text(media.body.AsStringView());
  ASSERT_NE(text.find("#EXT-X-PART:"), std::string::npos) << text;
  ASSERT_NE(text.find("#EXT-X-PRELOAD-HINT:"), std::string::npos) << text;
  ASSERT_NE(text.find("#EXT-X-RENDITION-REPORT:"), std::string::npos) << text;
  const std::regex attribute(R"(URI="([^"]*)\")");
  int uris = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), attribute);
       it != std::sregex_iterator(); ++it, ++uris) {
    EXPECT_NE((*it)[1].str().find("token=" + token_), std::string::npos) << (*it)[0];
  }
  EXPECT_GE(uris, 4);
  size_t line_start = 0;
  while (line_start < text.size()) {
    const size_t end = text.find('\n', line_start);
    const std::string line = text.substr(line_start, end - line_start);
    if (!line.empty() && line[0] != '#') {
      EXPECT_NE(line.find("?token=" + token_), std::string::npos) << line;
    }
    line_start = end == std::string::npos ? text.size() : end + 1;
  }
}

TEST_F(LowLatencyTokenTest, BlockingReloadAndPartsAcceptTheToken) {
  const std::string text(Get("/hls/pb_signed/src/index.m3u8?token=" + token_).body.AsStringView());
  const std::smatch part = [&] {
    std::smatch m;
    EXPECT_TRUE(std::regex_search(text, m, std::regex(R"(URI="(part(\d+)\.(\d+)\.m4s))")));
    return m;
  }();
  ASSERT_FALSE(part.empty());
  const std::string msn = part[2].str(), index = part[3].str();
  // A reload for a part that exists is answered at once, with the token passed on.
  const net::HttpResponse reload = Get("/hls/pb_signed/src/index.m3u8?_HLS_msn=" + msn +
                                       "&_HLS_part=" + index + "&token=" + token_);
  ASSERT_EQ(reload.status, 200);
  EXPECT_NE(reload.body.AsStringView().find("?token=" + token_), std::string::npos);
  const net::HttpResponse with = Get("/hls/pb_signed/src/" + part[1].str() + "?token=" + token_);
  EXPECT_EQ(with.status, 200);
  EXPECT_GT(with.body.size(), 0u);
  EXPECT_EQ(Get("/hls/pb_signed/src/" + part[1].str()).status, 403);
  EXPECT_EQ(Get("/hls/pb_signed/src/index.m3u8?_HLS_msn=" + msn + "&_HLS_part=" + index).status,
            403);
}

}  // namespace
}  // namespace steadycast::deliver
