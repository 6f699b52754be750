// End to end with real tools: ffmpeg encodes 7 s of H.264 + AAC, the packager turns them into
// an HLS rendition on disk (playlist, init, segments) and ffmpeg must play the playlist with
// zero errors while ffprobe sees every frame. Skipped when ffmpeg/ffprobe are absent.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "base/clock.h"
#include "formats/fmp4/real_media_test_util.h"
#include "package/stream_packager.h"

namespace steadycast::package {
namespace {

namespace fs = std::filesystem;
namespace ft = formats::fmp4::testing;

void WriteResource(const StreamPackager& packager, const fs::path& dir, const std::string& name) {
  auto resource = packager.Lookup("src/" + name);
  ASSERT_TRUE(resource.has_value()) << name;
  std::ofstream(dir / name, std::ios::binary)
      .write(reinterpret_cast<const char*>(resource->body.data()),
             static_cast<std::streamsize>(resource->body.size()));
}

TEST(PackageFfmpegTest, FfmpegPlaysThePlaylistWithoutErrors) {
  if (!ft::HaveTool("ffmpeg") || !ft::HaveTool("ffprobe")) GTEST_SKIP() << "no ffmpeg/ffprobe";
  const fs::path dir = fs::temp_directory_path() / ("package_ffmpeg_" + std::to_string(getpid()));
  fs::create_directories(dir);
  ft::RealMedia real;
  ASSERT_TRUE(ft::EncodeRealMedia(dir, 7, real));

  base::FakeClock clock;
  PackagerOptions options;
  options.playlist_segments = 10;
  StreamPackager packager(options, clock);
  packager.OnVideoConfig(real.video_config);
  packager.OnAudioConfig(real.audio_config);
  size_t a = 0;
  for (const media::AccessUnit& v : real.video.units) {
    while (a < real.audio.size() && real.audio[a].dts <= v.dts)
      packager.OnAccessUnit(real.audio[a++]);
    packager.OnAccessUnit(v);
  }
  while (a < real.audio.size()) packager.OnAccessUnit(real.audio[a++]);
  packager.OnEndOfStream();

  WriteResource(packager, dir, "index.m3u8");
  WriteResource(packager, dir, "init.mp4");
  const auto stats = packager.Stats();
  ASSERT_EQ(stats.segments, 4u);  // 2 + 2 + 2 + 1 s
  for (uint64_t n = 0; n < stats.segments; ++n)
    WriteResource(packager, dir, "seg" + std::to_string(n) + ".m4s");

  const std::string playlist = (dir / "index.m3u8").string();
  const std::string decode =
      "ffmpeg -v error -i " + playlist + " -f null - 2>" + (dir / "decode.err").string();
  EXPECT_EQ(std::system(decode.c_str()), 0);
  EXPECT_EQ(ft::ReadTextFile((dir / "decode.err").string()), "");
  const std::string probe = "ffprobe -v error -show_entries frame=media_type -of csv=p=0 " +
                            playlist + " >" + (dir / "frames.txt").string() + " 2>" +
                            (dir / "probe.err").string();
  EXPECT_EQ(std::system(probe.c_str()), 0);
  EXPECT_EQ(ft::ReadTextFile((dir / "probe.err").string()), "");
  const std::string frames = ft::ReadTextFile((dir / "frames.txt").string());
  size_t video_frames = 0;
  for (size_t pos = 0; (pos = frames.find("video", pos)) != std::string::npos; ++pos)
    ++video_frames;
  EXPECT_EQ(video_frames, 210u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace steadycast::package
