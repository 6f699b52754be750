#include "formats/mpegts/ts_packet.h"

#include <fmt/format.h>

namespace steadycast::formats::mpegts {
namespace {

constexpr size_t kHeaderSize = 4;
constexpr size_t kPcrSize = 6;

// program_clock_reference_base(33) reserved(6) program_clock_reference_extension(9).
uint64_t ReadPcr(std::span<const uint8_t, kPcrSize> b) {
  const uint64_t base = (uint64_t{b[0]} << 25) | (uint64_t{b[1]} << 17) | (uint64_t{b[2]} << 9) |
                        (uint64_t{b[3]} << 1) | (uint64_t{b[4]} >> 7);
  const uint64_t extension = (uint64_t{b[4]} & 0x01) << 8 | b[5];
  return base * 300 + extension;
}

}  // namespace

base::Result<TsPacket> ParseTsPacket(std::span<const uint8_t> packet) {
  if (packet.size() != kTsPacketSize || packet[0] != kTsSyncByte) {
    return base::InvalidArgument("ts: not a 188-byte packet starting with 0x47");
  }
  TsPacket out;
  out.transport_error = (packet[1] & 0x80) != 0;
  out.payload_unit_start = (packet[1] & 0x40) != 0;
  out.pid = static_cast<uint16_t>((packet[1] & 0x1F) << 8 | packet[2]);
  out.scrambling = static_cast<uint8_t>(packet[3] >> 6);
  const int adaptation_field_control = (packet[3] >> 4) & 0x03;
  out.continuity_counter = packet[3] & 0x0F;
  if (adaptation_field_control == 0) {
    return base::InvalidArgument(
        fmt::format("ts: pid {}: reserved adaptation_field_control 00", out.pid));
  }
  out.has_payload = (adaptation_field_control & 0x01) != 0;
  size_t payload_start = kHeaderSize;
  if ((adaptation_field_control & 0x02) != 0) {
    const size_t length = packet[kHeaderSize];
    // §2.4.3.5: 0..182 with a payload, 183 without; 183 with an (empty) payload is tolerated.
    if (length > kTsPacketSize - kHeaderSize - 1) {
      return base::InvalidArgument(fmt::format(
          "ts: pid {}: adaptation_field_length {} exceeds the packet", out.pid, length));
    }
    if (length > 0) {
      const uint8_t flags = packet[kHeaderSize + 1];
      out.discontinuity = (flags & 0x80) != 0;
      out.random_access = (flags & 0x40) != 0;
      if ((flags & 0x10) != 0) {
        if (length < 1 + kPcrSize) {
          return base::InvalidArgument(fmt::format(
              "ts: pid {}: adaptation_field_length {} too short for its PCR", out.pid, length));
        }
        out.pcr = ReadPcr(packet.subspan(kHeaderSize + 2).first<kPcrSize>());
      }
    }
    payload_start = kHeaderSize + 1 + length;
  }
  if (out.has_payload) out.payload = packet.subspan(payload_start);
  return out;
}

ContinuityChecker::Verdict ContinuityChecker::Check(const TsPacket& packet) {
  // Packets without payload carry the previous counter value and prove nothing.
  if (!packet.has_payload) return Verdict::kOk;
  const int cc = packet.continuity_counter;
  const int last = last_;
  const bool duplicate_seen = duplicate_seen_;
  last_ = cc;
  duplicate_seen_ = false;
  if (last < 0 || packet.discontinuity) return Verdict::kOk;
  if (cc == last) {
    // A second consecutive repeat is not a duplicate any more: most likely exactly 16
    // packets were lost.
    if (duplicate_seen) return Verdict::kGap;
    duplicate_seen_ = true;
    return Verdict::kDuplicate;
  }
  return cc == ((last + 1) & 0x0F) ? Verdict::kOk : Verdict::kGap;
}

}  // namespace steadycast::formats::mpegts
