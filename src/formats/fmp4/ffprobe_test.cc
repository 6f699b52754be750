// Checks the writer against real tools: ffmpeg encodes H.264 (Annex B) and AAC (ADTS), this
// test packages them into an init segment and two media segments, and ffmpeg/ffprobe must
// decode the concatenation without a single error. Skipped when ffmpeg/ffprobe are absent.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "formats/fmp4/init_segment.h"
#include "formats/fmp4/media_segment.h"
#include "formats/fmp4/real_media_test_util.h"

namespace steadycast::formats::fmp4 {
namespace {

namespace fs = std::filesystem;
using testing::HaveTool;

TEST(FfprobeTest, RealToolsDecodeInitPlusTwoSegmentsWithoutErrors) {
  if (!HaveTool("ffmpeg") || !HaveTool("ffprobe")) GTEST_SKIP() << "ffmpeg/ffprobe not installed";
  const fs::path dir = fs::temp_directory_path() / ("fmp4_ffprobe_" + std::to_string(getpid()));
  fs::create_directories(dir);
  testing::RealMedia real;
  ASSERT_TRUE(testing::EncodeRealMedia(dir, 4, real));
  const testing::VideoInput& video = real.video;
  const std::vector<media::AccessUnit>& audio = real.audio;
  ASSERT_EQ(video.units.size(), 120u);
  ASSERT_GT(audio.size(), 180u);

  InitSegmentSpec spec;
  spec.video = real.video_config;
  spec.audio = real.audio_config;
  auto init = BuildInitSegment(spec);
  ASSERT_TRUE(init.ok()) << init.status().ToString();
  std::ofstream file(dir / "out.mp4", std::ios::binary);
  file.write(reinterpret_cast<const char*>(init->data()),
             static_cast<std::streamsize>(init->size()));
  for (int seg = 0; seg < 2; ++seg) {
    const int64_t start = seg * 180000, end = start + 180000;
    std::vector<media::AccessUnit> v(video.units.begin() + seg * 60,
                                     video.units.begin() + seg * 60 + 60);
    std::vector<media::AccessUnit> a;
    for (const auto& unit : audio) {
      if (unit.dts >= start && unit.dts < end) a.push_back(unit);
    }
    MediaSegmentSpec media;
    media.sequence_number = static_cast<uint32_t>(seg + 1);
    media.tracks.push_back(
        {kVideoTrackId, static_cast<uint64_t>(start), VideoSamples(v, end, 3000)});
    media.tracks.push_back({kAudioTrackId,
                            static_cast<uint64_t>(RescaleTime(a[0].dts, 90000, 48000)),
                            AudioSamples(a, 1024)});
    auto bytes = BuildMediaSegment(media);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    file.write(reinterpret_cast<const char*>(bytes->data()),
               static_cast<std::streamsize>(bytes->size()));
  }
  file.close();

  const std::string decode = "ffmpeg -v error -i " + (dir / "out.mp4").string() + " -f null - 2>" +
                             (dir / "decode.err").string();
  EXPECT_EQ(std::system(decode.c_str()), 0);
  EXPECT_EQ(testing::ReadTextFile((dir / "decode.err").string()), "");
  const std::string probe = "ffprobe -v error -show_entries frame=media_type -of csv=p=0 " +
                            (dir / "out.mp4").string() + " >" + (dir / "frames.txt").string() +
                            " 2>" + (dir / "probe.err").string();
  EXPECT_EQ(std::system(probe.c_str()), 0);
  EXPECT_EQ(testing::ReadTextFile((dir / "probe.err").string()), "");
  const std::string frames = testing::ReadTextFile((dir / "frames.txt").string());
  size_t video_frames = 0, audio_frames = 0;
  for (size_t pos = 0; (pos = frames.find("video", pos)) != std::string::npos; ++pos)
    ++video_frames;
  for (size_t pos = 0; (pos = frames.find("audio", pos)) != std::string::npos; ++pos)
    ++audio_frames;
  EXPECT_EQ(video_frames, 120u);
  EXPECT_GE(audio_frames, 180u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace steadycast::formats::fmp4
