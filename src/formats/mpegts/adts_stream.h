#pragma once
// AdtsStream: turns the PES packets of an AAC elementary stream in ADTS framing (stream_type
// 0x0F, ISO/IEC 13818-1 Table 2-34; ADTS per ISO/IEC 14496-3 §1.A.2) into one access unit per
// raw AAC frame, ADTS header stripped.
//
// A PES may hold several frames, and a frame may continue into the next PES (the spec does
// not require alignment): the start of such a frame is carried over (at most one ADTS frame,
// ≤ 8191 bytes) unless its PES was damaged. Bytes that do not start a valid ADTS header are
// skipped to the next syncword (adts_sync_errors counts each skipped run once).
//
// Timing (§2.4.3.7): a PES PTS belongs to the first frame that starts in that PES; later
// frames advance by 1024 samples each. The offset is accumulated in samples and converted to
// 90 kHz from the total (base + samples * 90000 / rate), so rates like 44.1 kHz never drift.
// Frames before the first PTS are dropped. The track config (media::AudioConfigFromAdts) is
// reported before the first frame and whenever the ADTS header implies a different one.
// Frames with several raw_data_blocks are dropped (not carried by the media model).
//
// Not thread-safe; owned by the demuxer; the listener and stats must outlive it.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/buffer.h"
#include "formats/mpegts/pes.h"
#include "formats/mpegts/ts_listener.h"
#include "media/aac.h"
#include "media/track.h"

namespace steadycast::formats::mpegts {

class AdtsStream {
 public:
  AdtsStream(TsDemuxerListener& listener, TsDemuxerStats& stats);

  void Push(const PesPayload& pes);
  // End of input: a frame still waiting for its end is dropped.
  void Flush();

 private:
  // One complete frame. `first_in_pes`: the first frame that starts inside the current PES
  // (as opposed to one carried over from the previous PES).
  void OnFrame(const media::AdtsHeader& header, base::Buffer raw, const PesPayload& pes,
               bool first_in_pes);

  TsDemuxerListener& listener_;
  TsDemuxerStats& stats_;
  std::vector<uint8_t> pending_;  // the start of a frame that continues in the next PES
  std::optional<media::AudioTrackConfig> config_;
  std::optional<int64_t> base_pts_;  // 90 kHz time of the frame where samples_ was 0
  int64_t samples_ = 0;              // samples since base_pts_
  int sample_rate_ = 0;
};

}  // namespace steadycast::formats::mpegts
