#pragma once
// The MPEG-TS packet layer (ISO/IEC 13818-1 §2.4.3.2 transport packet, §2.4.3.4 adaptation
// field, §2.4.3.3 continuity_counter semantics). Pure functions and a tiny per-PID checker;
// the demuxer (ts_demuxer.h) does sync recovery and routing.
//
//   byte 0   sync_byte 0x47
//   byte 1   transport_error_indicator(1) payload_unit_start_indicator(1)
//            transport_priority(1) PID[12:8](5)
//   byte 2   PID[7:0]
//   byte 3   transport_scrambling_control(2) adaptation_field_control(2) continuity_counter(4)
//   [adaptation field]  adaptation_field_length(8), then if length > 0:
//            discontinuity(1) random_access(1) es_priority(1) PCR_flag(1) OPCR_flag(1)
//            splicing_point(1) private_data(1) extension(1),
//            PCR: program_clock_reference_base(33) reserved(6) extension(9), ...
//   [payload]  up to 184 bytes

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "base/status.h"

namespace steadycast::formats::mpegts {

inline constexpr size_t kTsPacketSize = 188;
inline constexpr uint8_t kTsSyncByte = 0x47;
inline constexpr uint16_t kPatPid = 0x0000;
inline constexpr uint16_t kNullPid = 0x1FFF;
inline constexpr uint64_t kPcrClockHz = 27'000'000;

// One parsed packet. `payload` points into the bytes given to ParseTsPacket and is valid only
// as long as they are.
struct TsPacket {
  uint16_t pid = 0;
  bool transport_error = false;     // the packet is known to be damaged
  bool payload_unit_start = false;  // a PES or a PSI section (pointer_field) starts here
  uint8_t scrambling = 0;           // transport_scrambling_control; 0 = clear
  uint8_t continuity_counter = 0;
  bool has_payload = false;     // adaptation_field_control 01 or 11
  bool discontinuity = false;   // discontinuity_indicator: continuity_counter may jump
  bool random_access = false;   // random_access_indicator
  std::optional<uint64_t> pcr;  // 27 MHz units: base * 300 + extension
  std::span<const uint8_t> payload;
};

// Parses exactly one 188-byte packet whose first byte is the sync byte. Fails (the caller
// drops the packet) on adaptation_field_control 00 (reserved), an adaptation field longer
// than the packet, or a PCR flag in an adaptation field too short to hold a PCR. A packet
// with transport_error_indicator set is parsed like any other: deciding to drop it is the
// caller's job.
base::Result<TsPacket> ParseTsPacket(std::span<const uint8_t> packet);

// Continuity check for one PID (§2.4.3.3): the counter increments by one (mod 16) in each
// packet with a payload; packets without payload repeat it. One consecutive duplicate of a
// packet is allowed (and must be ignored by the receiver); a discontinuity_indicator allows
// any value. Not thread-safe; one per PID the demuxer follows.
class ContinuityChecker {
 public:
  enum class Verdict {
    kOk,         // process the packet
    kDuplicate,  // the allowed repeat of the previous packet: skip its payload
    kGap,        // packets were lost (or reordered) before this one: process it anyway
  };

  Verdict Check(const TsPacket& packet);
  void Reset() {
    last_ = -1;
    duplicate_seen_ = false;
  }

 private:
  int last_ = -1;  // -1 = nothing seen yet
  bool duplicate_seen_ = false;
};

}  // namespace steadycast::formats::mpegts
