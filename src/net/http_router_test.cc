#include "net/http_router.h"

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <vector>

namespace steadycast::net {
namespace {

// Each route answers with its own name and the captured params, so a table can check which
// route won and what it captured.
class HttpRouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Route("GET", "/");
    Route("GET", "/healthz");
    Route("GET", "/v1/live-streams");
    Route("POST", "/v1/live-streams");
    Route("GET", "/v1/live-streams/{id}");
    Route("PATCH", "/v1/live-streams/{id}");
    Route("DELETE", "/v1/live-streams/{id}");
    Route("GET", "/v1/live-streams/{id}/health");
    Route("POST", "/v1/live-streams/{id}/{action}");
    Route("POST", "/v1/live-streams/{id}/disable");
    Route("GET", "/hls/{pb}.m3u8");
    Route("GET", "/hls/{pb}/{rest...}");
    Route("GET", "/hls/{pb}/init.mp4");
    Route("GET", "/hls/{pb}/seg_{n}.m4s");
    Route("GET", "/hls/{pb}/{file}");
    Route("GET", "/files/{rest...}");
    Route("HEAD", "/probe");
    Route("GET", "/probe");
  }

  void Route(const std::string& method, const std::string& pattern) {
    router_.Add(method, pattern, [method, pattern](const HttpRequest& request, HttpResponder r) {
      std::string text = method + " " + pattern;
      for (const auto& [name, value] : request.params) text += " " + name + "=" + value;
      r(HttpResponse().Text(text));
    });
  }

  HttpResponse Dispatch(const std::string& method, const std::string& path) {
    HttpRequest request;
    request.method = method;
    request.path = path;
    std::optional<HttpResponse> got;
    int calls = 0;
    router_.Dispatch(std::move(request), [&](HttpResponse response) {
      ++calls;
      got = std::move(response);
    });
    EXPECT_EQ(calls, 1);
    return got.value_or(HttpResponse::Status(-1));
  }

  HttpRouter router_;
};

struct MatchCase {
  const char* method;
  const char* path;
  const char* want;  // "<method> <pattern> params..." or "404"/"405"
};

TEST_F(HttpRouterTest, MatchingTable) {
  const MatchCase cases[] = {
      {"GET", "/", "GET /"},
      {"GET", "/healthz", "GET /healthz"},
      {"GET", "/healthz/", "404"},
      {"GET", "//healthz", "404"},
      {"GET", "/v1/live-streams", "GET /v1/live-streams"},
      {"POST", "/v1/live-streams", "POST /v1/live-streams"},
      {"GET", "/v1/live-streams/ls_1", "GET /v1/live-streams/{id} id=ls_1"},
      {"PATCH", "/v1/live-streams/ls_1", "PATCH /v1/live-streams/{id} id=ls_1"},
      {"GET", "/v1/live-streams/ls_1/health", "GET /v1/live-streams/{id}/health id=ls_1"},
      {"POST", "/v1/live-streams/ls_1/disable", "POST /v1/live-streams/{id}/disable id=ls_1"},
      {"POST", "/v1/live-streams/ls_1/enable",
       "POST /v1/live-streams/{id}/{action} action=enable id=ls_1"},
      {"GET", "/v1/live-streams/", "404"},
      {"GET", "/v1/live-streams/..", "404"},
      {"GET", "/v1/live-streams/./health", "404"},
      {"GET", "/v1/live-streams/a/b/c", "404"},
      {"GET", "/hls/pb_1.m3u8", "GET /hls/{pb}.m3u8 pb=pb_1"},
      {"GET", "/hls/.m3u8", "404"},
      {"GET", "/hls/pb_1/init.mp4", "GET /hls/{pb}/init.mp4 pb=pb_1"},
      {"GET", "/hls/pb_1/seg_42.m4s", "GET /hls/{pb}/seg_{n}.m4s n=42 pb=pb_1"},
      {"GET", "/hls/pb_1/seg_.m4s", "GET /hls/{pb}/{file} file=seg_.m4s pb=pb_1"},
      {"GET", "/hls/pb_1/720p.m3u8", "GET /hls/{pb}/{file} file=720p.m3u8 pb=pb_1"},
      {"GET", "/hls/pb_1/720p/7.m4s", "GET /hls/{pb}/{rest...} pb=pb_1 rest=720p/7.m4s"},
      {"GET", "/hls/pb_1/a/../b", "404"},
      {"GET", "/hls/pb_1/a//b", "404"},
      {"GET", "/hls/pb_1/a/./b", "404"},
      {"GET", "/hls/pb_1/", "404"},
      {"GET", "/files/a", "GET /files/{rest...} rest=a"},
      {"GET", "/files/a/b/c.txt", "GET /files/{rest...} rest=a/b/c.txt"},
      {"GET", "/files/..", "404"},
      {"GET", "/files/a/..", "404"},
      {"GET", "/files", "404"},
      {"GET", "/files/", "404"},
      {"GET", "/nope", "404"},
      {"GET", "", "404"},
      {"GET", "relative", "404"},
      {"HEAD", "/healthz", "GET /healthz"},
      {"HEAD", "/probe", "HEAD /probe"},
      {"DELETE", "/healthz", "405"},
      {"PUT", "/v1/live-streams/ls_1", "405"},
  };
  for (const MatchCase& c : cases) {
    SCOPED_TRACE(std::string(c.method) + " " + c.path);
    const HttpResponse response = Dispatch(c.method, c.path);
    const std::string want = c.want;
    if (want == "404" || want == "405") {
      EXPECT_EQ(response.status, std::stoi(want));
    } else {
      EXPECT_EQ(response.status, 200);
      EXPECT_EQ(response.body.AsStringView(), want);
    }
  }
}

