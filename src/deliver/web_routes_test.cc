#include "deliver/web_routes.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "deliver/web_assets.h"

namespace steadycast::deliver {
namespace {

std::optional<std::string> HeaderOf(const net::HttpResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

net::HttpResponse Call(const net::HttpRouter& router, const std::string& path,
                       std::map<std::string, std::string> headers = {}) {
  net::HttpRequest request;
  request.method = "GET";
  request.path = path;
  request.target = path;
  request.headers = std::move(headers);
  std::optional<net::HttpResponse> out;
  router.Dispatch(request, [&](net::HttpResponse r) { out = std::move(r); });
  EXPECT_TRUE(out.has_value()) << path;
  return out.value_or(net::HttpResponse::Status(599));
}

std::string_view EmbeddedBytesOf(std::string_view url) {
  for (const EmbeddedWebAsset& asset : EmbeddedWebAssets()) {
    if (url == asset.url) return asset.bytes.View();
  }
  return {};
}

TEST(WebRoutesTest, EmbedsThePlayerTheDashboardAndTheLibraries) {
  for (const char* url : {"/app/index.html", "/player/play.html", "/player/steadycast-player.js",
                          "/vendor/hls.mjs", "/vendor/uPlot.esm.js", "/vendor/uPlot.min.css"}) {
    EXPECT_FALSE(EmbeddedBytesOf(url).empty()) << url;
  }
}

TEST(WebRoutesTest, ServesPagesWithTypesPoliciesAndValidators) {
  net::HttpRouter router;
  RegisterWebRoutes(router, {});
  const net::HttpResponse index = Call(router, "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body.AsStringView(), EmbeddedBytesOf("/app/index.html"));
  EXPECT_EQ(HeaderOf(index, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(HeaderOf(index, "Cache-Control"), "no-cache");
  EXPECT_EQ(HeaderOf(index, "X-Frame-Options"), "DENY");
  EXPECT_NE(HeaderOf(index, "Content-Security-Policy")->find("frame-ancestors 'none'"),
            std::string::npos);

  const net::HttpResponse play = Call(router, "/play/pb_abc");
  EXPECT_EQ(play.status, 200);
  EXPECT_EQ(play.body.AsStringView(), EmbeddedBytesOf("/player/play.html"));
  EXPECT_FALSE(HeaderOf(play, "X-Frame-Options").has_value());  // embeddable
  EXPECT_NE(HeaderOf(play, "Content-Security-Policy")->find("frame-ancestors *"),
            std::string::npos);

  const net::HttpResponse module = Call(router, "/player/steadycast-player.js");
  EXPECT_EQ(module.status, 200);
  EXPECT_EQ(HeaderOf(module, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(HeaderOf(module, "Access-Control-Allow-Origin"), "*");

  const std::string etag = *HeaderOf(module, "ETag");
  const net::HttpResponse again =
      Call(router, "/player/steadycast-player.js", {{"if-none-match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());

  EXPECT_EQ(Call(router, "/app/nope.js").status, 404);
  EXPECT_EQ(Call(router, "/vendor/nope.js").status, 404);
}

TEST(WebRoutesTest, GzipOnlyWhenAccepted) {
  net::HttpRouter router;
  RegisterWebRoutes(router, {});
  const net::HttpResponse plain = Call(router, "/vendor/hls.mjs");
  EXPECT_FALSE(HeaderOf(plain, "Content-Encoding").has_value());
  EXPECT_EQ(plain.body.AsStringView(), EmbeddedBytesOf("/vendor/hls.mjs"));
  const net::HttpResponse zipped =
      Call(router, "/vendor/hls.mjs", {{"accept-encoding", "br, gzip, deflate"}});
  EXPECT_EQ(HeaderOf(zipped, "Content-Encoding"), "gzip");
  ASSERT_GE(zipped.body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(zipped.body.AsStringView()[0]), 0x1f);
  EXPECT_LT(zipped.body.size() * 3, plain.body.size());
  const net::HttpResponse refused =
      Call(router, "/vendor/hls.mjs", {{"accept-encoding", "gzip;q=0"}});
  EXPECT_FALSE(HeaderOf(refused, "Content-Encoding").has_value());
}

TEST(WebRoutesTest, WebDirServesEditsFromDisk) {
  const auto root = std::filesystem::temp_directory_path() / "steadycast-web-routes-test";
  std::filesystem::create_directories(root / "web" / "player");
  std::ofstream(root / "web" / "player" / "play.html") << "<p>edited</p>";
  net::HttpRouter router;
  RegisterWebRoutes(router, {.web_dir = root.string()});
  const net::HttpResponse play = Call(router, "/play/pb_x");
  EXPECT_EQ(play.status, 200);
  EXPECT_EQ(play.body.AsStringView(), "<p>edited</p>");
  EXPECT_EQ(Call(router, "/app/index.html").status, 404);
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace steadycast::deliver
