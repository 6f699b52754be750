#pragma once
// The outward shape of the MPEG-TS demuxer (ts_demuxer.h): its limits, its counters, the
// program description it reports and the listener it reports to. Kept apart from the demuxer
// so the stage classes (PSI, PES, elementary streams) can count into the same statistics.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "media/access_unit.h"
#include "media/track.h"

namespace steadycast::formats::mpegts {

// Fixed at construction. Every buffer the demuxer grows is bounded by one of these.
struct TsDemuxerLimits {
  // Largest PES packet (header included) reassembled per elementary stream; a bigger one is
  // dropped (pes_overflows) before it is buffered past the cap.
  size_t max_video_pes_size = size_t{8} * 1024 * 1024;
  size_t max_audio_pes_size = size_t{256} * 1024;
  // Consecutive bytes without packet sync after which Feed() fails: the input is not
  // MPEG-TS. Garbage shorter than this is skipped and counted.
  size_t max_unsynced_bytes = size_t{1024} * 1024;
  // A DTS further than this (90 kHz ticks) from the previous DTS of the same stream is
  // reported through OnTimestampJump (the timeline is kept, never rebased).
  int64_t timestamp_jump_threshold = 10 * media::kTimescale;
};

// Counters since construction. Errors in untrusted input land here instead of failing Feed().
struct TsDemuxerStats {
  // Packet layer (§2.4.3.2).
  uint64_t bytes = 0;              // everything passed to Feed()
  uint64_t packets = 0;            // 188-byte packets taken in sync, null packets included
  uint64_t null_packets = 0;       // PID 0x1FFF, skipped
  uint64_t sync_losses = 0;        // a packet did not start with 0x47
  uint64_t resyncs = 0;            // sync found again after skipping bytes (or garbage prefix)
  uint64_t skipped_bytes = 0;      // bytes thrown away while looking for sync
  uint64_t transport_errors = 0;   // transport_error_indicator set: packet dropped
  uint64_t invalid_packets = 0;    // reserved adaptation_field_control, bad adaptation field
  uint64_t scrambled_packets = 0;  // followed PIDs with transport_scrambling_control ≠ 0
  uint64_t cc_errors = 0;          // continuity_counter gaps on followed PIDs
  uint64_t duplicate_packets = 0;  // allowed repeats, skipped
  uint64_t pcrs = 0;               // PCRs seen on the program's PCR_PID
  uint64_t trailing_bytes = 0;     // bytes left unprocessed at Finish() (partial packet)
  // PSI (§2.4.4).
  uint64_t sections = 0;             // PAT/PMT sections with a good CRC
  uint64_t crc_errors = 0;           // sections ignored for a bad CRC_32
  uint64_t invalid_sections = 0;     // bad pointer_field, section_length, syntax or content
  uint64_t program_changes = 0;      // stream sets reported (the first PMT and each change)
  uint64_t unsupported_streams = 0;  // reported through OnUnsupportedStream
  uint64_t ignored_streams = 0;      // non-media stream types (data, private), skipped
  // PES (§2.4.3.6).
  uint64_t pes_packets = 0;    // complete PES packets handed to an elementary stream
  uint64_t pes_overflows = 0;  // dropped: PES_packet_length or unbounded size over the cap
  uint64_t truncated_pes = 0;  // ended (next unit start) before PES_packet_length: corrupt
  uint64_t invalid_pes = 0;    // no start code, bad header, bad PTS_DTS_flags
  uint64_t pes_overruns = 0;   // payload bytes past PES_packet_length, ignored
  // Elementary streams.
  uint64_t video_units = 0;
  uint64_t audio_units = 0;
  uint64_t dropped_units = 0;     // no timestamp, before the track config, unusable
  uint64_t invalid_configs = 0;   // SPS/PPS that did not parse into a track config
  uint64_t adts_sync_errors = 0;  // ADTS resynchronisations (bytes skipped to the next 0xFFF)
  uint64_t timestamp_jumps = 0;
};

enum class StreamDisposition {
  kCarried,      // demuxed into access units
  kUnsupported,  // audio/video we cannot carry: reported through OnUnsupportedStream
  kIgnored,      // data or private streams: skipped silently (counted)
};

struct ElementaryStreamInfo {
  uint16_t pid = 0;
  uint8_t stream_type = 0;  // Table 2-34: 0x1B H.264, 0x24 H.265, 0x0F AAC ADTS, ...
  StreamDisposition disposition = StreamDisposition::kIgnored;
  std::optional<media::Codec> codec;  // for carried streams
  std::string reason;                 // why a stream is not carried
  bool operator==(const ElementaryStreamInfo&) const = default;
};

// The program the demuxer follows (the first one of the PAT), as of its latest PMT.
struct ProgramInfo {
  uint16_t program_number = 0;
  uint16_t pmt_pid = 0;
  uint8_t version = 0;  // PMT version_number
  uint16_t pcr_pid = 0;
  std::vector<ElementaryStreamInfo> streams;  // in PMT order
  bool operator==(const ProgramInfo&) const = default;
};

// Receives the demuxer's output, synchronously from Feed()/Finish(), in stream order.
// Callbacks must not call back into the demuxer. Spans and references are valid only during
// the call; AccessUnit::data is a refcounted buffer the listener may keep.
class TsDemuxerListener {
 public:
  virtual ~TsDemuxerListener() = default;

  // A video track config, before the first access unit of the track and again whenever it
  // changes (new SPS/PPS). H.264: full avcC. H.265: codec only (parameter sets stay in-band).
  virtual void OnVideoConfig(const media::VideoTrackConfig& config) = 0;
  // An audio track config (from the ADTS header), before the first frame and on change.
  virtual void OnAudioConfig(const media::AudioTrackConfig& config) = 0;
  // One video frame (4-byte length-prefixed NAL units) or one raw AAC frame.
  virtual void OnAccessUnit(const media::AccessUnit& unit) = 0;
  // A stream the program announces but the demuxer does not carry (AAC LATM, MPEG-2 video,
  // a second video track, ...). Once per stream per PMT version.
  virtual void OnUnsupportedStream(uint8_t stream_type, uint16_t pid, std::string_view reason) {
    (void)stream_type;
    (void)pid;
    (void)reason;
  }
  // The first PMT of the followed program and every change of its stream set.
  virtual void OnProgram(const ProgramInfo& program) { (void)program; }
  // A DTS moved by more than TsDemuxerLimits::timestamp_jump_threshold within one track
  // (encoder restart, splice). Values are on the unwrapped 64-bit 90 kHz timeline.
  virtual void OnTimestampJump(media::TrackKind track, int64_t previous_dts, int64_t dts) {
    (void)track;
    (void)previous_dts;
    (void)dts;
  }
  // A PCR on the program's PCR_PID (27 MHz, not unwrapped), for clock-drift measurements.
  virtual void OnPcr(uint16_t pid, uint64_t pcr_27mhz) {
    (void)pid;
    (void)pcr_27mhz;
  }
};

}  // namespace steadycast::formats::mpegts
