#pragma once
// Real media for tests that check our output with real tools: ffmpeg encodes a test pattern
// (H.264 Annex B, AAC ADTS) and these helpers turn it into access units and configs. Used by
// fmp4 and package tests; header-only, tests only. Callers skip when ffmpeg is absent.

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "base/buffer.h"
#include "base/bytes.h"
#include "formats/fmp4/fmp4_test_util.h"
#include "media/access_unit.h"
#include "media/track.h"

namespace steadycast::formats::fmp4::testing {

namespace fs = std::filesystem;

inline bool HaveTool(const std::string& tool) {
  return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}

inline std::vector<uint8_t> ReadBytes(const fs::path& path) {
  const std::string text = ReadTextFile(path.string());
  return std::vector<uint8_t>(text.begin(), text.end());
}

struct VideoInput {
  std::vector<uint8_t> sps, pps;
  std::vector<media::AccessUnit> units;
};

// Splits an Annex B stream (x264 with aud=1, no B-frames) into access units at each AUD.
inline VideoInput ParseAnnexB(const std::vector<uint8_t>& stream) {
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

inline std::vector<uint8_t> Avcc(const VideoInput& v) {
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
inline std::vector<media::AccessUnit> ParseAdts(const std::vector<uint8_t>& stream) {
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

struct RealMedia {
  VideoInput video;
  std::vector<media::AccessUnit> audio;
  media::VideoTrackConfig video_config;
  media::AudioTrackConfig audio_config;
};

// Encodes `seconds` of 320x240 30 fps video (keyframe every 60 frames) and 48 kHz stereo AAC
// into `dir`. Returns false if ffmpeg failed.
inline bool EncodeRealMedia(const fs::path& dir, int seconds, RealMedia& out) {
  const std::string d = std::to_string(seconds);
  const std::string encode =
      "ffmpeg -v error -y -f lavfi -i testsrc=size=320x240:rate=30:duration=" + d +
      " -f lavfi -i sine=frequency=440:sample_rate=48000:duration=" + d +
      " -map 0:v -c:v libx264 -g 60 -bf 0 -pix_fmt yuv420p -x264-params aud=1 -f h264 " +
      (dir / "v.h264").string() + " -map 1:a -c:a aac -ac 2 -b:a 96k -f adts " +
      (dir / "a.aac").string();
  if (std::system(encode.c_str()) != 0) return false;
  out.video = ParseAnnexB(ReadBytes(dir / "v.h264"));
  out.audio = ParseAdts(ReadBytes(dir / "a.aac"));
  if (out.video.sps.size() < 4 || out.video.pps.empty()) return false;
  out.video_config = TestVideoConfig();
  out.video_config.avcc = base::Buffer::Copy(Avcc(out.video));
  out.video_config.width = 320;
  out.video_config.height = 240;
  out.video_config.profile_idc = out.video.sps[1];
  out.video_config.constraint_flags = out.video.sps[2];
  out.video_config.level_idc = out.video.sps[3];
  out.audio_config = TestAudioConfig();
  return true;
}

}  // namespace steadycast::formats::fmp4::testing
