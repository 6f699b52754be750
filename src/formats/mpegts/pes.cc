#include "formats/mpegts/pes.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace steadycast::formats::mpegts {
namespace {

using base::InvalidArgument;

constexpr size_t kOptionalHeaderStart = 9;  // after the flags and PES_header_data_length
constexpr size_t kTimestampSize = 5;

// Table 2-22: stream ids whose PES packets have no optional header (padding, private 2,
// ECM/EMM, DSM-CC, H.222.1 type E, program stream map and directory).
bool HasOptionalHeader(uint8_t stream_id) {
  switch (stream_id) {
    case 0xBC:
    case 0xBE:
    case 0xBF:
    case 0xF0:
    case 0xF1:
    case 0xF2:
    case 0xF8:
    case 0xFF:
      return false;
    default:
      return true;
  }
}

bool HasStartCode(std::span<const uint8_t> pes) {
  return pes.size() >= 3 && pes[0] == 0 && pes[1] == 0 && pes[2] == 1;
}

// '001x' or '0011'/'0001' prefix(4) TS[32:30](3) marker(1) TS[29:15](15) marker(1)
// TS[14:0](15) marker(1). Marker bits are not enforced: some muxers get them wrong.
uint64_t ReadTimestamp(std::span<const uint8_t> b) {
  return (uint64_t{b[0]} >> 1 & 0x07) << 30 | uint64_t{b[1]} << 22 | (uint64_t{b[2]} >> 1) << 15 |
         uint64_t{b[3]} << 7 | uint64_t{b[4]} >> 1;
}

}  // namespace

base::Result<PesHeader> ParsePesHeader(std::span<const uint8_t> pes) {
  if (pes.size() < kPesStartSize || !HasStartCode(pes)) {
    return InvalidArgument("pes: no packet_start_code_prefix");
  }
  PesHeader header;
  header.stream_id = pes[3];
  header.packet_length = static_cast<uint16_t>(pes[4] << 8 | pes[5]);
  if (!HasOptionalHeader(header.stream_id)) return header;
  if (pes.size() < kOptionalHeaderStart) return InvalidArgument("pes: truncated header");
  if ((pes[6] & 0xC0) != 0x80) return InvalidArgument("pes: '10' marker missing");
  if ((pes[6] & 0x30) != 0) return InvalidArgument("pes: scrambled payload");
  header.data_alignment = (pes[6] & 0x04) != 0;
  const int pts_dts_flags = pes[7] >> 6;
  const size_t data_length = pes[8];
  header.header_size = kOptionalHeaderStart + data_length;
  if (header.header_size > pes.size() ||
      (header.packet_length != 0 && header.header_size > kPesStartSize + header.packet_length)) {
    return InvalidArgument(
        fmt::format("pes: PES_header_data_length {} runs past the packet", data_length));
  }
  if (pts_dts_flags == 1) return InvalidArgument("pes: forbidden PTS_DTS_flags 01");
  const size_t timestamps = pts_dts_flags == 3 ? 2 : pts_dts_flags == 2 ? 1 : 0;
  if (data_length < timestamps * kTimestampSize) {
    return InvalidArgument(fmt::format("pes: PES_header_data_length {} too short for {} timestamps",
                                       data_length, timestamps));
  }
  if (timestamps >= 1) header.pts = ReadTimestamp(pes.subspan(kOptionalHeaderStart));
  if (timestamps == 2) {
    header.dts = ReadTimestamp(pes.subspan(kOptionalHeaderStart + kTimestampSize));
  }
  return header;
}

PesAssembler::PesAssembler(TsDemuxerStats& stats, size_t max_pes_size)
    : stats_(stats), max_pes_size_(std::max(max_pes_size, kPesStartSize)) {}

void PesAssembler::Push(std::span<const uint8_t> payload, bool unit_start,
                        const PesHandler& on_pes) {
  if (unit_start) {
    Finish(on_pes);
    state_ = State::kAssembling;
    corrupt_ = false;
    total_size_.reset();
    length_known_ = false;
  }
  if (state_ == State::kComplete && !payload.empty()) ++stats_.pes_overruns;
  if (state_ != State::kAssembling) return;
  size_t take = payload.size();
  if (total_size_) take = std::min(take, *total_size_ - buffer_.size());
  bool overran = take < payload.size();
  if (!total_size_ && buffer_.size() + take > max_pes_size_) {
    ++stats_.pes_overflows;  // unbounded (or not yet known) size grew past the cap
    Drop();
    return;
  }
  buffer_.insert(buffer_.end(), payload.begin(), payload.begin() + take);
  if (!length_known_ && buffer_.size() >= kPesStartSize) {
    length_known_ = true;
    if (!HasStartCode(buffer_)) {
      ++stats_.invalid_pes;
      Drop();
      return;
    }
    const size_t length = static_cast<size_t>(buffer_[4]) << 8 | buffer_[5];
    if (length != 0) {
      if (kPesStartSize + length > max_pes_size_) {
        ++stats_.pes_overflows;  // refused from its header, never buffered
        Drop();
        return;
      }
      total_size_ = kPesStartSize + length;
      if (buffer_.size() > *total_size_) {
        buffer_.resize(*total_size_);
        overran = true;
      }
    }
  }
  if (total_size_ && buffer_.size() == *total_size_) {
    if (overran) ++stats_.pes_overruns;
    Emit(on_pes, State::kComplete);
  }
}

void PesAssembler::MarkCorrupt() {
  if (state_ == State::kAssembling) corrupt_ = true;
  if (state_ == State::kComplete) state_ = State::kIdle;
}

void PesAssembler::Flush(const PesHandler& on_pes) {
  Finish(on_pes);
  state_ = State::kIdle;
}

void PesAssembler::Finish(const PesHandler& on_pes) {
  if (state_ != State::kAssembling) return;
  if (!length_known_) {
    ++stats_.invalid_pes;  // fewer than 6 bytes: not even a header
    Drop();
    return;
  }
  if (total_size_) {
    ++stats_.truncated_pes;  // bounded but short: bytes were lost
    corrupt_ = true;
  }
  Emit(on_pes, State::kIdle);
}

void PesAssembler::Drop() {
  state_ = State::kIdle;
  corrupt_ = false;
  std::vector<uint8_t>().swap(buffer_);  // give a capped-out buffer's memory back
}

void PesAssembler::Emit(const PesHandler& on_pes, State next) {
  RawPes pes{base::Buffer::Take(std::move(buffer_)), corrupt_};
  buffer_ = {};
  state_ = next;
  corrupt_ = false;
  on_pes(std::move(pes));
}

}  // namespace steadycast::formats::mpegts
