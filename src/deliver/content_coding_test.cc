#include "deliver/content_coding.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <optional>
#include <string>
#include <vector>

namespace steadycast::deliver {
namespace {

// Inflates a whole gzip member (zlib with gzip-only window bits); nullopt when it is not one.
std::optional<std::string> Gunzip(std::string_view gz) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) return std::nullopt;
  std::string out;
  std::vector<char> chunk(4096);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  stream.avail_in = static_cast<uInt>(gz.size());
  int ret = Z_OK;
  while (ret == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk.data());
    stream.avail_out = static_cast<uInt>(chunk.size());
    ret = inflate(&stream, Z_NO_FLUSH);
    out.append(chunk.data(), chunk.size() - stream.avail_out);
  }
  const bool whole = ret == Z_STREAM_END && stream.avail_in == 0;
  inflateEnd(&stream);
  if (!whole) return std::nullopt;
  return out;
}

std::optional<std::string> HeaderOf(const net::HttpResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::string SamplePlaylist() {
  std::string text = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n";
  for (int i = 0; i < 40; ++i)
    text += "#EXTINF:2.00000,\nseg" + std::to_string(1000 + i) + ".m4s\n";
  return text;
}

TEST(ContentCodingTest, AcceptsGzipPerRfc9110) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("gzip, deflate, br"));
  EXPECT_TRUE(AcceptsGzip("br;q=1.0, GZip;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("x-gzip"));
  EXPECT_TRUE(AcceptsGzip(" deflate , gzip ; q=0.001"));
  EXPECT_TRUE(AcceptsGzip("gzip;q=1"));
  EXPECT_TRUE(AcceptsGzip("gzip;q=1.000"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_TRUE(AcceptsGzip("identity, *;q=0.1"));
}

TEST(ContentCodingTest, RefusesZeroWeightsIdentityAndJunk) {
  EXPECT_FALSE(AcceptsGzip(""));  // no header: identity
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("deflate, br"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0.0"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0.000"));
  EXPECT_FALSE(AcceptsGzip("gzip; Q=0"));
  EXPECT_FALSE(AcceptsGzip("*, gzip;q=0"));  // the explicit refusal wins over "*"
  EXPECT_FALSE(AcceptsGzip("*;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzipx, xgzip"));  // not the token
  EXPECT_FALSE(AcceptsGzip("gzip;q=2"));      // malformed weights are not a yes
  EXPECT_FALSE(AcceptsGzip("gzip;q=0.0001"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=abc"));
}

TEST(ContentCodingTest, GzipRoundTripsThroughInflate) {
  for (const std::string& text : {std::string(), std::string("#EXTM3U\n"), SamplePlaylist()}) {
    auto gz = GzipCompress(text, kPlaylistGzipLevel);
    ASSERT_TRUE(gz.ok());
    ASSERT_GE(gz->size(), 10u);
    EXPECT_EQ(static_cast<unsigned char>(gz->AsStringView()[0]), 0x1f);
    EXPECT_EQ(static_cast<unsigned char>(gz->AsStringView()[1]), 0x8b);
    EXPECT_EQ(Gunzip(gz->AsStringView()), text);
  }
  auto gz = GzipCompress(SamplePlaylist(), kPlaylistGzipLevel);
  ASSERT_TRUE(gz.ok());
  EXPECT_LT(gz->size() * 4, SamplePlaylist().size());
}

TEST(ContentCodingTest, PlaylistAnswerIsCompressedOnlyWhenAccepted) {
  const std::string text = SamplePlaylist();
  net::HttpResponse plain;
  plain.Text(text, "application/vnd.apple.mpegurl");
  net::HttpResponse zipped = plain;
  GzipPlaylistAnswer(plain, "gzip;q=0, deflate");
  GzipPlaylistAnswer(zipped, "gzip");
  EXPECT_EQ(plain.body.AsStringView(), text);
  EXPECT_FALSE(HeaderOf(plain, "Content-Encoding"));
  EXPECT_EQ(HeaderOf(plain, "Vary"), "Accept-Encoding");
  EXPECT_EQ(HeaderOf(zipped, "Content-Encoding"), "gzip");
  EXPECT_EQ(HeaderOf(zipped, "Vary"), "Accept-Encoding");
  EXPECT_EQ(Gunzip(zipped.body.AsStringView()), text);
  // The same snapshot again: the same compressed bytes (from the cache).
  net::HttpResponse again;
  again.Text(text, "application/vnd.apple.mpegurl");
  GzipPlaylistAnswer(again, "gzip");
  EXPECT_EQ(again.body.AsStringView(), zipped.body.AsStringView());
}

TEST(ContentCodingTest, MpdIsCompressedErrorsAndMediaAreNot) {
  net::HttpResponse mpd;
  mpd.Text("<?xml version=\"1.0\"?><MPD/>", "application/dash+xml");
  GzipPlaylistAnswer(mpd, "gzip");
  EXPECT_EQ(HeaderOf(mpd, "Content-Encoding"), "gzip");
  EXPECT_EQ(Gunzip(mpd.body.AsStringView()), "<?xml version=\"1.0\"?><MPD/>");

  net::HttpResponse problem = net::ProblemResponse(412, "no segment yet");
  const std::string body(problem.body.AsStringView());
  GzipPlaylistAnswer(problem, "gzip");
  EXPECT_FALSE(HeaderOf(problem, "Content-Encoding"));
  EXPECT_EQ(HeaderOf(problem, "Vary"), "Accept-Encoding");
  EXPECT_EQ(problem.body.AsStringView(), body);

  net::HttpResponse segment;
  segment.Body(base::Buffer::FromString("moof"), "video/iso.segment");
  GzipPlaylistAnswer(segment, "gzip");
  EXPECT_FALSE(HeaderOf(segment, "Content-Encoding"));
  EXPECT_EQ(segment.body.AsStringView(), "moof");
}

TEST(ContentCodingTest, WrappedResponderCompressesLaterAnswers) {
  net::HttpRequest request;
  request.headers["accept-encoding"] = "gzip";
  std::optional<net::HttpResponse> sent;
  net::HttpResponder respond =
      GzipPlaylistAnswers(request, [&](net::HttpResponse r) { sent = std::move(r); });
  request.headers.clear();  // the wrapper keeps its own copy of the header
  net::HttpResponse response;
  response.Text(SamplePlaylist(), "application/vnd.apple.mpegurl");
  respond(std::move(response));
  ASSERT_TRUE(sent);
  EXPECT_EQ(HeaderOf(*sent, "Content-Encoding"), "gzip");
  EXPECT_EQ(Gunzip(sent->body.AsStringView()), SamplePlaylist());
}

}  // namespace
}  // namespace steadycast::deliver
