#include "deliver/playback_routes.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "package/packager_test_util.h"

namespace steadycast::deliver {
namespace {

using package::testing::PackagerDriver;

std::optional<std::string> HeaderOf(const net::HttpResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return value;
    }
  }
  return std::nullopt;
}

class PlaybackRoutesTest : public ::testing::Test {
 protected:
  PlaybackRoutesTest() {
    RegisterPlaybackRoutes(router_, [this](std::string_view id) {
      ++lookups_;
      auto it = streams_.find(std::string(id));
      if (it == streams_.end()) return PlaybackTarget{};
      return PlaybackTarget{true, it->second};
    });
  }

  // A stream with `seconds` of synthetic media (segments close every 2 s).
  std::shared_ptr<PackagerDriver> AddStream(const std::string& id, double seconds) {
    auto driver = std::make_shared<PackagerDriver>();
    driver->Configure();
    driver->Feed(seconds);
    streams_[id] = std::shared_ptr<const package::StreamPackager>(driver, &driver->packager());
    return driver;
  }

  net::HttpResponse Call(const std::string& method, const std::string& path,
                         std::map<std::string, std::string> headers = {}) {
    net::HttpRequest request;
    request.method = method;
    request.path = path;
    request.target = path;
    request.headers = std::move(headers);
    std::optional<net::HttpResponse> out;
    router_.Dispatch(request, [&](net::HttpResponse r) { out = std::move(r); });
    EXPECT_TRUE(out.has_value()) << method << " " << path;
    return out.value_or(net::HttpResponse::Status(599));
  }

  void ExpectProblem(const net::HttpResponse& r, int status) {
    EXPECT_EQ(r.status, status);
    EXPECT_EQ(HeaderOf(r, "Content-Type"), "application/problem+json");
    EXPECT_EQ(HeaderOf(r, "Access-Control-Allow-Origin"), "*");
    EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-cache");
    const std::string body(r.body.AsStringView());
    EXPECT_NE(body.find("\"status\":" + std::to_string(status)), std::string::npos) << body;
    for (const char* field : {"\"type\"", "\"title\"", "\"detail\""}) {
      EXPECT_NE(body.find(field), std::string::npos) << body;
    }
  }

  net::HttpRouter router_;
  std::map<std::string, std::shared_ptr<const package::StreamPackager>> streams_;
  int lookups_ = 0;
};

TEST_F(PlaybackRoutesTest, UnknownPlaybackIdIs404) {
  ExpectProblem(Call("GET", "/hls/pb_nope.m3u8"), 404);
  ExpectProblem(Call("GET", "/hls/pb_nope/src/index.m3u8"), 404);
  EXPECT_EQ(lookups_, 2);
  // Ids that cannot be ours are refused without a lookup.
  ExpectProblem(Call("GET", "/hls/" + std::string(65, 'a') + ".m3u8"), 404);
  ExpectProblem(Call("GET", "/hls/pb%20x/src/index.m3u8"), 404);
  ExpectProblem(Call("GET", "/hls/pb x/src/index.m3u8"), 404);
  EXPECT_EQ(lookups_, 2);
}

TEST_F(PlaybackRoutesTest, KnownStreamWithoutSegmentsIs412WithRetryAfter) {
  streams_["pb_idle"] = nullptr;  // created, never broadcast
  AddStream("pb_starting", 1.0);  // publishing, first segment still open
  for (const std::string path :
       {"/hls/pb_idle.m3u8", "/hls/pb_idle/src/index.m3u8", "/hls/pb_starting.m3u8",
        "/hls/pb_starting/src/index.m3u8", "/hls/pb_starting/src/init.mp4",
        "/hls/pb_starting/src/seg0.m4s"}) {
    const net::HttpResponse r = Call("GET", path);
    ExpectProblem(r, 412);
    EXPECT_EQ(HeaderOf(r, "Retry-After"), "1") << path;
  }
}

TEST_F(PlaybackRoutesTest, ServesMasterPlaylistWithShortCaching) {
  auto driver = AddStream("pb_live", 5.0);
  const net::HttpResponse r = Call("GET", "/hls/pb_live.m3u8");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "application/vnd.apple.mpegurl");
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "public, max-age=1");
  EXPECT_EQ(HeaderOf(r, "Access-Control-Allow-Origin"), "*");
  EXPECT_TRUE(HeaderOf(r, "Access-Control-Expose-Headers").has_value());
  EXPECT_EQ(std::string(r.body.AsStringView()), *driver->packager().MasterPlaylist("pb_live"));
  EXPECT_NE(r.body.AsStringView().find("\npb_live/src/index.m3u8\n"), std::string::npos);
}

