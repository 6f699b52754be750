#pragma once
// TsDemuxer: a pure, incremental MPEG-2 transport stream demuxer (ISO/IEC 13818-1) for SRT
// and file ingest. Bytes go in with any split (SRT delivers 1316-byte payloads = 7 packets,
// but nothing depends on that); track configs and access units in the media model come out
// through a TsDemuxerListener (ts_listener.h). Identical input gives identical events for
// every split. No sockets, files, clocks or globals.
//
// Layers, each in its own file:
//   ts_packet.h    188-byte packets, adaptation field, PCR, continuity counters (§2.4.3)
//   psi.h          PAT/PMT section reassembly and CRC_32 (§2.4.4, Annex A)
//   pes.h          PES reassembly with a size cap and header parsing (§2.4.3.6)
//   timestamp.h    33-bit PTS/DTS → 64-bit 90 kHz timeline
//   video_stream.h H.264 / H.265 Annex B → access units and track config
//   adts_stream.h  AAC ADTS → access units and track config
//
// Sync: the stream is expected to start on a packet boundary; if it does not, or a packet
// does not start with 0x47 later, bytes are skipped until 0x47 appears at three consecutive
// 188-byte strides (counted in sync_losses / resyncs / skipped_bytes).
//
// Programs: only the first program of the PAT is followed (an SRT/contribution stream has
// one); its PMT selects the first H.264 or H.265 stream and the first AAC ADTS stream. AAC
// LATM, other codecs and further audio/video streams are reported with OnUnsupportedStream;
// data streams are ignored. A new PMT version (or content) reports the new stream set;
// streams whose PID and type did not change keep their state.
//
// Damage never fails Feed(): it is counted (TsDemuxerStats) and, where it touches an access
// unit, marked in AccessUnit::maybe_corrupt. The only error is input that never syncs
// (TsDemuxerLimits::max_unsynced_bytes): not MPEG-TS at all. Memory is bounded by the PES
// caps, one PSI section (≤ 1024 bytes) and a few packets of carry-over.
//
// Ownership: the demuxer does not own its listener, which must outlive it. Threading: one
// thread at a time (e.g. the SRT connection's strand); no internal locking.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "base/status.h"
#include "formats/mpegts/adts_stream.h"
#include "formats/mpegts/pes.h"
#include "formats/mpegts/psi.h"
#include "formats/mpegts/timestamp.h"
#include "formats/mpegts/ts_listener.h"
#include "formats/mpegts/ts_packet.h"
#include "formats/mpegts/video_stream.h"

namespace steadycast::formats::mpegts {

class TsDemuxer {
 public:
  explicit TsDemuxer(TsDemuxerListener& listener, TsDemuxerLimits limits = {});
  ~TsDemuxer();

  TsDemuxer(const TsDemuxer&) = delete;
  TsDemuxer& operator=(const TsDemuxer&) = delete;

  // Consumes all of `data` (read only during the call), calling the listener for everything
  // that completes. After an error the demuxer stays failed and returns it again.
  base::Status Feed(std::span<const uint8_t> data);

  // End of input (publisher gone): emits the access unit of an unbounded video PES still in
  // progress, drops partial data (counted). Feeding afterwards continues the same program
  // (tables, track configs and the timeline are kept; sync and continuity start afresh).
  // Returns the sticky error, if any.
  base::Status Finish();

  const TsDemuxerStats& stats() const { return stats_; }
  // The followed program as of its latest PMT; empty before the first PMT.
  const std::optional<ProgramInfo>& program() const { return program_; }
  const TsDemuxerLimits& limits() const { return limits_; }

 private:
  enum class Sync { kStart, kSynced, kHunting };

  struct PsiPid {
    PsiPid(uint16_t pid, TsDemuxerStats& stats) : pid(pid), sections(stats) {}
    uint16_t pid;
    ContinuityChecker continuity;
    SectionAssembler sections;
  };
  struct PmtPid : PsiPid {
    PmtPid(uint16_t pid, uint16_t program_number, TsDemuxerStats& stats)
        : PsiPid(pid, stats), program_number(program_number) {}
    uint16_t program_number;
  };
  // One carried elementary stream.
  struct EsPid {
    EsPid(const ElementaryStreamInfo& info, size_t max_pes_size, TsDemuxerListener& listener,
          TsDemuxerStats& stats);
    uint16_t pid;
    uint8_t stream_type;
    media::TrackKind kind;
    ContinuityChecker continuity;
    PesAssembler pes;
    std::unique_ptr<VideoStream> video;
    std::unique_ptr<AdtsStream> audio;
    std::optional<int64_t> last_dts;  // for jump reports
  };

  // Consumes whole packets and sync-hunting steps from `data`; returns the bytes used. Stops
  // when what is left cannot be decided yet (< 1 packet, or an unconfirmed sync candidate).
  size_t Scan(std::span<const uint8_t> data);
  // At a 0x47 while hunting: true when the next strides confirm it (or `data` is too short
  // to tell yet: `undecided`).
  static bool ConfirmSync(std::span<const uint8_t> data, bool& undecided);
  void OnPacket(std::span<const uint8_t> bytes);
  // Continuity bookkeeping shared by PSI and PES PIDs: false = skip the packet's payload.
  bool CheckContinuity(ContinuityChecker& checker, const TsPacket& packet, bool& gap);
  void OnPsiPacket(PsiPid& psi, const TsPacket& packet);
  void OnPat(std::span<const uint8_t> section);
  void OnPmt(std::span<const uint8_t> section);
  void ApplyProgram(const Pmt& pmt);
  // Builds the report for one PMT entry; `video_taken`/`audio_taken` say whether an earlier
  // entry already claimed the track.
  static ElementaryStreamInfo Classify(const PmtStream& stream, bool video_taken, bool audio_taken);
  // Keeps `slot` if it already follows `info` (same PID and type), else replaces it.
  void Reconcile(std::unique_ptr<EsPid>& slot, const ElementaryStreamInfo* info);
  void OnEsPacket(EsPid& es, const TsPacket& packet);
  void OnPes(EsPid& es, RawPes raw);
  void FlushStreams();

  TsDemuxerListener& listener_;
  const TsDemuxerLimits limits_;
  TsDemuxerStats stats_;
  base::Status error_;

  Sync sync_ = Sync::kStart;
  size_t unsynced_run_ = 0;     // consecutive bytes skipped while hunting
  std::vector<uint8_t> carry_;  // undecided bytes between Feed() calls (< a few packets)

  PsiPid pat_;
  std::unique_ptr<PmtPid> pmt_;
  std::optional<ProgramInfo> program_;
  std::unique_ptr<EsPid> video_;
  std::unique_ptr<EsPid> audio_;
  TimestampUnwrapper timestamps_;
};

}  // namespace steadycast::formats::mpegts
