#pragma once
// Test-only helpers for formats/mpegts tests: a tiny packetizer that writes PSI sections and
// PES packets into 188-byte packets (written from the spec, independently of the demuxer's
// parsers except the CRC, whose own test pins it to a known value), ADTS frames and Annex B
// access units, and an event recorder whose transcripts compare across input splits.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/testing/split_feeder.h"
#include "formats/mpegts/psi.h"
#include "formats/mpegts/ts_demuxer.h"
#include "formats/mpegts/ts_packet.h"

namespace steadycast::formats::mpegts::testing {

using Bytes = std::vector<uint8_t>;

inline Bytes Hex(std::string_view text) {
  Bytes out;
  int high = -1;
  for (char c : text) {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (v < 0) continue;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  return out;
}

// x264 (baseline, 64x64 and 128x96) parameter sets.
inline Bytes Sps64() { return Hex("6742c00ada109b011000000300100000030320f1226a"); }
inline Bytes Sps128() { return Hex("6742c00ada0836c044000003000400000300c83c489a80"); }
inline Bytes Pps() { return Hex("68ce0fc8"); }
inline Bytes Aud() { return Hex("0910"); }
inline Bytes IdrSlice() { return Hex("65888420aabbccdd"); }
inline Bytes NonIdrSlice() { return Hex("419a0011223344"); }

// 00 00 00 01 before each NAL unit.
inline Bytes AnnexB(const std::vector<Bytes>& nals) {
  Bytes out;
  for (const Bytes& nal : nals) {
    out.insert(out.end(), {0, 0, 0, 1});
    out.insert(out.end(), nal.begin(), nal.end());
  }
  return out;
}

// 4-byte length prefixes, as the demuxer must output.
inline Bytes LengthPrefixed(const std::vector<Bytes>& nals) {
  Bytes out;
  for (const Bytes& nal : nals) {
    const auto n = static_cast<uint32_t>(nal.size());
    out.insert(out.end(), {static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16),
                           static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
    out.insert(out.end(), nal.begin(), nal.end());
  }
  return out;
}

// An ADTS frame (AAC-LC, no CRC) with `payload_size` bytes of `fill` after the 7-byte header.
// frequency index 4 = 44100 Hz, 3 = 48000 Hz.
inline Bytes AdtsFrame(size_t payload_size, uint8_t fill = 0x21, int frequency_index = 4,
                       int channels = 2) {
  const size_t length = 7 + payload_size;
  Bytes out = {0xFF,
               0xF1,  // MPEG-4, layer 0, protection_absent
               static_cast<uint8_t>((1 << 6) | (frequency_index << 2) | (channels >> 2)),
               static_cast<uint8_t>(((channels & 3) << 6) | (length >> 11)),
               static_cast<uint8_t>(length >> 3),
               static_cast<uint8_t>(((length & 7) << 5) | 0x1F),
               0xFC};
  out.insert(out.end(), payload_size, fill);
  return out;
}

struct PacketOptions {
  std::optional<uint64_t> pcr;  // 27 MHz
  bool discontinuity = false;
  bool transport_error = false;
  uint8_t scrambling = 0;
  bool no_payload = false;  // adaptation_field_control 10
};

// One packet; payloads shorter than 184 bytes are padded with adaptation field stuffing.
inline Bytes Packet(uint16_t pid, bool unit_start, uint8_t cc, std::span<const uint8_t> payload,
                    const PacketOptions& options = {}) {
  // Reserved up front: GCC 12 at -O3 warns about initializer-list vectors that grow later.
  Bytes out;
  out.reserve(kTsPacketSize);
  out.insert(out.end(), {kTsSyncByte,
                         static_cast<uint8_t>((options.transport_error ? 0x80 : 0) |
                                              (unit_start ? 0x40 : 0) | (pid >> 8)),
                         static_cast<uint8_t>(pid & 0xFF), 0});
  const bool needs_af =
      options.no_payload || payload.size() < 184 || options.pcr || options.discontinuity;
  const int afc = options.no_payload ? 2 : needs_af ? 3 : 1;
  out[3] = static_cast<uint8_t>(options.scrambling << 6 | afc << 4 | (cc & 0x0F));
  if (needs_af) {
    const size_t af_length = 183 - (options.no_payload ? 0 : payload.size());
    out.push_back(static_cast<uint8_t>(af_length));
    if (af_length > 0) {
      out.push_back(
          static_cast<uint8_t>((options.discontinuity ? 0x80 : 0) | (options.pcr ? 0x10 : 0)));
      if (options.pcr) {
        const uint64_t base = *options.pcr / 300;
        const uint64_t ext = *options.pcr % 300;
        out.insert(out.end(), {static_cast<uint8_t>(base >> 25), static_cast<uint8_t>(base >> 17),
                               static_cast<uint8_t>(base >> 9), static_cast<uint8_t>(base >> 1),
                               static_cast<uint8_t>((base & 1) << 7 | 0x7E | ext >> 8),
                               static_cast<uint8_t>(ext)});
      }
      while (out.size() < 5 + af_length) out.push_back(0xFF);
    }
  }
  if (!options.no_payload) out.insert(out.end(), payload.begin(), payload.end());
  EXPECT_EQ(out.size(), kTsPacketSize);
  return out;
}

// A long-form section: header, `body`, CRC_32. `section_length_override` writes a different
// section_length field (the CRC still covers the bytes written).
inline Bytes Section(uint8_t table_id, uint16_t extension, uint8_t version,
                     std::span<const uint8_t> body, bool current_next = true,
                     std::optional<uint16_t> section_length_override = {}) {
  const size_t length = 5 + body.size() + 4;
  const uint16_t field = section_length_override.value_or(static_cast<uint16_t>(length));
  Bytes out;
  base::ByteWriter writer(out);  // byte by byte: range inserts trip GCC 12 -O3 warnings here
  writer.U8(table_id);
  writer.U16(static_cast<uint16_t>(0xB000 | (field & 0x0FFF)));
  writer.U16(extension);
  writer.U8(static_cast<uint8_t>(0xC0 | (version & 0x1F) << 1 | (current_next ? 1 : 0)));
  writer.U16(0);  // section_number, last_section_number
  for (uint8_t byte : body) writer.U8(byte);
  const uint32_t crc = Crc32Mpeg2(out);
  out.insert(out.end(), {static_cast<uint8_t>(crc >> 24), static_cast<uint8_t>(crc >> 16),
                         static_cast<uint8_t>(crc >> 8), static_cast<uint8_t>(crc)});
  return out;
}

inline Bytes PatSection(uint16_t program_number, uint16_t pmt_pid, uint8_t version = 0) {
  const Bytes body = {static_cast<uint8_t>(program_number >> 8),
                      static_cast<uint8_t>(program_number & 0xFF),
                      static_cast<uint8_t>(0xE0 | pmt_pid >> 8), static_cast<uint8_t>(pmt_pid)};
  return Section(kTableIdPat, 1, version, body);
}

inline Bytes PmtSection(uint16_t program_number, uint16_t pcr_pid,
                        const std::vector<PmtStream>& streams, uint8_t version = 0) {
  Bytes body = {static_cast<uint8_t>(0xE0 | pcr_pid >> 8), static_cast<uint8_t>(pcr_pid), 0xF0, 0};
  for (const PmtStream& s : streams) {
    body.insert(body.end(), {s.stream_type, static_cast<uint8_t>(0xE0 | s.pid >> 8),
                             static_cast<uint8_t>(s.pid), 0xF0, 0});
  }
  return Section(kTableIdPmt, program_number, version, body);
}

inline void AppendTimestamp(Bytes& out, uint8_t prefix, uint64_t ts) {
  out.push_back(static_cast<uint8_t>(prefix << 4 | ((ts >> 30) & 7) << 1 | 1));
  out.push_back(static_cast<uint8_t>(ts >> 22));
  out.push_back(static_cast<uint8_t>(((ts >> 15) & 0x7F) << 1 | 1));
  out.push_back(static_cast<uint8_t>(ts >> 7));
  out.push_back(static_cast<uint8_t>((ts & 0x7F) << 1 | 1));
}

// A PES packet. `bounded` = false writes PES_packet_length 0 (unbounded video).
inline Bytes Pes(uint8_t stream_id, std::optional<uint64_t> pts, std::optional<uint64_t> dts,
                 std::span<const uint8_t> es, bool bounded = true) {
  Bytes header;
  if (pts) AppendTimestamp(header, dts ? 3 : 2, *pts);
  if (pts && dts) AppendTimestamp(header, 1, *dts);
  Bytes out;
  out.reserve(9 + header.size() + es.size());
  out.insert(out.end(),
             {0, 0, 1, stream_id, 0, 0, 0x84, static_cast<uint8_t>(pts ? (dts ? 0xC0 : 0x80) : 0),
              static_cast<uint8_t>(header.size())});
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), es.begin(), es.end());
  const size_t length = out.size() - 6;
  if (bounded && length <= 0xFFFF) {
    out[4] = static_cast<uint8_t>(length >> 8);
    out[5] = static_cast<uint8_t>(length);
  }
  return out;
}

// Writes packets with per-PID continuity counters.
class TestMuxer {
 public:
  uint8_t NextCc(uint16_t pid) { return cc_[pid]++ & 0x0F; }
  // Pretends a packet of `pid` was sent (and lost).
  void SkipCc(uint16_t pid) { cc_[pid]++; }

