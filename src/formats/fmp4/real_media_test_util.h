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
#include "formats/fmp4/box_reader.h"
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

// The video track of a fragmented MP4 written by ffmpeg (-movflags
// frag_keyframe+empty_moov+default_base_moof): avcC and access units with 90 kHz dts/pts
// rebuilt from tfdt + trun (durations, composition offsets, sync flags), so real B-frame
// streams can be fed to the packager. Returns false on anything unexpected.
struct FragmentedVideo {
  std::vector<uint8_t> avcc;
  uint32_t timescale = 0;
  std::vector<media::AccessUnit> units;
};

inline bool ReadFragmentedVideo(const std::vector<uint8_t>& file, FragmentedVideo& out) {
  auto boxes = ReadBoxes(file);
  if (!boxes.ok()) return false;
  for (const Box& top : *boxes) {
    if (top.type == "moov") {
      const Box* trak = top.Child("trak");
      const Box* mdia = trak ? trak->Child("mdia") : nullptr;
      const Box* mdhd = mdia ? mdia->Child("mdhd") : nullptr;
      const Box* minf = mdia ? mdia->Child("minf") : nullptr;
      const Box* stbl = minf ? minf->Child("stbl") : nullptr;
      const Box* stsd = stbl ? stbl->Child("stsd") : nullptr;
      const Box* avc1 = stsd ? stsd->Child("avc1") : nullptr;
      const Box* avcc = avc1 ? avc1->Child("avcC") : nullptr;
      if (!mdhd || !avcc || mdhd->payload.size() < 16 || mdhd->payload[0] != 0) return false;
      base::ByteReader r(mdhd->payload.subspan(12));
      if (!r.ReadU32(out.timescale) || out.timescale == 0) return false;
      out.avcc.assign(avcc->payload.begin(), avcc->payload.end());
    }
    if (top.type != "moof") continue;
    const Box* traf = top.Child("traf");
    const Box* tfhd = traf ? traf->Child("tfhd") : nullptr;
    const Box* tfdt = traf ? traf->Child("tfdt") : nullptr;
    const Box* trun = traf ? traf->Child("trun") : nullptr;
    if (!tfhd || !tfdt || !trun) return false;
    uint32_t flags = 0, track = 0, v = 0, default_duration = 0, default_size = 0, default_flags = 0;
    base::ByteReader h(tfhd->payload);
    if (!h.ReadU32(flags) || !h.ReadU32(track) || (flags & 0x1)) return false;
    if ((flags & 0x2) && !h.ReadU32(v)) return false;
    if ((flags & 0x8) && !h.ReadU32(default_duration)) return false;
    if ((flags & 0x10) && !h.ReadU32(default_size)) return false;
    if ((flags & 0x20) && !h.ReadU32(default_flags)) return false;
    base::ByteReader t(tfdt->payload);
    uint64_t decode_time = 0;
    uint32_t version_flags = 0, decode_time32 = 0;
    if (!t.ReadU32(version_flags)) return false;
    if (version_flags >> 24 == 1) {
      if (!t.ReadU64(decode_time)) return false;
    } else {
      if (!t.ReadU32(decode_time32)) return false;
      decode_time = decode_time32;
    }
    base::ByteReader r(trun->payload);
    uint32_t trun_flags = 0, count = 0, data_offset = 0, first_flags = 0;
    if (!r.ReadU32(trun_flags) || !r.ReadU32(count) || !(trun_flags & 0x1) ||
        !r.ReadU32(data_offset)) {
      return false;
    }
    const bool v1 = (trun_flags >> 24) == 1;
    if ((trun_flags & 0x4) && !r.ReadU32(first_flags)) return false;
    uint64_t pos = top.offset + data_offset;
    for (uint32_t i = 0; i < count; ++i) {
      uint32_t duration = default_duration, size = default_size, sample_flags = default_flags;
      uint32_t cto = 0;
      if ((trun_flags & 0x100) && !r.ReadU32(duration)) return false;
      if ((trun_flags & 0x200) && !r.ReadU32(size)) return false;
      if ((trun_flags & 0x400) && !r.ReadU32(sample_flags)) return false;
      if ((trun_flags & 0x800) && !r.ReadU32(cto)) return false;
      if (i == 0 && (trun_flags & 0x4)) sample_flags = first_flags;
      if (pos + size > file.size()) return false;
      const int64_t offset = v1 ? static_cast<int32_t>(cto) : static_cast<int64_t>(cto);
      media::AccessUnit unit;
      unit.dts = static_cast<int64_t>(decode_time) * 90000 / out.timescale;
      unit.pts = (static_cast<int64_t>(decode_time) + offset) * 90000 / out.timescale;
      unit.keyframe = !(sample_flags & 0x10000);
      unit.data = base::Buffer::Copy(std::span(file).subspan(pos, size));
      out.units.push_back(unit);
      pos += size;
      decode_time += duration;
    }
  }
  return out.timescale != 0 && !out.avcc.empty() && !out.units.empty();
}

}  // namespace steadycast::formats::fmp4::testing
