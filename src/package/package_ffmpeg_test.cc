// End to end with real tools: ffmpeg encodes 7 s of H.264 + AAC, the packager turns them into
// an HLS rendition on disk (playlist, init, segments) and ffmpeg must play the playlist with
// zero errors while ffprobe sees every frame. Skipped when ffmpeg/ffprobe are absent.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

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

// Frame pts (seconds) as ffprobe reports them for `input`, in presentation order per decode.
std::vector<double> ProbeVideoPts(const std::string& input, const fs::path& out) {
  const std::string probe =
      "ffprobe -v error -select_streams v -show_entries frame=pts_time "
      "-of csv=p=0 " +
      input + " >" + out.string();
  std::vector<double> pts;
  if (std::system(probe.c_str()) != 0) return pts;
  std::istringstream lines(ft::ReadTextFile(out.string()));
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) pts.push_back(std::stod(line));
  }
  return pts;
}

// Real x264 output with B-frames (negative and positive composition offsets after the packager
// keeps dts as is): every frame must come out of the HLS rendition at the same relative time.
TEST(PackageFfmpegTest, BFramesKeepTheirPresentationTimes) {
  if (!ft::HaveTool("ffmpeg") || !ft::HaveTool("ffprobe")) GTEST_SKIP() << "no ffmpeg/ffprobe";
  const fs::path dir = fs::temp_directory_path() / ("package_bframes_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string source = (dir / "source.mp4").string();
  const std::string encode =
      "ffmpeg -v error -y -f lavfi -i testsrc=size=320x240:rate=30:duration=6 -c:v libx264 "
      "-g 60 -bf 2 -pix_fmt yuv420p -movflags frag_keyframe+empty_moov+default_base_moof "
      "-f mp4 " +
      source;
  ASSERT_EQ(std::system(encode.c_str()), 0);
  ft::FragmentedVideo video;
  ASSERT_TRUE(ft::ReadFragmentedVideo(ft::ReadBytes(source), video));
  ASSERT_EQ(video.units.size(), 180u);
  const bool has_reordering = std::any_of(video.units.begin(), video.units.end(),
                                          [](const auto& u) { return u.pts != u.dts; });
  ASSERT_TRUE(has_reordering);

  base::FakeClock clock;
  PackagerOptions options;
  options.playlist_segments = 10;
  StreamPackager packager(options, clock);
  media::VideoTrackConfig config = ft::TestVideoConfig();
  config.avcc = base::Buffer::Copy(video.avcc);
  config.width = 320;
  config.height = 240;
  packager.OnVideoConfig(config);
  for (const media::AccessUnit& unit : video.units) packager.OnAccessUnit(unit);
  packager.OnEndOfStream();
  WriteResource(packager, dir, "index.m3u8");
  WriteResource(packager, dir, "init.mp4");
  ASSERT_EQ(packager.Stats().segments, 3u);
  for (int n = 0; n < 3; ++n) WriteResource(packager, dir, "seg" + std::to_string(n) + ".m4s");

  const std::string playlist = (dir / "index.m3u8").string();
  const std::string decode =
      "ffmpeg -v error -i " + playlist + " -f null - 2>" + (dir / "decode.err").string();
  EXPECT_EQ(std::system(decode.c_str()), 0);
  EXPECT_EQ(ft::ReadTextFile((dir / "decode.err").string()), "");
  const std::vector<double> expected = ProbeVideoPts(source, dir / "source_pts.txt");
  const std::vector<double> actual = ProbeVideoPts(playlist, dir / "hls_pts.txt");
  ASSERT_EQ(actual.size(), expected.size());
  ASSERT_FALSE(expected.empty());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(actual[i] - actual[0], expected[i] - expected[0], 0.0015) << "frame " << i;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace steadycast::package