  // pointer_field 0, the section split over as many packets as needed, 0xFF stuffing.
  void WriteSection(uint16_t pid, std::span<const uint8_t> section) {
    Bytes payload = {0};
    payload.insert(payload.end(), section.begin(), section.end());
    for (size_t pos = 0; pos < payload.size(); pos += 184) {
      Bytes chunk(
          payload.begin() + static_cast<std::ptrdiff_t>(pos),
          payload.begin() + static_cast<std::ptrdiff_t>(std::min(pos + 184, payload.size())));
      chunk.resize(184, 0xFF);
      Raw(Packet(pid, pos == 0, NextCc(pid), chunk));
    }
  }
  // Returns the number of packets written.
  size_t WritePes(uint16_t pid, std::span<const uint8_t> pes, std::optional<uint64_t> pcr = {}) {
    size_t packets = 0;
    size_t pos = 0;
    do {
      const size_t room = (packets == 0 && pcr) ? 176 : 184;
      const size_t n = std::min(room, pes.size() - pos);
      PacketOptions options;
      if (packets == 0) options.pcr = pcr;
      Raw(Packet(pid, packets == 0, NextCc(pid), pes.subspan(pos, n), options));
      pos += n;
      ++packets;
    } while (pos < pes.size());
    return packets;
  }
  void Raw(std::span<const uint8_t> bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }
  const Bytes& bytes() const { return out_; }

