#include "deliver/playback_routes.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "base/clock.h"
#include "deliver/testdata/token_vectors.h"
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
    auto verifier = PlaybackTokenVerifier::Create(
        {{TokenAlgorithm::kHs256, "", std::string(testing::kSecret1)}}, clock_);
    EXPECT_TRUE(verifier.ok());
    verifier_ = std::move(verifier).value();
    RegisterPlaybackRoutes(
        router_,
        [this](std::string_view id) {
          ++lookups_;
          auto it = streams_.find(std::string(id));
          if (it == streams_.end()) return PlaybackTarget{};
          PlaybackTarget target{true, it->second};
          if (auto policy = policies_.find(std::string(id)); policy != policies_.end()) {
            target.policy = policy->second;
          }
          return target;
        },
        PlaybackRouteOptions{.token_verifier = verifier_.get()});
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
    if (path.find('?') != std::string::npos) {
      EXPECT_TRUE(net::ParseTarget(path, request.path, request.query).ok()) << path;
    }
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

  base::FakeClock clock_;  // 1700000000 s, the "now" of the token vectors
  std::unique_ptr<PlaybackTokenVerifier> verifier_;
  net::HttpRouter router_;
  std::map<std::string, std::shared_ptr<const package::StreamPackager>> streams_;
  std::map<std::string, std::string> policies_;  // playback id → policy when not "public"
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