TEST_F(PlaybackRoutesTest, ServesMediaPlaylistInitAndSegments) {
  auto driver = AddStream("pb_live", 5.0);
  const net::HttpResponse playlist = Call("GET", "/hls/pb_live/src/index.m3u8");
  EXPECT_EQ(playlist.status, 200);
  EXPECT_EQ(HeaderOf(playlist, "Content-Type"), "application/vnd.apple.mpegurl");
  EXPECT_EQ(HeaderOf(playlist, "Cache-Control"), "public, max-age=1");
  EXPECT_NE(playlist.body.AsStringView().find("seg1.m4s"), std::string::npos);

  const net::HttpResponse init = Call("GET", "/hls/pb_live/src/init.mp4");
  EXPECT_EQ(init.status, 200);
  EXPECT_EQ(HeaderOf(init, "Content-Type"), "video/mp4");
  EXPECT_EQ(HeaderOf(init, "Cache-Control"), "public, max-age=86400, immutable");
  EXPECT_EQ(HeaderOf(init, "Accept-Ranges"), "bytes");

  const net::HttpResponse segment = Call("GET", "/hls/pb_live/src/seg1.m4s");
  EXPECT_EQ(segment.status, 200);
  EXPECT_EQ(HeaderOf(segment, "Content-Type"), "video/iso.segment");
  EXPECT_EQ(HeaderOf(segment, "Cache-Control"), "public, max-age=86400, immutable");
  EXPECT_EQ(HeaderOf(segment, "Access-Control-Allow-Origin"), "*");
  // Served from the packager's buffer without a copy.
  EXPECT_EQ(segment.body.data(), driver->packager().Lookup("src/seg1.m4s")->body.data());
}

TEST_F(PlaybackRoutesTest, MissingOrExpiredResourcesAre404) {
  auto driver = AddStream("pb_live", 21.0);  // seg0 and seg1 have been freed
  ExpectProblem(Call("GET", "/hls/pb_live/src/seg0.m4s"), 404);
  ExpectProblem(Call("GET", "/hls/pb_live/src/seg99.m4s"), 404);
  ExpectProblem(Call("GET", "/hls/pb_live/hd/index.m3u8"), 404);
  ExpectProblem(Call("GET", "/hls/pb_live/src/other.txt"), 404);
  EXPECT_EQ(Call("GET", "/hls/pb_live/src/seg2.m4s").status, 200);  // out of the list, retained
}

TEST_F(PlaybackRoutesTest, HeadMatchesGet) {
  AddStream("pb_live", 5.0);
  for (const std::string path :
       {"/hls/pb_live.m3u8", "/hls/pb_live/src/index.m3u8", "/hls/pb_live/src/init.mp4",
        "/hls/pb_live/src/seg0.m4s", "/hls/pb_nope.m3u8"}) {
    const net::HttpResponse get = Call("GET", path);
    const net::HttpResponse head = Call("HEAD", path);
    EXPECT_EQ(head.status, get.status) << path;
    EXPECT_EQ(head.headers, get.headers) << path;
    // The server derives Content-Length from the body and sends no body for HEAD.
    EXPECT_EQ(head.body.size(), get.body.size()) << path;
  }
}

TEST_F(PlaybackRoutesTest, AnswersCorsPreflight) {
  const net::HttpResponse r = Call("OPTIONS", "/hls/pb_any/src/seg3.m4s",
                                   {{"origin", "https://player.example"},
                                    {"access-control-request-method", "GET"},
                                    {"access-control-request-headers", "range"}});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(HeaderOf(r, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(HeaderOf(r, "Access-Control-Allow-Methods"), "GET, HEAD, OPTIONS");
  EXPECT_EQ(HeaderOf(r, "Access-Control-Allow-Headers"), "range");
  EXPECT_EQ(Call("OPTIONS", "/hls/pb_any.m3u8").status, 204);
  EXPECT_EQ(lookups_, 0);
}

TEST_F(PlaybackRoutesTest, RangeRequestsOnImmutableResources) {
  auto driver = AddStream("pb_live", 5.0);
  const size_t size = driver->packager().Lookup("src/seg0.m4s")->body.size();
  const net::HttpResponse partial =
      Call("GET", "/hls/pb_live/src/seg0.m4s", {{"range", "bytes=0-7"}});
  EXPECT_EQ(partial.status, 206);
  EXPECT_EQ(partial.body.size(), 8u);
  EXPECT_EQ(HeaderOf(partial, "Content-Range"), "bytes 0-7/" + std::to_string(size));
  EXPECT_EQ(HeaderOf(partial, "Content-Type"), "video/iso.segment");

  const net::HttpResponse beyond =
      Call("GET", "/hls/pb_live/src/seg0.m4s", {{"range", "bytes=999999-"}});
  ExpectProblem(beyond, 416);
  EXPECT_EQ(HeaderOf(beyond, "Content-Range"), "bytes */" + std::to_string(size));

  EXPECT_EQ(Call("GET", "/hls/pb_live/src/seg0.m4s", {{"range", "bytes=0-1,4-5"}}).status, 200);
  // Playlists change between requests: ranges over them are not offered.
  EXPECT_EQ(Call("GET", "/hls/pb_live/src/index.m3u8", {{"range", "bytes=0-3"}}).status, 200);
}

TEST_F(PlaybackRoutesTest, OtherMethodsAreNotAllowed) {
  AddStream("pb_live", 5.0);
  const net::HttpResponse r = Call("POST", "/hls/pb_live.m3u8");
  EXPECT_EQ(r.status, 405);
  EXPECT_TRUE(HeaderOf(r, "Allow").has_value());
}

}  // namespace
}  // namespace steadycast::deliver