 private:
  std::map<uint16_t, uint8_t> cc_;
  Bytes out_;
};

// Records every event as a line of text (payloads as size + FNV hash), so transcripts can be
// compared across splits and read in failure messages.
class Recorder : public TsDemuxerListener {
 public:
  void OnVideoConfig(const media::VideoTrackConfig& config) override {
    events.push_back("video_config codec=" + std::to_string(static_cast<int>(config.codec)) + " " +
                     std::to_string(config.width) + "x" + std::to_string(config.height) +
                     " avcc=" + std::to_string(config.avcc.size()));
    video_configs.push_back(config);
  }
  void OnAudioConfig(const media::AudioTrackConfig& config) override {
    events.push_back("audio_config " + config.CodecString() + " " +
                     std::to_string(config.sample_rate) +
                     "Hz ch=" + std::to_string(config.channels));
    audio_configs.push_back(config);
  }
  void OnAccessUnit(const media::AccessUnit& unit) override {
    uint64_t hash = 0xCBF29CE484222325ull;
    for (uint8_t b : unit.data.span()) hash = (hash ^ b) * 0x100000001B3ull;
    events.push_back(std::string(unit.kind == media::TrackKind::kVideo ? "video" : "audio") +
                     " pts=" + std::to_string(unit.pts) + " dts=" + std::to_string(unit.dts) +
                     (unit.keyframe ? " key" : "") + (unit.maybe_corrupt ? " corrupt" : "") +
                     " size=" + std::to_string(unit.data.size()) + " hash=" + std::to_string(hash));
    units.push_back(unit);
  }
  void OnUnsupportedStream(uint8_t stream_type, uint16_t pid, std::string_view reason) override {
    events.push_back("unsupported type=" + std::to_string(stream_type) +
                     " pid=" + std::to_string(pid) + " " + std::string(reason));
  }
  void OnProgram(const ProgramInfo& program) override {
    std::string line = "program " + std::to_string(program.program_number) +
                       " pmt=" + std::to_string(program.pmt_pid) +
                       " v=" + std::to_string(program.version) +
                       " pcr=" + std::to_string(program.pcr_pid);
    for (const auto& es : program.streams) {
      line += " [" + std::to_string(es.pid) + ":" + std::to_string(es.stream_type) + ":" +
              std::to_string(static_cast<int>(es.disposition)) + "]";
    }
    events.push_back(line);
  }
  void OnTimestampJump(media::TrackKind track, int64_t previous_dts, int64_t dts) override {
    events.push_back("jump " + std::to_string(static_cast<int>(track)) + " " +
                     std::to_string(previous_dts) + " -> " + std::to_string(dts));
  }
  void OnPcr(uint16_t pid, uint64_t pcr) override { pcrs.push_back({pid, pcr}); }

