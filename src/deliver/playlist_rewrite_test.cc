#include "deliver/playlist_rewrite.h"

#include <gtest/gtest.h>

#include <string>

namespace steadycast::deliver {
namespace {

TEST(PlaylistRewriteTest, PercentEncodesAllButUnreserved) {
  EXPECT_EQ(PercentEncodeQueryValue("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(PercentEncodeQueryValue("a b&c=d/e?f#g+h%"), "a%20b%26c%3Dd%2Fe%3Ff%23g%2Bh%25");
  EXPECT_EQ(PercentEncodeQueryValue(std::string("\x00\xff", 2)), "%00%FF");
}

TEST(PlaylistRewriteTest, MasterPlaylistVariants) {
  const std::string master =
      "#EXTM3U\n"
      "#EXT-X-VERSION:7\n"
      "#EXT-X-INDEPENDENT-SEGMENTS\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=27808,CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=640x360\n"
      "pb_abc/src/index.m3u8\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=9000,CODECS=\"mp4a.40.2\"\n"
      "pb_abc/audio/index.m3u8\n";
  EXPECT_EQ(
      AddQueryToPlaylistUris(master, "token", "a.b-c_d"),
      "#EXTM3U\n"
      "#EXT-X-VERSION:7\n"
      "#EXT-X-INDEPENDENT-SEGMENTS\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=27808,CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=640x360\n"
      "pb_abc/src/index.m3u8?token=a.b-c_d\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=9000,CODECS=\"mp4a.40.2\"\n"
      "pb_abc/audio/index.m3u8?token=a.b-c_d\n");
}

TEST(PlaylistRewriteTest, MediaPlaylistMapAndSegments) {
  const std::string media =
      "#EXTM3U\n"
      "#EXT-X-TARGETDURATION:2\n"
      "#EXT-X-MAP:URI=\"init.mp4\"\n"
      "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.000Z\n"
      "#EXTINF:2.000,\n"
      "seg0.m4s\n"
      "#EXT-X-DISCONTINUITY\n"
      "#EXT-X-MAP:URI=\"init1.mp4\"\n"
      "#EXTINF:2.000,\n"
      "seg1.m4s\n"
      "#EXT-X-ENDLIST\n";
  EXPECT_EQ(AddQueryToPlaylistUris(media, "token", "t/k"),
            "#EXTM3U\n"
            "#EXT-X-TARGETDURATION:2\n"
            "#EXT-X-MAP:URI=\"init.mp4?token=t%2Fk\"\n"
            "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.000Z\n"
            "#EXTINF:2.000,\n"
            "seg0.m4s?token=t%2Fk\n"
            "#EXT-X-DISCONTINUITY\n"
            "#EXT-X-MAP:URI=\"init1.mp4?token=t%2Fk\"\n"
            "#EXTINF:2.000,\n"
            "seg1.m4s?token=t%2Fk\n"
            "#EXT-X-ENDLIST\n");
}

TEST(PlaylistRewriteTest, LowLatencyAndRenditionTags) {
  EXPECT_EQ(AddQueryToPlaylistUris(
                "#EXT-X-PART:DURATION=0.5,URI=\"seg3.0.m4s\",INDEPENDENT=YES\n"
                "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"seg3.1.m4s\"\n"
                "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"x,URI=\",URI=\"a/index.m3u8\"\n"
                "#EXT-X-RENDITION-REPORT:URI=\"../hd/index.m3u8\",LAST-MSN=7\n",
                "token", "T"),
            "#EXT-X-PART:DURATION=0.5,URI=\"seg3.0.m4s?token=T\",INDEPENDENT=YES\n"
            "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"seg3.1.m4s?token=T\"\n"
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"x,URI=\",URI=\"a/index.m3u8?token=T\"\n"
            "#EXT-X-RENDITION-REPORT:URI=\"../hd/index.m3u8?token=T\",LAST-MSN=7\n");
}

TEST(PlaylistRewriteTest, ExistingQueryAndFragment) {
  EXPECT_EQ(AddQueryToPlaylistUris("seg1.m4s?x=1\nseg2.m4s#t=3\nseg3.m4s?a#b\n", "token", "T"),
            "seg1.m4s?x=1&token=T\nseg2.m4s?token=T#t=3\nseg3.m4s?a&token=T#b\n");
}

TEST(PlaylistRewriteTest, NeverSendsTheTokenToAnotherOrigin) {
  const std::string text =
      "https://cdn.example/seg1.m4s\n"
      "//cdn.example/seg2.m4s\n"
      "#EXT-X-KEY:METHOD=AES-128,URI=\"skd://key\"\n"
      "/hls/pb/src/seg3.m4s\n"
      "a/b:c.m4s\n";
  EXPECT_EQ(AddQueryToPlaylistUris(text, "token", "T"),
            "https://cdn.example/seg1.m4s\n"
            "//cdn.example/seg2.m4s\n"
            "#EXT-X-KEY:METHOD=AES-128,URI=\"skd://key\"\n"
            "/hls/pb/src/seg3.m4s?token=T\n"
            "a/b:c.m4s?token=T\n");
}

TEST(PlaylistRewriteTest, KeepsCommentsBlankLinesAndLineEndings) {
  EXPECT_EQ(AddQueryToPlaylistUris(
                "#EXTM3U\r\n# a comment URI=\"x\"\r\n\r\n  \nseg0.m4s\r\nseg1.m4s", "token", "T"),
            "#EXTM3U\r\n# a comment URI=\"x\"\r\n\r\n  \nseg0.m4s?token=T\r\nseg1.m4s?token=T");
  EXPECT_EQ(AddQueryToPlaylistUris("", "token", "T"), "");
  EXPECT_EQ(AddQueryToPlaylistUris("\n\n", "token", "T"), "\n\n");
  // An unterminated quoted URI is left as it is.
  EXPECT_EQ(AddQueryToPlaylistUris("#EXT-X-MAP:URI=\"init.mp4\n", "token", "T"),
            "#EXT-X-MAP:URI=\"init.mp4\n");
}

}  // namespace
}  // namespace steadycast::deliver
