#include "formats/mpegts/psi.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "base/bytes.h"

namespace steadycast::formats::mpegts {
namespace {

using base::InvalidArgument;

constexpr size_t kCrcSize = 4;
// table_id_extension(16), version/current_next(8), section_number(8), last_section_number(8).
constexpr size_t kLongHeaderRest = 5;
constexpr size_t kMinLongSection = kSectionHeaderSize + kLongHeaderRest + kCrcSize;

constexpr std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i << 24;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x80000000u) != 0 ? (crc << 1) ^ 0x04C11DB7u : crc << 1;
    }
    table[i] = crc;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kCrcTable = MakeCrcTable();

// The fields every long-form section shares. `body` is what follows last_section_number,
// without the CRC_32.
struct LongSection {
  uint8_t table_id = 0;
  uint16_t table_id_extension = 0;
  uint8_t version = 0;
  bool current_next = true;
  uint8_t section_number = 0;
  std::span<const uint8_t> body;
};

base::Result<LongSection> ParseLongSection(std::span<const uint8_t> section,
                                           uint8_t expected_table_id) {
  if (section.size() < kMinLongSection) {
    return InvalidArgument(fmt::format("psi: section of {} bytes is too short", section.size()));
  }
  LongSection out;
  out.table_id = section[0];
  if (out.table_id != expected_table_id) {
    return InvalidArgument(
        fmt::format("psi: table_id {:#04x}, expected {:#04x}", out.table_id, expected_table_id));
  }
  const size_t length = static_cast<size_t>(section[1] & 0x0F) << 8 | section[2];
  if ((section[1] & 0x80) == 0 || kSectionHeaderSize + length != section.size()) {
    return InvalidArgument("psi: not a complete long-form section");
  }
  out.table_id_extension = static_cast<uint16_t>(section[3] << 8 | section[4]);
  out.version = (section[5] >> 1) & 0x1F;
  out.current_next = (section[5] & 0x01) != 0;
  out.section_number = section[6];
  out.body =
      section.subspan(kSectionHeaderSize + kLongHeaderRest, length - kLongHeaderRest - kCrcSize);
  return out;
}

}  // namespace

uint32_t Crc32Mpeg2(std::span<const uint8_t> data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (uint8_t byte : data) crc = (crc << 8) ^ kCrcTable[((crc >> 24) ^ byte) & 0xFF];
  return crc;
}

SectionAssembler::SectionAssembler(TsDemuxerStats& stats, size_t max_section_length)
    : stats_(stats), max_section_length_(max_section_length) {}

void SectionAssembler::Reset() {
  in_section_ = false;
  needed_ = 0;
  buffer_.clear();
}

void SectionAssembler::Push(std::span<const uint8_t> payload, bool unit_start,
                            const SectionHandler& on_section) {
  if (!unit_start) {
    if (in_section_) Consume(payload, on_section);
    return;
  }
  if (payload.empty()) {
    ++stats_.invalid_sections;
    Reset();
    return;
  }
  const size_t pointer = payload[0];
  const std::span<const uint8_t> rest = payload.subspan(1);
  if (pointer > rest.size()) {
    ++stats_.invalid_sections;  // pointer_field points past the packet
    Reset();
    return;
  }
  // The first `pointer` bytes finish the section in progress, if any.
  if (in_section_ && !buffer_.empty()) {
    Consume(rest.first(pointer), on_section);
    if (!buffer_.empty()) ++stats_.invalid_sections;  // cut short by the new section
  }
  Reset();
  in_section_ = true;
  Consume(rest.subspan(pointer), on_section);
}

