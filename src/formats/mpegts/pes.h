#pragma once
// PES packets (ISO/IEC 13818-1 §2.4.3.6 syntax, §2.4.3.7 semantics): reassembly from
// transport packet payloads and header parsing.
//
//   packet_start_code_prefix 00 00 01 | stream_id(8) | PES_packet_length(16)
//   then, for audio/video/private_stream_1 stream ids:
//   '10' scrambling(2) priority(1) data_alignment(1) copyright(1) original(1)
//   PTS_DTS_flags(2) ESCR(1) ES_rate(1) DSM_trick(1) additional_copy(1) CRC(1) extension(1)
//   PES_header_data_length(8) | PTS (5 bytes) | DTS (5 bytes) | other fields, stuffing
//   | payload
//
// PES_packet_length counts the bytes after itself; 0 means "unbounded" (video only): the
// packet then ends where the next one starts (payload_unit_start_indicator).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "base/buffer.h"
#include "base/status.h"
#include "formats/mpegts/ts_listener.h"

namespace steadycast::formats::mpegts {

inline constexpr size_t kPesStartSize = 6;  // start code, stream_id, PES_packet_length
inline constexpr uint64_t kPtsMask = (uint64_t{1} << 33) - 1;

struct PesHeader {
  uint8_t stream_id = 0;
  uint16_t packet_length = 0;   // PES_packet_length; 0 = unbounded
  std::optional<uint64_t> pts;  // 33-bit, 90 kHz
  std::optional<uint64_t> dts;  // 33-bit, 90 kHz; only together with a PTS
  bool data_alignment = false;
  size_t header_size = kPesStartSize;  // bytes before the payload
};

// Parses the header at the start of a complete PES packet. Fails on a missing start code,
// scrambled payload, the forbidden PTS_DTS_flags value 01, a PES_header_data_length too
// short for the flagged PTS/DTS, or a header longer than the packet.
base::Result<PesHeader> ParsePesHeader(std::span<const uint8_t> pes);

// One reassembled PES packet (header included).
struct RawPes {
  base::Buffer bytes;
  bool maybe_corrupt = false;  // a continuity gap or truncation happened inside it
};

// A PES packet ready for an elementary stream parser: header parsed, timestamps unwrapped
// onto the 64-bit timeline (timestamp.h).
struct PesPayload {
  std::optional<int64_t> pts;
  std::optional<int64_t> dts;  // equals pts when the PES has no DTS
  bool maybe_corrupt = false;
  base::Buffer data;  // the elementary stream bytes after the PES header
};

// PesAssembler: collects the PES packets of one PID from consecutive packet payloads. A
// packet ends when PES_packet_length bytes have arrived (emitted at once, no waiting for the
// next packet) or, when unbounded, at the next unit start (or Flush). A PES_packet_length
// over `max_pes_size` is refused from the first 6 bytes; an unbounded packet is dropped as
// soon as it grows past the cap: both count pes_overflows and skip to the next unit start.
// Counts into `stats` (pes_overflows, truncated_pes, invalid_pes, pes_overruns).
// Not thread-safe; one per elementary PID; `stats` must outlive it.
class PesAssembler {
 public:
  using PesHandler = std::function<void(RawPes pes)>;

  PesAssembler(TsDemuxerStats& stats, size_t max_pes_size);

  // Feeds one packet's payload; calls `on_pes` for each completed PES.
  void Push(std::span<const uint8_t> payload, bool unit_start, const PesHandler& on_pes);
  // A continuity gap: the PES being assembled (if any) lost bytes. After a complete bounded
  // PES the lost packets began the next one, so what follows is skipped, not an overrun.
  void MarkCorrupt();
  // End of input: emits an unbounded PES in progress (a bounded one as truncated).
  void Flush(const PesHandler& on_pes);

 private:
  enum class State {
    kIdle,        // waiting for a unit start (at the beginning, after a drop or an unbounded PES)
    kAssembling,  // a PES started and is not complete
    kComplete,    // a bounded PES ended: payload before the next unit start is an overrun
  };

  // Ends the PES in progress at a unit start or at the end of input.
  void Finish(const PesHandler& on_pes);
  void Drop();
  void Emit(const PesHandler& on_pes, State next);

  TsDemuxerStats& stats_;
  const size_t max_pes_size_;
  State state_ = State::kIdle;
  bool corrupt_ = false;              // the PES in progress is marked maybe_corrupt
  bool length_known_ = false;         // the 6-byte start has been checked
  std::optional<size_t> total_size_;  // 6 + PES_packet_length, once known and non-zero
  std::vector<uint8_t> buffer_;
};

}  // namespace steadycast::formats::mpegts
