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

#include "base/bytes.h"
#include "formats/fmp4/fmp4_test_util.h"
#include "formats/fmp4/init_segment.h"
#include "formats/fmp4/media_segment.h"

namespace steadycast::formats::fmp4 {
namespace {

namespace fs = std::filesystem;

bool HaveTool(const std::string& tool) {
  return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}

std::vector<uint8_t> ReadBytes(const fs::path& path) {
  const std::string text = testing::ReadTextFile(path.string());
  return std::vector<uint8_t>(text.begin(), text.end());
}

struct VideoInput {
  std::vector<uint8_t> sps, pps;
  std::vector<media::AccessUnit> units;
};

// Splits an Annex B stream (x264 with aud=1, no B-frames) into access units at each AUD.
VideoInput ParseAnnexB(const std::vector<uint8_t>& stream) {
  std::vector<std::pair<size_t, size_t>> nals;  // [begin, end)
  for (size_t i = 0; i + 3 <= stream.size(); ++i) {
    if (stream[i] == 0 && stream[i + 1] == 0 && stream[i + 2] == 1) {
      if (!nals.empty()) nals.back().second = i - (i > 0 && stream[i - 1] == 0 ? 1 : 0);
      nals.push_back({i + 3, stream.size()});
      i += 2;
    }
  }
  VideoInput out;
  std::vector<uint8_t> current;
  bool key = false;
  auto flush = [&] {
    if (current.empty()) return;
    const int64_t dts = static_cast<int64_t>(out.units.size()) * 3000;
    media::AccessUnit unit;
    unit.dts = unit.pts = dts;
    unit.keyframe = key;
    unit.data = base::Buffer::Take(std::move(current));
    out.units.push_back(unit);
    current.clear();
    key = false;
  };
  for (auto [begin, end] : nals) {
    const std::vector<uint8_t> nal(stream.begin() + begin, stream.begin() + end);
    const int type = nal[0] & 0x1F;
    if (type == 9) flush();
    if (type == 7) out.sps = nal;
    if (type == 8) out.pps = nal;
    if (type == 9 || type == 7 || type == 8) continue;
    if (type == 5) key = true;
    base::ByteWriter w(current);
    w.U32(static_cast<uint32_t>(nal.size()));
    w.Bytes(nal);
  }
  flush();
  return out;
}

std::vector<uint8_t> Avcc(const VideoInput& v) {
  std::vector<uint8_t> out = {1, v.sps[1], v.sps[2], v.sps[3], 0xFF, 0xE1};
  base::ByteWriter w(out);
  w.U16(static_cast<uint16_t>(v.sps.size()));
  w.Bytes(v.sps);
  w.U8(1);
  w.U16(static_cast<uint16_t>(v.pps.size()));
  w.Bytes(v.pps);
  return out;
}

// Raw AAC frames of an ADTS stream (ISO/IEC 14496-3 §1.A.2.2), timestamps at 48 kHz.
std::vector<media::AccessUnit> ParseAdts(const std::vector<uint8_t>& stream) {
  std::vector<media::AccessUnit> units;
  size_t pos = 0;
  while (pos + 7 <= stream.size()) {
    const bool crc = !(stream[pos + 1] & 1);
    const size_t length =
        ((stream[pos + 3] & 3) << 11) | (stream[pos + 4] << 3) | (stream[pos + 5] >> 5);
    const size_t header = crc ? 9 : 7;
    if (length < header || pos + length > stream.size()) break;
    media::AccessUnit unit;
    unit.kind = media::TrackKind::kAudio;
    unit.codec = media::Codec::kAac;
    unit.dts = unit.pts = static_cast<int64_t>(units.size()) * 1920;  // 1024 samples @ 48 kHz
    unit.keyframe = true;
    unit.data = base::Buffer::Copy(std::span(stream).subspan(pos + header, length - header));
    units.push_back(unit);
    pos += length;
  }
  return units;
}

TEST(FfprobeTest, RealToolsDecodeInitPlusTwoSegmentsWithoutErrors) {
  if (!HaveTool("ffmpeg") || !HaveTool("ffprobe")) GTEST_SKIP() << "ffmpeg/ffprobe not installed";
  const fs::path dir = fs::temp_directory_path() / ("fmp4_ffprobe_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string encode =
      "ffmpeg -v error -y -f lavfi -i testsrc=size=320x240:rate=30:duration=4 -f lavfi "
      "-i sine=frequency=440:sample_rate=48000:duration=4 -map 0:v -c:v libx264 -g 60 -bf 0 "
      "-pix_fmt yuv420p -x264-params aud=1 -f h264 " +
      (dir / "v.h264").string() + " -map 1:a -c:a aac -ac 2 -b:a 96k -f adts " +
      (dir / "a.aac").string();
  ASSERT_EQ(std::system(encode.c_str()), 0) << encode;

  const VideoInput video = ParseAnnexB(ReadBytes(dir / "v.h264"));
  const std::vector<media::AccessUnit> audio = ParseAdts(ReadBytes(dir / "a.aac"));
  ASSERT_EQ(video.units.size(), 120u);
  ASSERT_FALSE(video.sps.empty());
  ASSERT_GT(audio.size(), 180u);

  InitSegmentSpec spec;
  spec.video = testing::TestVideoConfig();
  spec.video->avcc = base::Buffer::Copy(Avcc(video));
  spec.video->width = 320;
  spec.video->height = 240;
  spec.audio = testing::TestAudioConfig();
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
