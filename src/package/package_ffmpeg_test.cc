// End to end with real tools: ffmpeg encodes 7 s of H.264 + AAC, the packager turns them into
// an HLS rendition on disk (playlist, init, segments) and ffmpeg must play the playlist with
// zero errors while ffprobe sees every frame; a two-rendition ladder's master decodes and
// describes its variants. Skipped when ffmpeg/ffprobe are absent.

#include <fmt/format.h>
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
#include "media/avc.h"
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

// x264 B-frame video of `size` and `profile` (keyframes every 60 frames, no scene cuts) as
// access units with 90 kHz times, and its track config parsed from the avcC (SPS).
bool EncodeRung(const fs::path& dir, const std::string& size, const std::string& profile,
                ft::FragmentedVideo& video, media::VideoTrackConfig& config) {
  const std::string file = (dir / (size + ".mp4")).string();
  const std::string encode = "ffmpeg -v error -y -f lavfi -i testsrc=size=" + size +
                             ":rate=30:duration=6 -c:v libx264 -profile:v " + profile +
                             " -g 60 -keyint_min 60 -sc_threshold 0 -bf 2 -pix_fmt yuv420p "
                             "-movflags frag_keyframe+empty_moov+default_base_moof -f mp4 " +
                             file;
  if (std::system(encode.c_str()) != 0 || !ft::ReadFragmentedVideo(ft::ReadBytes(file), video)) {
    return false;
  }
  auto parsed = media::VideoConfigFromAvcc(video.avcc);
  if (!parsed.ok()) return false;
  config = parsed->config;
  return true;
}

// A two-rendition ladder from real encodes (different sizes and profiles, the same AAC):
// ffmpeg decodes the master (every variant) without an error line, the master's CODECS and
// RESOLUTION match each rendition's SPS and decoded frames, and both renditions list the same
// segments with the same durations.
TEST(PackageFfmpegTest, LadderMasterDecodesAndDescribesEveryVariant) {
  if (!ft::HaveTool("ffmpeg") || !ft::HaveTool("ffprobe")) GTEST_SKIP() << "no ffmpeg/ffprobe";
  const fs::path dir = fs::temp_directory_path() / ("package_ladder_" + std::to_string(getpid()));
  fs::create_directories(dir / "pb");
  struct Rung {
    std::string name, size, profile;
    ft::FragmentedVideo video;
    media::VideoTrackConfig config;
  };
  std::vector<Rung> rungs = {{"hd", "640x360", "high", {}, {}}, {"sd", "320x180", "main", {}, {}}};
  for (Rung& r : rungs) ASSERT_TRUE(EncodeRung(dir, r.size, r.profile, r.video, r.config));
  const std::string audio_encode =
      "ffmpeg -v error -y -f lavfi -i sine=frequency=440:sample_rate=48000:duration=6 -c:a aac "
      "-ac 2 -b:a 96k -f adts " +
      (dir / "a.aac").string();
  ASSERT_EQ(std::system(audio_encode.c_str()), 0);
  const std::vector<media::AccessUnit> audio = ft::ParseAdts(ft::ReadBytes(dir / "a.aac"));

  base::FakeClock clock;
  PackagerOptions options;
  options.playlist_segments = 10;
  StreamPackager packager(options, {{"hd"}, {"sd"}}, clock);
  for (size_t i = 0; i < rungs.size(); ++i) {  // one rendition after the other: sd lags
    media::MediaSink& sink = packager.Rendition(i);
    sink.OnVideoConfig(rungs[i].config);
    sink.OnAudioConfig(ft::TestAudioConfig());
    size_t a = 0;
    for (const media::AccessUnit& v : rungs[i].video.units) {
      while (a < audio.size() && audio[a].dts <= v.dts) sink.OnAccessUnit(audio[a++]);
      sink.OnAccessUnit(v);
    }
    while (a < audio.size()) sink.OnAccessUnit(audio[a++]);
  }
  packager.OnEndOfStream();

  auto master = packager.MasterPlaylist("pb");
  ASSERT_TRUE(master.has_value());
  std::ofstream(dir / "master.m3u8") << *master;
  std::vector<std::string> playlists;
  for (const Rung& r : rungs) {
    fs::create_directories(dir / "pb" / r.name);
    auto playlist = packager.Lookup(r.name + "/index.m3u8");
    ASSERT_TRUE(playlist.has_value());
    playlists.emplace_back(playlist->body.AsStringView());
    std::vector<std::string> names = {"index.m3u8", "init.mp4"};
    for (uint64_t n = 0; n < packager.Stats().renditions[0].segments; ++n)
      names.push_back("seg" + std::to_string(n) + ".m4s");
    for (const std::string& name : names) {
      auto resource = packager.Lookup(r.name + "/" + name);
      ASSERT_TRUE(resource.has_value()) << r.name << "/" << name;
      std::ofstream(dir / "pb" / r.name / name, std::ios::binary)
          .write(reinterpret_cast<const char*>(resource->body.data()),
                 static_cast<std::streamsize>(resource->body.size()));
    }
    // CODECS names this rendition's SPS profile, constraint flags and level.
    const std::string codecs = fmt::format("CODECS=\"avc1.{:02x}{:02x}{:02x},mp4a.40.2\"",
                                           r.video.avcc[1], r.video.avcc[2], r.video.avcc[3]);
    EXPECT_NE(master->find(codecs + ",RESOLUTION=" + r.size), std::string::npos) << *master;
  }
  // The same numbers and durations (program date times aside, fed at different moments).
  auto without_dates = [](const std::string& text) {
    std::istringstream in(text);
    std::string out;
    for (std::string line; std::getline(in, line);)
      if (!line.starts_with("#EXT-X-PROGRAM-DATE-TIME")) out += line + "\n";
    return out;
  };
  EXPECT_EQ(without_dates(playlists[0]), without_dates(playlists[1]));
  EXPECT_EQ(packager.Stats().renditions[1].misaligned_segments, 0u);

  const std::string input = (dir / "master.m3u8").string();
  const std::string decode =
      "ffmpeg -v error -i " + input + " -map 0 -f null - 2>" + (dir / "decode.err").string();
  EXPECT_EQ(std::system(decode.c_str()), 0);
  EXPECT_EQ(ft::ReadTextFile((dir / "decode.err").string()), "");
  const std::string probe =
      "ffprobe -v error -select_streams v -show_entries stream=width,height "
      "-of csv=p=0 " +
      input + " >" + (dir / "sizes.txt").string();
  ASSERT_EQ(std::system(probe.c_str()), 0);
  const std::string sizes = ft::ReadTextFile((dir / "sizes.txt").string());
  EXPECT_NE(sizes.find("640,360"), std::string::npos) << sizes;
  EXPECT_NE(sizes.find("320,180"), std::string::npos) << sizes;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace steadycast::package