TEST_F(PlaybackRoutesTest, PlaylistsAndMpdAreGzippedWhenAccepted) {
  AddStream("pb_live", 7.0);
  const std::map<std::string, std::string> gzip = {{"accept-encoding", "gzip, deflate"}};
  for (const std::string path : {"/hls/pb_live.m3u8", "/hls/pb_live/src/index.m3u8",
                                 "/hls/pb_live/audio/index.m3u8", "/dash/pb_live.mpd"}) {
    const net::HttpResponse plain = Call("GET", path);
    const net::HttpResponse zipped = Call("GET", path, gzip);
    const net::HttpResponse refused = Call("GET", path, {{"accept-encoding", "gzip;q=0"}});
    ASSERT_EQ(zipped.status, 200) << path;
    EXPECT_FALSE(HeaderOf(plain, "Content-Encoding").has_value()) << path;
    EXPECT_FALSE(HeaderOf(refused, "Content-Encoding").has_value()) << path;
    EXPECT_EQ(HeaderOf(zipped, "Content-Encoding"), "gzip") << path;
    for (const net::HttpResponse* r : {&plain, &zipped, &refused}) {
      EXPECT_EQ(HeaderOf(*r, "Vary"), "Accept-Encoding") << path;
    }
    ASSERT_GE(zipped.body.size(), 2u);
    EXPECT_EQ(static_cast<unsigned char>(zipped.body.AsStringView()[0]), 0x1f) << path;
    EXPECT_LT(zipped.body.size(), plain.body.size()) << path;
    // HEAD describes the same (compressed) body: same headers, same Content-Length.
    const net::HttpResponse head = Call("HEAD", path, gzip);
    EXPECT_EQ(head.headers, zipped.headers) << path;
    EXPECT_EQ(head.body.size(), zipped.body.size()) << path;
  }
  // Errors on playlist URLs vary too; media is never compressed.
  EXPECT_EQ(HeaderOf(Call("GET", "/hls/pb_nope.m3u8", gzip), "Vary"), "Accept-Encoding");
  for (const std::string path : {"/hls/pb_live/src/init.mp4", "/hls/pb_live/src/seg0.m4s"}) {
    const net::HttpResponse media = Call("GET", path, gzip);
    EXPECT_EQ(media.status, 200) << path;
    EXPECT_FALSE(HeaderOf(media, "Content-Encoding").has_value()) << path;
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

// Signed playback ids (docs/contract.md: `?token=JWT`, missing/invalid → 403).

constexpr std::string_view kSignedPaths[] = {"/hls/pb_signed.m3u8", "/hls/pb_signed/src/index.m3u8",
                                             "/hls/pb_signed/src/init.mp4",
                                             "/hls/pb_signed/src/seg1.m4s"};

std::string WithToken(std::string_view path, std::string_view token) {
  return std::string(path) + "?token=" + std::string(token);
}

TEST_F(PlaybackRoutesTest, SignedIdWithoutValidTokenIs403) {
  AddStream("pb_signed", 5.0);
  policies_["pb_signed"] = "signed";
  for (std::string_view path : kSignedPaths) {
    for (const char* method : {"GET", "HEAD"}) {
      const net::HttpResponse missing = Call(method, std::string(path));
      ExpectProblem(missing, 403);
      EXPECT_NE(missing.body.AsStringView().find("requires ?token=JWT"), std::string::npos);
    }
    ExpectProblem(Call("GET", WithToken(path, "")), 403);
    ExpectProblem(Call("GET", WithToken(path, "garbage")), 403);
    const net::HttpResponse expired = Call("GET", WithToken(path, testing::kHsExpired));
    ExpectProblem(expired, 403);
    EXPECT_NE(expired.body.AsStringView().find("token: expired"), std::string::npos);
    EXPECT_EQ(expired.body.AsStringView().find(testing::kHsExpired), std::string::npos);
    ExpectProblem(Call("GET", WithToken(path, testing::kHsNbfFuture)), 403);
    ExpectProblem(Call("GET", WithToken(path, testing::kHsAudThumbnail)), 403);
  }
}

TEST_F(PlaybackRoutesTest, TokenForAnotherPlaybackIdIs403) {
  AddStream("pb_signed", 5.0);
  AddStream("pb_other", 5.0);
  policies_["pb_signed"] = "signed";
  policies_["pb_other"] = "signed";
  const net::HttpResponse r = Call("GET", WithToken("/hls/pb_other.m3u8", testing::kHsValid));
  ExpectProblem(r, 403);
  EXPECT_NE(r.body.AsStringView().find("sub claim does not match"), std::string::npos);
  EXPECT_EQ(Call("GET", WithToken("/hls/pb_signed.m3u8", testing::kHsValid)).status, 200);
}

TEST_F(PlaybackRoutesTest, SignedIdIsCheckedBeforeTelling412) {
  streams_["pb_signed"] = nullptr;  // never broadcast
  policies_["pb_signed"] = "signed";
  ExpectProblem(Call("GET", "/hls/pb_signed.m3u8"), 403);
  ExpectProblem(Call("GET", WithToken("/hls/pb_signed.m3u8", testing::kHsValid)), 412);
  ExpectProblem(Call("GET", "/hls/pb_nope.m3u8?token=x"), 404);
}

TEST_F(PlaybackRoutesTest, ValidTokenServesEverythingPrivately) {
  auto driver = AddStream("pb_signed", 5.0);
  policies_["pb_signed"] = "signed";
  const std::string token(testing::kHsValid);
  const net::HttpResponse master = Call("GET", WithToken("/hls/pb_signed.m3u8", token));
  EXPECT_EQ(master.status, 200);
  EXPECT_EQ(HeaderOf(master, "Content-Type"), "application/vnd.apple.mpegurl");
  EXPECT_EQ(HeaderOf(master, "Cache-Control"), "private, max-age=1");
  EXPECT_EQ(HeaderOf(master, "Access-Control-Allow-Origin"), "*");
  EXPECT_NE(master.body.AsStringView().find("\npb_signed/src/index.m3u8?token=" + token + "\n"),
            std::string::npos)
      << master.body.AsStringView();

  const net::HttpResponse media = Call("GET", WithToken("/hls/pb_signed/src/index.m3u8", token));
  EXPECT_EQ(media.status, 200);
  EXPECT_EQ(HeaderOf(media, "Cache-Control"), "private, max-age=1");
  const std::string_view text = media.body.AsStringView();
  EXPECT_NE(text.find("#EXT-X-MAP:URI=\"init.mp4?token=" + token + "\""), std::string::npos)
      << text;
  EXPECT_NE(text.find("\nseg0.m4s?token=" + token + "\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nseg1.m4s?token=" + token + "\n"), std::string::npos) << text;

  const net::HttpResponse segment = Call("GET", WithToken("/hls/pb_signed/src/seg1.m4s", token));
  EXPECT_EQ(segment.status, 200);
  EXPECT_EQ(HeaderOf(segment, "Cache-Control"), "private, max-age=86400, immutable");
  EXPECT_EQ(HeaderOf(segment, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(segment.body.data(), driver->packager().Lookup("src/seg1.m4s")->body.data());
  const net::HttpResponse init = Call("GET", WithToken("/hls/pb_signed/src/init.mp4", token));
  EXPECT_EQ(init.status, 200);
  EXPECT_EQ(HeaderOf(init, "Cache-Control"), "private, max-age=86400, immutable");
  const net::HttpResponse range =
      Call("GET", WithToken("/hls/pb_signed/src/seg1.m4s", token), {{"range", "bytes=0-3"}});
  EXPECT_EQ(range.status, 206);
  EXPECT_EQ(HeaderOf(range, "Cache-Control"), "private, max-age=86400, immutable");
}

// Each request gets playlists carrying its own token: nothing rewritten is shared.
TEST_F(PlaybackRoutesTest, PlaylistsCarryTheTokenOfEachRequest) {
  AddStream("pb_signed", 5.0);
  policies_["pb_signed"] = "signed";
  for (std::string_view token : {testing::kHsValid, testing::kHsNoTyp, testing::kHsValid}) {
    const net::HttpResponse media = Call("GET", WithToken("/hls/pb_signed/src/index.m3u8", token));
    ASSERT_EQ(media.status, 200);
    const std::string_view text = media.body.AsStringView();
    const std::string other(token == testing::kHsValid ? testing::kHsNoTyp : testing::kHsValid);
    EXPECT_NE(text.find(std::string("seg0.m4s?token=") + std::string(token)), std::string::npos);
    EXPECT_EQ(text.find(other), std::string::npos);
  }
}

// Walks the playlists the way a player does: every URI it finds plays with its own query.
TEST_F(PlaybackRoutesTest, PlayerCanFollowSignedPlaylists) {
  AddStream("pb_signed", 7.0);
  policies_["pb_signed"] = "signed";
  const net::HttpResponse master = Call("GET", WithToken("/hls/pb_signed.m3u8", testing::kHsValid));
  ASSERT_EQ(master.status, 200);
  std::vector<std::string> uris;
  auto collect = [&uris](std::string_view text, const std::string& base) {
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(start, end - start);
      if (auto at = line.find("URI=\""); at != std::string_view::npos) {
        line = line.substr(at + 5, line.find('"', at + 5) - at - 5);
        uris.push_back(base + std::string(line));
      } else if (!line.empty() && line[0] != '#') {
        uris.push_back(base + std::string(line));
      }
      start = end + 1;
    }
  };
  collect(master.body.AsStringView(), "/hls/");
  // The audio rendition (EXT-X-MEDIA URI) and the one video variant.
  ASSERT_EQ(uris.size(), 2u);
  const std::vector<std::string> playlists = uris;
  for (const std::string& playlist : playlists) {
    const net::HttpResponse media = Call("GET", playlist);
    ASSERT_EQ(media.status, 200) << playlist;
    uris.clear();
    const std::string dir = playlist.substr(0, playlist.rfind('/') + 1);
    collect(media.body.AsStringView(), dir);
    ASSERT_EQ(uris.size(), 4u) << playlist;  // init + 3 segments
    for (const std::string& uri : uris) EXPECT_EQ(Call("GET", uri).status, 200) << uri;
    // The same URIs without their query are refused.
    for (const std::string& uri : uris) {
      ExpectProblem(Call("GET", uri.substr(0, uri.find('?'))), 403);
    }
  }
}

TEST_F(PlaybackRoutesTest, PublicIdIgnoresToken) {
  auto driver = AddStream("pb_live", 5.0);
  const net::HttpResponse plain = Call("GET", "/hls/pb_live.m3u8");
  for (std::string_view token : {std::string_view("garbage"), testing::kHsValid}) {
    const net::HttpResponse r = Call("GET", WithToken("/hls/pb_live.m3u8", token));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body.AsStringView(), plain.body.AsStringView());
    EXPECT_EQ(HeaderOf(r, "Cache-Control"), "public, max-age=1");
    const net::HttpResponse media = Call("GET", WithToken("/hls/pb_live/src/index.m3u8", token));
    EXPECT_EQ(media.status, 200);
    EXPECT_EQ(media.body.AsStringView().find("token="), std::string::npos);
    const net::HttpResponse segment = Call("GET", WithToken("/hls/pb_live/src/seg0.m4s", token));
    EXPECT_EQ(HeaderOf(segment, "Cache-Control"), "public, max-age=86400, immutable");
  }
}

TEST_F(PlaybackRoutesTest, UnknownPolicyFailsClosed) {
  AddStream("pb_signed", 5.0);
  policies_["pb_signed"] = "Signed";
  ExpectProblem(Call("GET", WithToken("/hls/pb_signed.m3u8", testing::kHsValid)), 403);
  policies_["pb_signed"] = "";
  ExpectProblem(Call("GET", "/hls/pb_signed/src/seg0.m4s"), 403);
}

TEST(PlaybackRoutesWithoutVerifierTest, SignedIdsAreRefused) {
  auto driver = std::make_shared<PackagerDriver>();
  driver->Configure();
  driver->Feed(5.0);
  std::shared_ptr<const package::StreamPackager> packager(driver, &driver->packager());
  net::HttpRouter router;
  RegisterPlaybackRoutes(router, [&](std::string_view id) {
    PlaybackTarget target{true, packager};
    if (id == "pb_signed") target.policy = "signed";
    return target;
  });
  auto call = [&](const std::string& target) {
    net::HttpRequest request;
    request.method = "GET";
    request.target = target;
    EXPECT_TRUE(net::ParseTarget(target, request.path, request.query).ok());
    std::optional<net::HttpResponse> out;
    router.Dispatch(request, [&](net::HttpResponse r) { out = std::move(r); });
    return out.value_or(net::HttpResponse::Status(599));
  };
  const net::HttpResponse r = call(WithToken("/hls/pb_signed.m3u8", testing::kHsValid));
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.AsStringView().find("not configured"), std::string::npos);
  EXPECT_EQ(call("/hls/pb_public.m3u8").status, 200);
}

TEST_F(PlaybackRoutesTest, DashManifestListsTheSameSegmentsAsHls) {
  AddStream("pb_live", 7.0);
  const net::HttpResponse mpd = Call("GET", "/dash/pb_live.mpd");
  ASSERT_EQ(mpd.status, 200);
  EXPECT_EQ(HeaderOf(mpd, "Content-Type"), "application/dash+xml");
  EXPECT_EQ(HeaderOf(mpd, "Cache-Control"), "public, max-age=1");
  EXPECT_EQ(HeaderOf(mpd, "Access-Control-Allow-Origin"), "*");
  const std::string_view text = mpd.body.AsStringView();
  EXPECT_NE(text.find("type=\"dynamic\""), std::string_view::npos) << text;
  EXPECT_NE(text.find("<BaseURL>../hls/pb_live/</BaseURL>"), std::string_view::npos) << text;
  EXPECT_NE(text.find("media=\"src/seg$Number$.m4s\""), std::string_view::npos) << text;
  EXPECT_NE(text.find("media=\"audio/seg$Number$.m4s\""), std::string_view::npos) << text;
  EXPECT_NE(text.find("/dash/time"), std::string_view::npos) << text;
  // What the templates name is what /hls serves.
  EXPECT_EQ(Call("GET", "/hls/pb_live/src/init.mp4").status, 200);
  EXPECT_EQ(Call("GET", "/hls/pb_live/audio/init.mp4").status, 200);
  ExpectProblem(Call("GET", "/dash/pb_unknown.mpd"), 404);
}

TEST_F(PlaybackRoutesTest, SignedDashNeedsATokenAndCarriesItOnEveryUrl) {
  AddStream("pb_signed", 7.0);
  policies_["pb_signed"] = "signed";
  ExpectProblem(Call("GET", "/dash/pb_signed.mpd"), 403);
  const net::HttpResponse mpd = Call("GET", WithToken("/dash/pb_signed.mpd", testing::kHsValid));
  ASSERT_EQ(mpd.status, 200);
  EXPECT_EQ(HeaderOf(mpd, "Cache-Control"), "private, max-age=1");
  const std::string_view text = mpd.body.AsStringView();
  EXPECT_NE(text.find("seg$Number$.m4s?token="), std::string_view::npos) << text;
}

TEST_F(PlaybackRoutesTest, TimeRouteAnswersUtcWithMilliseconds) {
  const net::HttpResponse r = Call("GET", "/dash/time");
  ASSERT_EQ(r.status, 200);
  const std::string_view text = r.body.AsStringView();
  ASSERT_EQ(text.size(), 24u) << text;  // 2026-12-07T06:04:46.123Z
  EXPECT_EQ(text[10], 'T');
  EXPECT_EQ(text[19], '.');
  EXPECT_EQ(text.back(), 'Z');
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-store");
}

}  // namespace
}  // namespace steadycast::deliver