TEST_F(HttpRouterTest, NotFoundIsProblemJson) {
  const HttpResponse response = Dispatch("GET", "/missing");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.headers.at(0).second, "application/problem+json");
  EXPECT_EQ(response.body.AsStringView(),
            R"({"type":"about:blank","title":"Not Found","status":404,)"
            R"("detail":"no such resource"})");
}

TEST_F(HttpRouterTest, MethodNotAllowedListsAllow) {
  HttpResponse response = Dispatch("PUT", "/v1/live-streams/ls_1");
  EXPECT_EQ(response.status, 405);
  std::string allow;
  for (const auto& [name, value] : response.headers) {
    if (name == "Allow") allow = value;
  }
  EXPECT_EQ(allow, "DELETE, GET, HEAD, PATCH");
  EXPECT_NE(response.body.AsStringView().find(R"("title":"Method Not Allowed")"),
            std::string_view::npos);

  response = Dispatch("GET", "/v1/live-streams/ls_1/enable");
  EXPECT_EQ(response.status, 405);
  EXPECT_TRUE(response.HasHeader("allow"));
}

// Fuzz regression (http_target_fuzz, crashes/rest_with_dotdot_dangling_view): checking a
// {rest...} value once read through a view of a destroyed temporary string (ASan:
// stack-use-after-scope).
TEST(HttpRouterRegressionTest, RestWithDotDotDanglingView) {
  HttpRouter router;
  router.Add("GET", "/hls/{pb}/{rest...}",
             [](const HttpRequest&, HttpResponder r) { r(HttpResponse::Status(200)); });
  for (const char* path : {"/hls/pb_1/a/../b", "/hls/pb_1/a/b/..", "/hls/pb_1/./a"}) {
    HttpRequest request;
    request.method = "GET";
    request.path = path;
    int status = 0;
    router.Dispatch(request, [&](HttpResponse r) { status = r.status; });
    EXPECT_EQ(status, 404) << path;
  }
}

TEST(HttpRouterExceptionTest, HandlerExceptionsBecome500) {
  HttpRouter router;
  router.Add("GET", "/throw", [](const HttpRequest&, HttpResponder) {
    throw std::runtime_error("json type error");
  });
  router.Add("GET", "/throw-int", [](const HttpRequest&, HttpResponder) { throw 42; });
  for (const char* path : {"/throw", "/throw-int"}) {
    HttpRequest request;
    request.method = "GET";
    request.path = path;
    std::optional<HttpResponse> got;
    router.Dispatch(std::move(request), [&](HttpResponse r) { got = std::move(r); });
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->status, 500);
    EXPECT_TRUE(got->HasHeader("content-type"));
    EXPECT_NE(got->body.AsStringView().find("Internal Server Error"), std::string_view::npos);
  }
}

TEST(HttpRouterPatternTest, RejectsMalformedPatterns) {
  HttpRouter router;
  const HttpHandler noop = [](const HttpRequest&, HttpResponder) {};
  for (const char* bad : {"", "relative", "/{", "/}", "/{}", "/{a}{b}", "/a}{b", "/{rest...}/x",
                          "/x{rest...}", "/{...}", "/{a{b}}"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(router.Add("GET", bad, noop), std::invalid_argument);
  }
  EXPECT_NO_THROW(router.Add("GET", "/pre_{id}_post/{rest...}", noop));
}

TEST(HttpRouterPatternTest, AffixCaptureWithPrefixAndSuffix) {
  HttpRouter router;
  router.Add("GET", "/x/part_{n}.m4s", [](const HttpRequest& request, HttpResponder r) {
    r(HttpResponse().Text(std::string(request.Param("n"))));
  });
  HttpRequest request;
  request.method = "GET";
  request.path = "/x/part_7.m4s";
  std::string got;
  router.Dispatch(request, [&](HttpResponse r) { got = r.body.AsStringView(); });
  EXPECT_EQ(got, "7");
  request.path = "/x/part_.m4s";
  int status = 0;
  router.Dispatch(request, [&](HttpResponse r) { status = r.status; });
  EXPECT_EQ(status, 404);
}

TEST(HttpRouterPatternTest, RoutesListsRegistrationsInOrder) {
  HttpRouter router;
  EXPECT_TRUE(router.Routes().empty());
  const HttpHandler noop = [](const HttpRequest&, HttpResponder) {};
  router.Add("GET", "/hls/{pb}/{rest...}", noop);
  router.Add("POST", "/v1/live-streams", noop);
  router.Add("GET", "/v1/live-streams", noop);
  EXPECT_THROW(router.Add("GET", "/{", noop), std::invalid_argument);  // not listed
  const std::vector<HttpRouter::RouteInfo> want = {
      {"GET", "/hls/{pb}/{rest...}"}, {"POST", "/v1/live-streams"}, {"GET", "/v1/live-streams"}};
  EXPECT_EQ(router.Routes(), want);
}

}  // namespace
}  // namespace steadycast::net
