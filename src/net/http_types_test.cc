#include "net/http_types.h"

#include <gtest/gtest.h>

namespace steadycast::net {
namespace {

TEST(PercentDecodeTest, DecodesEscapes) {
  EXPECT_EQ(*PercentDecode("a%20b%2Fc%7e"), "a b/c~");
  EXPECT_EQ(*PercentDecode("a+b"), "a+b");
  EXPECT_EQ(*PercentDecode("a+b", true), "a b");
  EXPECT_EQ(*PercentDecode(""), "");
  EXPECT_EQ(*PercentDecode("%C3%A9"), "\xC3\xA9");
}

TEST(PercentDecodeTest, RejectsMalformedEscapesAndNul) {
  EXPECT_FALSE(PercentDecode("%").ok());
  EXPECT_FALSE(PercentDecode("%4").ok());
  EXPECT_FALSE(PercentDecode("abc%4").ok());
  EXPECT_FALSE(PercentDecode("%zz").ok());
  EXPECT_FALSE(PercentDecode("%g0").ok());
  EXPECT_FALSE(PercentDecode("%00").ok());
  EXPECT_FALSE(PercentDecode(std::string_view("a\0b", 3)).ok());
  EXPECT_EQ(PercentDecode("%zz").status().code(), base::ErrorCode::kInvalidArgument);
}

TEST(ParseTargetTest, SplitsPathAndQuery) {
  std::string path;
  std::map<std::string, std::string> query;
  ASSERT_TRUE(ParseTarget("/v1/live-streams?limit=5&cursor=a%2Bb&x&y=&limit=7", path, query).ok());
  EXPECT_EQ(path, "/v1/live-streams");
  const std::map<std::string, std::string> want = {
      {"limit", "7"}, {"cursor", "a+b"}, {"x", ""}, {"y", ""}};
  EXPECT_EQ(query, want);
}

TEST(ParseTargetTest, DecodesPathAndPlusInQuery) {
  std::string path;
  std::map<std::string, std::string> query;
  ASSERT_TRUE(ParseTarget("/a%20b/c+d?q=x+y&&%41=%42", path, query).ok());
  EXPECT_EQ(path, "/a b/c+d");
  EXPECT_EQ(query.at("q"), "x y");
  EXPECT_EQ(query.at("A"), "B");
  ASSERT_TRUE(ParseTarget("/", path, query).ok());
  EXPECT_EQ(path, "/");
  EXPECT_TRUE(query.empty());
}

TEST(ParseTargetTest, AcceptsAbsoluteForm) {
  std::string path;
  std::map<std::string, std::string> query;
  ASSERT_TRUE(ParseTarget("http://example.com:8080/hls/x.m3u8?token=t", path, query).ok());
  EXPECT_EQ(path, "/hls/x.m3u8");
  EXPECT_EQ(query.at("token"), "t");
  ASSERT_TRUE(ParseTarget("HTTPS://example.com", path, query).ok());
  EXPECT_EQ(path, "/");
}

TEST(ParseTargetTest, RejectsMalformedTargets) {
  std::string path;
  std::map<std::string, std::string> query;
  EXPECT_FALSE(ParseTarget("", path, query).ok());
  EXPECT_FALSE(ParseTarget("*", path, query).ok());
  EXPECT_FALSE(ParseTarget("example.com:443", path, query).ok());
  EXPECT_FALSE(ParseTarget("/a%zz", path, query).ok());
  EXPECT_FALSE(ParseTarget("/a?x=%", path, query).ok());
  EXPECT_FALSE(ParseTarget("/a?%00=1", path, query).ok());
  EXPECT_FALSE(ParseTarget("/a%00b", path, query).ok());
  EXPECT_FALSE(ParseTarget(std::string_view("/a\0b", 4), path, query).ok());
  EXPECT_FALSE(ParseTarget("/a b", path, query).ok());
  EXPECT_FALSE(ParseTarget("/a\r\nb", path, query).ok());
}

TEST(HttpRequestTest, Lookups) {
  HttpRequest request;
  request.headers["content-type"] = "application/json";
  request.query["limit"] = "5";
  request.params["id"] = "ls_1";
  EXPECT_EQ(request.Header("content-type"), "application/json");
  EXPECT_EQ(request.Header("accept"), "");
  EXPECT_EQ(request.Query("limit"), "5");
  EXPECT_EQ(request.Query("cursor"), "");
  EXPECT_EQ(request.Param("id"), "ls_1");
  EXPECT_EQ(request.Param("pb"), "");
}

TEST(HttpResponseTest, BodyTextAndHeaders) {
  HttpResponse response = HttpResponse::Status(201);
  response.Header("content-type", "x/old").Header("ETag", "\"1\"");
  response.Text("{}", "application/json");
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.body.AsStringView(), "{}");
  ASSERT_EQ(response.headers.size(), 2u);
  EXPECT_EQ(response.headers[0].second, "application/json");  // replaced, not duplicated
  EXPECT_TRUE(response.HasHeader("Content-Type"));
  EXPECT_TRUE(response.HasHeader("etag"));
  EXPECT_FALSE(response.HasHeader("content-length"));

  HttpResponse text;
  text.Text("hello");
  EXPECT_EQ(text.headers.at(0).first, "Content-Type");
  EXPECT_EQ(text.headers.at(0).second, "text/plain; charset=utf-8");

  const base::Buffer segment = base::Buffer::FromString("segment-bytes");
  HttpResponse media;
  media.Body(segment, "video/mp4");
  EXPECT_EQ(media.body.data(), segment.data());  // shared, not copied
}

TEST(ProblemResponseTest, RendersRfc9457Json) {
  const HttpResponse problem = ProblemResponse(404, "no \"such\" thing\n");
  EXPECT_EQ(problem.status, 404);
  EXPECT_EQ(problem.body.AsStringView(),
            R"({"type":"about:blank","title":"Not Found","status":404,)"
            R"("detail":"no \"such\" thing\n"})");
  ASSERT_EQ(problem.headers.size(), 1u);
  EXPECT_EQ(problem.headers[0].second, "application/problem+json");
  EXPECT_EQ(StatusReason(413), "Content Too Large");
  EXPECT_EQ(StatusReason(799), "Unknown");
}

TEST(JsonEscapeTest, EscapesControlCharacters) {
  std::string out;
  AppendJsonEscaped(out, std::string_view("a\x01\\b\t", 5));
  EXPECT_EQ(out, "a\\u0001\\\\b\\t");
}

}  // namespace
}  // namespace steadycast::net