  std::vector<std::string> events;
  std::vector<media::AccessUnit> units;
  std::vector<media::VideoTrackConfig> video_configs;
  std::vector<media::AudioTrackConfig> audio_configs;
  std::vector<std::pair<uint16_t, uint64_t>> pcrs;
};

struct Transcript {
  std::vector<std::string> events;
  std::vector<std::pair<uint16_t, uint64_t>> pcrs;
  std::string status;  // first failing Feed, else Finish()
  TsDemuxerStats stats;
  std::vector<media::AccessUnit> units;
  std::vector<media::VideoTrackConfig> video_configs;
  std::vector<media::AudioTrackConfig> audio_configs;
};

inline Transcript Demux(std::span<const uint8_t> input, const base::testing::SplitPlan& plan,
                        TsDemuxerLimits limits = {}) {
  Recorder recorder;
  TsDemuxer demuxer(recorder, limits);
  std::string status;
  base::testing::FeedInPieces(input, plan, [&](std::span<const uint8_t> piece) {
    base::Status s = demuxer.Feed(piece);
    if (!s.ok() && status.empty()) status = s.ToString();
  });
  base::Status finish = demuxer.Finish();
  if (status.empty()) status = finish.ToString();
  return {std::move(recorder.events),
          std::move(recorder.pcrs),
          status,
          demuxer.stats(),
          std::move(recorder.units),
          std::move(recorder.video_configs),
          std::move(recorder.audio_configs)};
}

inline bool SameStats(const TsDemuxerStats& a, const TsDemuxerStats& b) {
  return std::memcmp(&a, &b, sizeof(TsDemuxerStats)) == 0;
}

// Demuxes `input` whole, byte by byte and in random splits; events, PCRs, status and stats
// must agree. Returns the whole-input transcript.
inline Transcript DemuxAllSplits(std::span<const uint8_t> input, TsDemuxerLimits limits = {}) {
  const auto plans = base::testing::SplitPlans(input.size());
  Transcript whole = Demux(input, plans[0], limits);
  for (size_t i = 1; i < plans.size(); ++i) {
    const Transcript t = Demux(input, plans[i], limits);
    EXPECT_EQ(t.events, whole.events) << plans[i].name;
    EXPECT_EQ(t.pcrs, whole.pcrs) << plans[i].name;
    EXPECT_EQ(t.status, whole.status) << plans[i].name;
    EXPECT_TRUE(SameStats(t.stats, whole.stats)) << plans[i].name;
  }
  return whole;
}

inline Bytes ReadTestFile(const std::string& name) {
  std::ifstream in(std::string(MPEGTS_TESTDATA_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace steadycast::formats::mpegts::testing