void SectionAssembler::Consume(std::span<const uint8_t> data, const SectionHandler& on_section) {
  while (!data.empty() && in_section_) {
    if (buffer_.empty() && data[0] == 0xFF) {
      in_section_ = false;  // stuffing up to the end of the packet
      return;
    }
    if (buffer_.size() < kSectionHeaderSize) {
      const size_t take = std::min(kSectionHeaderSize - buffer_.size(), data.size());
      buffer_.insert(buffer_.end(), data.begin(), data.begin() + take);
      data = data.subspan(take);
      if (buffer_.size() < kSectionHeaderSize) return;
      const size_t length = static_cast<size_t>(buffer_[1] & 0x0F) << 8 | buffer_[2];
      if (length > max_section_length_) {
        ++stats_.invalid_sections;  // refused before buffering (e.g. 4095 on a PMT)
        Reset();
        return;
      }
      needed_ = kSectionHeaderSize + length;
    }
    const size_t take = std::min(needed_ - buffer_.size(), data.size());
    buffer_.insert(buffer_.end(), data.begin(), data.begin() + take);
    data = data.subspan(take);
    if (buffer_.size() == needed_) Complete(on_section);
  }
}

void SectionAssembler::Complete(const SectionHandler& on_section) {
  std::vector<uint8_t> section;
  section.swap(buffer_);
  needed_ = 0;
  if ((section[1] & 0x80) == 0 || section.size() < kMinLongSection) {
    ++stats_.invalid_sections;  // short-form or too short for the long header and CRC
    return;
  }
  if (Crc32Mpeg2(section) != 0) {
    ++stats_.crc_errors;
    return;
  }
  ++stats_.sections;
  on_section(section);
}

base::Result<Pat> ParsePat(std::span<const uint8_t> section) {
  SC_ASSIGN_OR_RETURN(LongSection s, ParseLongSection(section, kTableIdPat).WithContext("pat"));
  if (s.body.size() % 4 != 0) {
    return InvalidArgument(fmt::format("pat: program loop of {} bytes", s.body.size()));
  }
  Pat pat;
  pat.transport_stream_id = s.table_id_extension;
  pat.version = s.version;
  pat.current_next = s.current_next;
  pat.section_number = s.section_number;
  for (size_t i = 0; i < s.body.size(); i += 4) {
    PatProgram program;
    program.program_number = static_cast<uint16_t>(s.body[i] << 8 | s.body[i + 1]);
    program.pid = static_cast<uint16_t>((s.body[i + 2] & 0x1F) << 8 | s.body[i + 3]);
    pat.programs.push_back(program);
  }
  return pat;
}

base::Result<Pmt> ParsePmt(std::span<const uint8_t> section) {
  SC_ASSIGN_OR_RETURN(LongSection s, ParseLongSection(section, kTableIdPmt).WithContext("pmt"));
  Pmt pmt;
  pmt.program_number = s.table_id_extension;
  pmt.version = s.version;
  pmt.current_next = s.current_next;
  base::ByteReader in(s.body);
  uint16_t pcr_pid = 0;
  uint16_t program_info_length = 0;
  if (!in.ReadU16(pcr_pid) || !in.ReadU16(program_info_length)) {
    return InvalidArgument("pmt: truncated before program_info_length");
  }
  pmt.pcr_pid = pcr_pid & 0x1FFF;
  if (!in.Skip(program_info_length & 0x0FFF)) {
    return InvalidArgument(fmt::format("pmt: program_info_length {} runs past the section",
                                       program_info_length & 0x0FFF));
  }
  while (!in.empty()) {
    uint8_t stream_type = 0;
    uint16_t pid = 0;
    uint16_t es_info_length = 0;
    if (!in.ReadU8(stream_type) || !in.ReadU16(pid) || !in.ReadU16(es_info_length)) {
      return InvalidArgument("pmt: truncated elementary stream entry");
    }
    if (!in.Skip(es_info_length & 0x0FFF)) {
      return InvalidArgument(fmt::format("pmt: ES_info_length {} of pid {} runs past the section",
                                         es_info_length & 0x0FFF, pid & 0x1FFF));
    }
    pmt.streams.push_back({stream_type, static_cast<uint16_t>(pid & 0x1FFF)});
  }
  return pmt;
}

}  // namespace steadycast::formats::mpegts
