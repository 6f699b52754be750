#include "deliver/playlist_rewrite.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "package/playlist.h"

namespace steadycast::deliver {
namespace {

// Every URI line and every URI="..." attribute of `out` ends with the token, and taking the
// token out again gives `in` back (nothing else was touched).
void ExpectEveryUriCarriesTheToken(const std::string& in, const std::string& out) {
  int uris = 0;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] != '#') {
      EXPECT_TRUE(line.ends_with("token=T")) << line;
      ++uris;
    }
    for (size_t at = line.find("URI=\""); at != std::string::npos;
         at = line.find("URI=\"", at + 1)) {
      const size_t close = line.find('"', at + 5);
      ASSERT_NE(close, std::string::npos) << line;
      EXPECT_TRUE(std::string_view(line).substr(0, close).ends_with("token=T")) << line;
      ++uris;
    }
  }
  EXPECT_GT(uris, 0);
  std::string stripped = out;
  for (const char* param : {"?token=T", "&token=T"}) {
    for (size_t at = stripped.find(param); at != std::string::npos; at = stripped.find(param)) {
      stripped.erase(at, 8);
    }
  }
  EXPECT_EQ(stripped, in);
}

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

// A low-latency playlist as package/ renders it: parts of complete segments and of the one in
// progress, a new init after a discontinuity, both preload hints, rendition reports.
TEST(PlaylistRewriteTest, RenderedLowLatencyPlaylist) {
  package::MediaPlaylistModel model;
  model.target_duration_s = 2;
  package::PlaylistSegment first{7, 2000, 1'700'000'000'000, false, 0};
  first.parts = {{0, 1'000'000, true, false}, {1, 1'000'000, false, false}};
  package::PlaylistSegment second{8, 1000, 1'700'000'002'000, true, 1};
  second.parts = {{0, 500'000, true, false}, {1, 500'000, false, true}};
  package::PlaylistSegment in_progress{9, 0, 1'700'000'003'000, true, 2};
  in_progress.complete = false;  // no part yet: the hints name its init and part 0
  model.segments = {first, second, in_progress};
  package::LowLatency ll;
  ll.preload_hint = package::PlaylistPart{0};
  ll.hint_sequence = 9;
  ll.rendition_reports = {{"../480p/index.m3u8", 9, 0}, {"../audio/index.m3u8?x=1", 8, 3}};
  model.low_latency = ll;
  const std::string in = package::RenderMediaPlaylist(model);
  const std::string out = AddQueryToPlaylistUris(in, "token", "T");
  ExpectEveryUriCarriesTheToken(in, out);
  for (const char* expected : {
           "#EXT-X-MAP:URI=\"init1.mp4?token=T\"\n",
           "#EXT-X-PART:DURATION=0.5,URI=\"part8.1.m4s?token=T\",GAP=YES\n",
           "#EXTINF:1.000,\nseg8.m4s?token=T\n",
           "#EXT-X-PRELOAD-HINT:TYPE=MAP,URI=\"init2.mp4?token=T\"\n",
           "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part9.0.m4s?token=T\"\n",
           "#EXT-X-RENDITION-REPORT:URI=\"../480p/index.m3u8?token=T\",LAST-MSN=9,LAST-PART=0\n",
           "#EXT-X-RENDITION-REPORT:URI=\"../audio/index.m3u8?x=1&token=T\",LAST-MSN=8,"
           "LAST-PART=3\n",
           // Tags without URIs are copied as they are.
           "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=12,PART-HOLD-BACK=1.5\n"
           "#EXT-X-PART-INF:PART-TARGET=0.5\n",
       }) {
    EXPECT_NE(out.find(expected), std::string::npos) << expected << "\n" << out;
  }

  model.low_latency->skip = true;  // a delta update: EXT-X-SKIP carries no URI
  model.low_latency->can_skip_until_us = 500'000;
  const std::string delta = package::RenderMediaPlaylist(model);
  ASSERT_NE(delta.find("#EXT-X-SKIP:SKIPPED-SEGMENTS=1\n"), std::string::npos) << delta;
  ExpectEveryUriCarriesTheToken(delta, AddQueryToPlaylistUris(delta, "token", "T"));
}

TEST(PlaylistRewriteTest, RenderedMasterWithAudioRendition) {
  package::AudioRendition audio;
  audio.uri = "pb_abc/audio/index.m3u8";
  const std::string in = package::RenderMasterPlaylist(
      {{"720p", 3'000'000, 2'500'000, "avc1.64001f,mp4a.40.2", 1280, 720, 30.0},
       {"240p", 600'000, 500'000, "avc1.42c015,mp4a.40.2", 426, 240, std::nullopt}},
      "pb_abc", audio);
  const std::string out = AddQueryToPlaylistUris(in, "token", "T");
  ExpectEveryUriCarriesTheToken(in, out);
  EXPECT_NE(out.find("CHANNELS=\"2\",URI=\"pb_abc/audio/index.m3u8?token=T\"\n"), std::string::npos)
      << out;
  EXPECT_NE(out.find(",AUDIO=\"audio\"\npb_abc/720p/index.m3u8?token=T\n"), std::string::npos)
      << out;
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
