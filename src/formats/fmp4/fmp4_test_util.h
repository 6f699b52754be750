#pragma once
// Test fixtures for fmp4 (and package) tests: a real x264 avcC, an AAC-LC 48 kHz stereo config
// and synthetic access units with recognisable payloads. Header-only; tests only.

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "base/buffer.h"
#include "media/access_unit.h"
#include "media/track.h"

namespace steadycast::formats::fmp4::testing {

// avcC of a 640x360 High@3.1 stream produced by `ffmpeg -f lavfi -i testsrc -c:v libx264`.
inline const std::vector<uint8_t>& X264Avcc() {
  static const std::vector<uint8_t> kAvcc = {
      0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x1a, 0x67, 0x64, 0x00, 0x1f,
      0xac, 0xd9, 0x40, 0xa0, 0x2f, 0xf9, 0x70, 0x11, 0x00, 0x00, 0x03, 0x00,
      0x01, 0x00, 0x00, 0x03, 0x00, 0x3c, 0x0f, 0x18, 0x31, 0x96, 0x01, 0x00,
      0x06, 0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0, 0xfd, 0xf8, 0xf8, 0x00};
  return kAvcc;
}

inline media::VideoTrackConfig TestVideoConfig() {
  media::VideoTrackConfig c;
  c.avcc = base::Buffer::Copy(X264Avcc());
  c.width = 640;
  c.height = 360;
  c.profile_idc = 0x64;
  c.constraint_flags = 0x00;
  c.level_idc = 0x1f;
  c.frame_rate = 30.0;
  return c;
}

inline media::AudioTrackConfig TestAudioConfig(int sample_rate = 48000) {
  media::AudioTrackConfig c;
  // AAC-LC (2), 48 kHz (index 3), 2 channels: 00010 0011 0010 000.
  const std::vector<uint8_t> asc = {0x11, 0x90};
  c.asc = base::Buffer::Copy(asc);
  c.object_type = 2;
  c.sample_rate = sample_rate;
  c.channels = 2;
  return c;
}

// A video access unit whose payload is one 4-byte-length-prefixed NAL unit filled with `tag`.
inline media::AccessUnit VideoUnit(int64_t dts, int64_t pts, bool keyframe, uint8_t tag,
                                   size_t nal_bytes = 12) {
  std::vector<uint8_t> data = {0, 0, 0, static_cast<uint8_t>(nal_bytes)};
  data.push_back(keyframe ? 0x65 : 0x41);
  data.insert(data.end(), nal_bytes - 1, tag);
  media::AccessUnit unit;
  unit.kind = media::TrackKind::kVideo;
  unit.codec = media::Codec::kH264;
  unit.dts = dts;
  unit.pts = pts;
  unit.keyframe = keyframe;
  unit.data = base::Buffer::Take(std::move(data));
  return unit;
}

inline media::AccessUnit AudioUnit(int64_t dts, uint8_t tag, size_t bytes = 6) {
  media::AccessUnit unit;
  unit.kind = media::TrackKind::kAudio;
  unit.codec = media::Codec::kAac;
  unit.dts = dts;
  unit.pts = dts;
  unit.keyframe = true;
  unit.data = base::Buffer::Take(std::vector<uint8_t>(bytes, tag));
  return unit;
}

inline std::string ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Compares `actual` with the golden file; with STEADYCAST_UPDATE_GOLDEN=1 in the environment
// the file is rewritten instead (then review the diff before committing).
inline bool MatchesGolden(const std::string& path, const std::string& actual) {
  if (const char* update = std::getenv("STEADYCAST_UPDATE_GOLDEN"); update && *update == '1') {
    std::ofstream(path, std::ios::binary) << actual;
    return true;
  }
  return ReadTextFile(path) == actual;
}

}  // namespace steadycast::formats::fmp4::testing
