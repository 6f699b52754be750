#pragma once
// Program Specific Information (ISO/IEC 13818-1 §2.4.4): section reassembly from transport
// packet payloads, CRC_32 (Annex A), and the two tables the demuxer needs, the Program
// Association Table (§2.4.4.3) and the TS Program Map Table (§2.4.4.8).
//
//   section = table_id(8) section_syntax_indicator(1) '0'(1) reserved(2) section_length(12)
//             table_id_extension(16) reserved(2) version_number(5) current_next_indicator(1)
//             section_number(8) last_section_number(8) ... CRC_32(32)
//
// A packet with payload_unit_start_indicator begins with pointer_field: the number of bytes
// that still belong to the previous section before the next one starts.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "base/status.h"
#include "formats/mpegts/ts_listener.h"

namespace steadycast::formats::mpegts {

inline constexpr uint8_t kTableIdPat = 0x00;
inline constexpr uint8_t kTableIdPmt = 0x02;
// §2.4.4.3 / §2.4.4.8: the first two bits of section_length are '00' and the value does not
// exceed 1021 for PAT and PMT, so a section is at most 1024 bytes.
inline constexpr size_t kMaxPsiSectionLength = 1021;
inline constexpr size_t kSectionHeaderSize = 3;  // table_id + flags/section_length

// CRC-32/MPEG-2 (Annex A): polynomial 0x04C11DB7, initial value 0xFFFFFFFF, no reflection,
// no final xor. Over a whole section including its CRC_32 field the result is 0.
uint32_t Crc32Mpeg2(std::span<const uint8_t> data);

// SectionAssembler: rebuilds the PSI sections of one PID from consecutive packet payloads.
// Handles pointer_field, sections spanning packets, several sections in one packet and
// 0xFF stuffing. Sections longer than `max_section_length` are refused from their header
// (never buffered), so the buffer stays below 3 + max_section_length bytes. Only long-form
// sections (section_syntax_indicator = 1) with a good CRC_32 come out; the rest is counted
// in `stats` (crc_errors, invalid_sections).
// Not thread-safe; one per PSI PID; `stats` must outlive it.
class SectionAssembler {
 public:
  // The span is valid only during the call.
  using SectionHandler = std::function<void(std::span<const uint8_t> section)>;

  explicit SectionAssembler(TsDemuxerStats& stats,
                            size_t max_section_length = kMaxPsiSectionLength);

  // Feeds one packet's payload; calls `on_section` for every complete, CRC-checked section.
  void Push(std::span<const uint8_t> payload, bool unit_start, const SectionHandler& on_section);
  // Drops a partial section (after a continuity gap) and waits for the next unit start.
  void Reset();

 private:
  // Consumes section bytes from `data` until it runs out or stuffing begins.
  void Consume(std::span<const uint8_t> data, const SectionHandler& on_section);
  void Complete(const SectionHandler& on_section);

  TsDemuxerStats& stats_;
  const size_t max_section_length_;
  bool in_section_ = false;  // after a unit start, until stuffing or an error
  size_t needed_ = 0;        // total size of the section in buffer_, once its header is in
  std::vector<uint8_t> buffer_;
};

struct PatProgram {
  uint16_t program_number = 0;  // 0 = network_PID entry
  uint16_t pid = 0;             // program_map_PID (or network_PID)
};

struct Pat {
  uint16_t transport_stream_id = 0;
  uint8_t version = 0;
  bool current_next = true;  // false: announced for later, not yet applicable
  uint8_t section_number = 0;
  std::vector<PatProgram> programs;
};

// Parses a complete PAT section (CRC already checked by SectionAssembler).
base::Result<Pat> ParsePat(std::span<const uint8_t> section);

struct PmtStream {
  uint8_t stream_type = 0;
  uint16_t pid = 0;
  bool operator==(const PmtStream&) const = default;
};

struct Pmt {
  uint16_t program_number = 0;
  uint8_t version = 0;
  bool current_next = true;
  uint16_t pcr_pid = 0;
  std::vector<PmtStream> streams;  // descriptors are not interpreted
};

// Parses a complete PMT section; program_info_length and every ES_info_length are checked
// against the section.
base::Result<Pmt> ParsePmt(std::span<const uint8_t> section);

}  // namespace steadycast::formats::mpegts
