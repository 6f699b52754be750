#include "formats/fmp4/box_dump.h"

#include <fmt/format.h>

#include <functional>
#include <map>
#include <optional>
#include <string_view>

#include "base/bytes.h"

namespace steadycast::formats::fmp4 {
namespace {

using base::ByteReader;

// Field decoders return the text after the box name, or nullopt if the payload is malformed.
using Decoder = std::function<std::optional<std::string>(ByteReader&, const DumpOptions&)>;

std::string Fixed16(uint32_t v) {
  if ((v & 0xFFFF) == 0) return fmt::format("{}", v >> 16);
  return fmt::format("{:.4f}", v / 65536.0);
}

std::string Hex(std::span<const uint8_t> bytes) {
  std::string out;
  for (uint8_t b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

bool ReadFullHeader(ByteReader& r, uint8_t& version, uint32_t& flags) {
  uint32_t word = 0;
  if (!r.ReadU32(word)) return false;
  version = static_cast<uint8_t>(word >> 24);
  flags = word & 0xFFFFFF;
  return true;
}

std::optional<std::string> DecodeFtyp(ByteReader& r, const DumpOptions&) {
  std::span<const uint8_t> major;
  uint32_t minor = 0;
  if (!r.ReadBytes(4, major) || !r.ReadU32(minor)) return std::nullopt;
  std::string compat;
  std::span<const uint8_t> brand;
  while (r.ReadBytes(4, brand)) {
    if (!compat.empty()) compat += ',';
    compat.append(brand.begin(), brand.end());
  }
  return fmt::format("major={} minor={} compat={}", std::string(major.begin(), major.end()), minor,
                     compat);
}

std::optional<std::string> DecodeMvhd(ByteReader& r, const DumpOptions&) {
  uint8_t version = 0;
  uint32_t flags = 0, timescale = 0, next_track = 0;
  uint64_t duration = 0;
  uint32_t d32 = 0;
  if (!ReadFullHeader(r, version, flags)) return std::nullopt;
  const size_t times = version == 1 ? 16 : 8;
  if (!r.Skip(times) || !r.ReadU32(timescale)) return std::nullopt;
  if (version == 1 ? !r.ReadU64(duration) : !r.ReadU32(d32)) return std::nullopt;
  if (version != 1) duration = d32;
  if (!r.Skip(4 + 2 + 10 + 36 + 24) || !r.ReadU32(next_track)) return std::nullopt;
  return fmt::format("v={} timescale={} duration={} next_track={}", version, timescale, duration,
                     next_track);
}

std::optional<std::string> DecodeTkhd(ByteReader& r, const DumpOptions&) {
  uint8_t version = 0;
  uint32_t flags = 0, track = 0, width = 0, height = 0;
  uint16_t volume = 0;
  if (!ReadFullHeader(r, version, flags)) return std::nullopt;
  if (!r.Skip(version == 1 ? 16 : 8) || !r.ReadU32(track)) return std::nullopt;
  if (!r.Skip(4 + (version == 1 ? 8 : 4) + 8 + 4) || !r.ReadU16(volume)) return std::nullopt;
  if (!r.Skip(2 + 36) || !r.ReadU32(width) || !r.ReadU32(height)) return std::nullopt;
  return fmt::format("v={} flags=0x{:06x} track={} volume=0x{:04x} width={} height={}", version,
                     flags, track, volume, Fixed16(width), Fixed16(height));
}

std::optional<std::string> DecodeMdhd(ByteReader& r, const DumpOptions&) {
  uint8_t version = 0;
  uint32_t flags = 0, timescale = 0;
  uint16_t language = 0;
  if (!ReadFullHeader(r, version, flags)) return std::nullopt;
  if (!r.Skip(version == 1 ? 16 : 8) || !r.ReadU32(timescale)) return std::nullopt;
  if (!r.Skip(version == 1 ? 8 : 4) || !r.ReadU16(language)) return std::nullopt;
  std::string lang;
  for (int shift : {10, 5, 0}) lang += static_cast<char>(((language >> shift) & 0x1F) + 0x60);
  return fmt::format("v={} timescale={} language={}", version, timescale, lang);
}

std::optional<std::string> DecodeHdlr(ByteReader& r, const DumpOptions&) {
  uint8_t version = 0;
  uint32_t flags = 0;
  std::span<const uint8_t> handler;
  if (!ReadFullHeader(r, version, flags) || !r.Skip(4) || !r.ReadBytes(4, handler) || !r.Skip(12)) {
    return std::nullopt;
  }
  std::string name;
  for (uint8_t c : r.rest()) {
    if (c == 0) break;
    name += (c >= 0x20 && c < 0x7F) ? static_cast<char>(c) : '?';
  }
  return fmt::format("handler={} name=\"{}\"", std::string(handler.begin(), handler.end()), name);
}

std::optional<std::string> DecodeFlagsOnly(ByteReader& r, const DumpOptions&) {
  uint8_t version = 0;
  uint32_t flags = 0;
  if (!ReadFullHeader(r, version, flags)) return std::nullopt;
  return fmt::format("v={} flags=0x{:06x}", version, flags);
}

// Full box + a 32-bit entry count (stts, stsc, stco, dref, stsd).
std::optional<std::string> DecodeEntryCount(ByteReader& r, const DumpOptions&) {
  uint8_t version = 0;
  uint32_t flags = 0, count = 0;
  if (!ReadFullHeader(r, version, flags) || !r.ReadU32(count)) return std::nullopt;
  return fmt::format("entries={}", count);
}

std::optional<std::string> DecodeStsz(ByteReader& r, const DumpOptions&) {
  uint8_t version = 0;
  uint32_t flags = 0, sample_size = 0, count = 0;
  if (!ReadFullHeader(r, version, flags) || !r.ReadU32(sample_size) || !r.ReadU32(count)) {
    return std::nullopt;
  }
  return fmt::format("sample_size={} count={}", sample_size, count);
}

std::optional<std::string> DecodeVisualEntry(ByteReader& r, const DumpOptions&) {
  uint16_t data_ref = 0, width = 0, height = 0, frames = 0, depth = 0;
  if (!r.Skip(6) || !r.ReadU16(data_ref) || !r.Skip(16) || !r.ReadU16(width) ||
      !r.ReadU16(height) || !r.Skip(12) || !r.ReadU16(frames) || !r.Skip(32) || !r.ReadU16(depth)) {
    return std::nullopt;
  }
  return fmt::format("data_ref={} width={} height={} frames={} depth=0x{:04x}", data_ref, width,
                     height, frames, depth);
}

std::optional<std::string> DecodeAudioEntry(ByteReader& r, const DumpOptions&) {
  uint16_t data_ref = 0, channels = 0, sample_size = 0;
  uint32_t rate = 0;
  if (!r.Skip(6) || !r.ReadU16(data_ref) || !r.Skip(8) || !r.ReadU16(channels) ||
      !r.ReadU16(sample_size) || !r.Skip(4) || !r.ReadU32(rate)) {
    return std::nullopt;
  }
  return fmt::format("data_ref={} channels={} sample_size={} rate={}", data_ref, channels,
                     sample_size, Fixed16(rate));
}

// AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1): header fields and NAL counts.
std::optional<std::string> DecodeAvcc(ByteReader& r, const DumpOptions&) {
  uint8_t version = 0, profile = 0, compat = 0, level = 0, length_size = 0, sps_count = 0;
  if (!r.ReadU8(version) || !r.ReadU8(profile) || !r.ReadU8(compat) || !r.ReadU8(level) ||
      !r.ReadU8(length_size) || !r.ReadU8(sps_count)) {
    return std::nullopt;
  }
  // NAL unit sizes, SPS then PPS: "26;6".
  auto read_nals = [&](int count, std::string& sizes) {
    for (int i = 0; i < count; ++i) {
      uint16_t len = 0;
      if (!r.ReadU16(len) || !r.Skip(len)) return false;
      sizes += fmt::format("{}{}", sizes.empty() ? "" : ",", len);
    }
    return true;
  };
  std::string sps_sizes, pps_sizes;
  uint8_t pps_count = 0;
  if (!read_nals(sps_count & 0x1F, sps_sizes) || !r.ReadU8(pps_count)) return std::nullopt;
  if (!read_nals(pps_count, pps_sizes)) return std::nullopt;
  const std::string sizes = sps_sizes + ";" + pps_sizes;
  return fmt::format(
      "version={} profile=0x{:02x} compat=0x{:02x} level=0x{:02x} nal_length={} "
      "sps={} pps={} nal_sizes={} extra={}",
      version, profile, compat, level, (length_size & 3) + 1, sps_count & 0x1F, pps_count, sizes,
      r.remaining());
}

std::optional<std::string> DecodePasp(ByteReader& r, const DumpOptions&) {
  uint32_t h = 0, v = 0;
  if (!r.ReadU32(h) || !r.ReadU32(v)) return std::nullopt;
  return fmt::format("h_spacing={} v_spacing={}", h, v);
}

// ISO/IEC 14496-1 §8.3.3 expandable size: up to four 7-bit groups.
bool ReadDescriptor(ByteReader& r, uint8_t& tag, uint32_t& length) {
  if (!r.ReadU8(tag)) return false;
  length = 0;
  for (int i = 0; i < 4; ++i) {
    uint8_t b = 0;
    if (!r.ReadU8(b)) return false;
    length = (length << 7) | (b & 0x7F);
    if (!(b & 0x80)) return length <= r.remaining();
  }
  return false;
}

std::optional<std::string> DecodeEsds(ByteReader& r, const DumpOptions&) {
  uint8_t version = 0, tag = 0, es_flags = 0, oti = 0, stream = 0, sl = 0;
  uint32_t flags = 0, length = 0, buffer = 0, max_rate = 0, avg_rate = 0;
  uint16_t es_id = 0;
  std::span<const uint8_t> asc;
  if (!ReadFullHeader(r, version, flags) || !ReadDescriptor(r, tag, length) || tag != 0x03 ||
      !r.ReadU16(es_id) || !r.ReadU8(es_flags) || es_flags != 0) {
    return std::nullopt;
  }
  if (!ReadDescriptor(r, tag, length) || tag != 0x04 || !r.ReadU8(oti) || !r.ReadU8(stream) ||
      !r.ReadU24(buffer) || !r.ReadU32(max_rate) || !r.ReadU32(avg_rate)) {
    return std::nullopt;
  }
  if (!ReadDescriptor(r, tag, length) || tag != 0x05 || !r.ReadBytes(length, asc)) {
    return std::nullopt;
  }
  if (!ReadDescriptor(r, tag, length) || tag != 0x06 || length != 1 || !r.ReadU8(sl)) {
    return std::nullopt;
  }
  return fmt::format(
      "es_id={} oti=0x{:02x} stream_type={} buffer={} max_bitrate={} "
      "avg_bitrate={} asc={} sl={}",
      es_id, oti, stream >> 2, buffer, max_rate, avg_rate, Hex(asc), sl);
}

std::optional<std::string> DecodeTrex(ByteReader& r, const DumpOptions&) {
  uint8_t version = 0;
  uint32_t flags = 0, track = 0, desc = 0, duration = 0, size = 0, sample_flags = 0;
  if (!ReadFullHeader(r, version, flags) || !r.ReadU32(track) || !r.ReadU32(desc) ||
      !r.ReadU32(duration) || !r.ReadU32(size) || !r.ReadU32(sample_flags)) {
    return std::nullopt;
  }
  return fmt::format("track={} desc={} duration={} size={} flags=0x{:08x}", track, desc, duration,
                     size, sample_flags);
}

std::optional<std::string> DecodeMfhd(ByteReader& r, const DumpOptions&) {
  uint8_t version = 0;
  uint32_t flags = 0, seq = 0;
  if (!ReadFullHeader(r, version, flags) || !r.ReadU32(seq)) return std::nullopt;
  return fmt::format("seq={}", seq);
}

std::optional<std::string> DecodeTfhd(ByteReader& r, const DumpOptions&) {
  uint8_t version = 0;
  uint32_t flags = 0, track = 0;
  if (!ReadFullHeader(r, version, flags) || !r.ReadU32(track)) return std::nullopt;
  std::string out = fmt::format("track={} flags=0x{:06x}", track, flags);
  uint64_t base = 0;
  uint32_t v = 0;
  if (flags & 0x000001) {
    if (!r.ReadU64(base)) return std::nullopt;
    out += fmt::format(" base_data_offset={}", base);
  }
  static constexpr std::pair<uint32_t, std::string_view> kFields[] = {
      {0x000002, "desc"}, {0x000008, "dur"}, {0x000010, "size"}, {0x000020, "sample_flags"}};
  for (const auto& [bit, name] : kFields) {
    if (!(flags & bit)) continue;
    if (!r.ReadU32(v)) return std::nullopt;
    out += fmt::format(" {}={}", name, v);
  }
  return out;
}

std::optional<std::string> DecodeTfdt(ByteReader& r, const DumpOptions&) {
  uint8_t version = 0;
  uint32_t flags = 0, t32 = 0;
  uint64_t t = 0;
  if (!ReadFullHeader(r, version, flags)) return std::nullopt;
  if (version == 1 ? !r.ReadU64(t) : !r.ReadU32(t32)) return std::nullopt;
  if (version != 1) t = t32;
  return fmt::format("v={} base={}", version, t);
}

std::optional<std::string> DecodeTrun(ByteReader& r, const DumpOptions& options) {
  uint8_t version = 0;
  uint32_t flags = 0, count = 0, data_offset = 0, first_flags = 0;
  if (!ReadFullHeader(r, version, flags) || !r.ReadU32(count)) return std::nullopt;
  std::string out = fmt::format("v={} flags=0x{:06x} count={}", version, flags, count);
  if (flags & 0x000001) {
    if (!r.ReadU32(data_offset)) return std::nullopt;
    out += fmt::format(" data_offset={}", static_cast<int32_t>(data_offset));
  }
  if (flags & 0x000004) {
    if (!r.ReadU32(first_flags)) return std::nullopt;
    out += fmt::format(" first_flags=0x{:08x}", first_flags);
  }
  static constexpr std::pair<uint32_t, std::string_view> kFields[] = {
      {0x000100, "dur"}, {0x000200, "size"}, {0x000400, "flags"}, {0x000800, "cto"}};
  // Without per-sample fields there is nothing to read per sample (and `count` is untrusted).
  const uint32_t samples_to_read = (flags & 0x000F00) ? count : 0;
  uint64_t total_duration = 0;
  std::string lines;
  for (uint32_t i = 0; i < samples_to_read; ++i) {
    std::string line;
    for (const auto& [bit, name] : kFields) {
      if (!(flags & bit)) continue;
      uint32_t v = 0;
      if (!r.ReadU32(v)) return std::nullopt;
      if (bit == 0x000100) total_duration += v;
      if (bit == 0x000400) {
        line += fmt::format(" {}=0x{:08x}", name, v);
      } else if (bit == 0x000800 && version == 1) {
        line += fmt::format(" {}={}", name, static_cast<int32_t>(v));
      } else {
        line += fmt::format(" {}={}", name, v);
      }
    }
    if (i < options.max_samples_per_trun) lines += fmt::format("\n  #{}{}", i, line);
  }
  if (samples_to_read > options.max_samples_per_trun) {
    lines += fmt::format("\n  ... {} more", samples_to_read - options.max_samples_per_trun);
  }
  if (flags & 0x000100) out += fmt::format(" total_dur={}", total_duration);
  return out + lines;
}

std::optional<std::string> DecodeMdat(ByteReader& r, const DumpOptions&) {
  uint32_t hash = 2166136261u;  // FNV-1a: pins the payload bytes and their order
  for (uint8_t b : r.rest()) hash = (hash ^ b) * 16777619u;
  return fmt::format("fnv1a=0x{:08x}", hash);
}

const std::map<std::string, Decoder, std::less<>>& Decoders() {
  static const auto* kDecoders = new std::map<std::string, Decoder, std::less<>>{
      {"ftyp", DecodeFtyp},        {"styp", DecodeFtyp},        {"mvhd", DecodeMvhd},
      {"tkhd", DecodeTkhd},        {"mdhd", DecodeMdhd},        {"hdlr", DecodeHdlr},
      {"vmhd", DecodeFlagsOnly},   {"smhd", DecodeFlagsOnly},   {"url ", DecodeFlagsOnly},
      {"dref", DecodeEntryCount},  {"stsd", DecodeEntryCount},  {"stts", DecodeEntryCount},
      {"stsc", DecodeEntryCount},  {"stco", DecodeEntryCount},  {"stsz", DecodeStsz},
      {"avc1", DecodeVisualEntry}, {"avc3", DecodeVisualEntry}, {"mp4a", DecodeAudioEntry},
      {"avcC", DecodeAvcc},        {"pasp", DecodePasp},        {"esds", DecodeEsds},
      {"trex", DecodeTrex},        {"mfhd", DecodeMfhd},        {"tfhd", DecodeTfhd},
      {"tfdt", DecodeTfdt},        {"trun", DecodeTrun},        {"mdat", DecodeMdat},
  };
  return *kDecoders;
}

void DumpLevel(const std::vector<Box>& boxes, int depth, const DumpOptions& options,
               std::string& out) {
  const std::string indent(static_cast<size_t>(depth) * 2, ' ');
  for (const Box& box : boxes) {
    std::string type;
    for (char c : box.type) type += (c >= 0x20 && c < 0x7F) ? c : '?';
    out += fmt::format("{}{} size={}", indent, type, box.size);
    const auto& decoders = Decoders();
    if (auto it = decoders.find(box.type); it != decoders.end()) {
      ByteReader r(box.payload);
      std::optional<std::string> fields = it->second(r, options);
      std::string text = fields ? *fields : "<malformed>";
      // Multi-line decoders (trun samples) indent their continuation lines under the box.
      for (size_t pos = 0; (pos = text.find('\n', pos)) != std::string::npos; pos += 1) {
        text.insert(pos + 1, indent);
        pos += indent.size();
      }
      out += ' ';
      out += text;
    }
    out += '\n';
    DumpLevel(box.children, depth + 1, options, out);
  }
}

}  // namespace

base::Result<std::string> DumpBoxes(std::span<const uint8_t> data, const DumpOptions& options) {
  SC_ASSIGN_OR_RETURN(std::vector<Box> boxes, ReadBoxes(data, options.limits));
  std::string out;
  DumpLevel(boxes, 0, options, out);
  return out;
}

}  // namespace steadycast::formats::fmp4
