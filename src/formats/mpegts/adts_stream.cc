#include "formats/mpegts/adts_stream.h"

#include <utility>

namespace steadycast::formats::mpegts {
namespace {

constexpr int64_t kSamplesPerFrame = 1024;

enum class Probe { kFrame, kNeedMore, kNoFrame };

// Is there a whole ADTS frame at the start of `data`? kNeedMore: maybe, once more bytes come.
Probe ProbeFrame(std::span<const uint8_t> data, media::AdtsHeader& header) {
  // syncword 0xFFF and layer '00' (the ID and protection bits may be anything).
  if (data.size() < 2) {
    return data.size() == 1 && data[0] == 0xFF ? Probe::kNeedMore : Probe::kNoFrame;
  }
  if (data[0] != 0xFF || (data[1] & 0xF6) != 0xF0) return Probe::kNoFrame;
  const size_t header_size = (data[1] & 0x01) != 0 ? 7 : 9;  // protection_absent
  if (data.size() < header_size) return Probe::kNeedMore;
  // Reject the usual false syncs inside AAC payload (a reserved sampling frequency index)
  // before the full parse, which builds an error message on failure.
  if (((data[2] >> 2) & 0x0F) > 12) return Probe::kNoFrame;
  auto parsed = media::ParseAdtsHeader(data);
  if (!parsed.ok()) return Probe::kNoFrame;
  if (parsed->frame_length > data.size()) return Probe::kNeedMore;
  header = *parsed;
  return Probe::kFrame;
}

}  // namespace

AdtsStream::AdtsStream(TsDemuxerListener& listener, TsDemuxerStats& stats)
    : listener_(listener), stats_(stats) {}

void AdtsStream::Push(const PesPayload& pes) {
  base::Buffer work = pes.data;
  size_t boundary = 0;  // frames starting at or after this offset start in this PES
  if (!pending_.empty()) {
    boundary = pending_.size();
    pending_.insert(pending_.end(), pes.data.data(), pes.data.data() + pes.data.size());
    work = base::Buffer::Take(std::move(pending_));
    pending_ = {};
  }
  bool first_in_pes = true;
  bool skipping = false;
  size_t pos = 0;
  while (pos < work.size()) {
    media::AdtsHeader header;
    const Probe probe = ProbeFrame(work.span().subspan(pos), header);
    if (probe == Probe::kNeedMore) break;
    if (probe == Probe::kNoFrame) {
      if (!skipping) ++stats_.adts_sync_errors;
      skipping = true;
      ++pos;
      continue;
    }
    skipping = false;
    const bool first = first_in_pes && pos >= boundary;
    first_in_pes = first_in_pes && !first;
    OnFrame(header, work.Slice(pos + header.header_size, header.frame_length - header.header_size),
            pes, first);
    pos += header.frame_length;
  }
  if (pos < work.size()) {
    // An incomplete frame at the end: its rest comes with the next PES, unless this PES lost
    // bytes (then the two would not join).
    if (pes.maybe_corrupt) {
      ++stats_.dropped_units;
    } else {
      const std::span<const uint8_t> rest = work.span().subspan(pos);
      pending_.assign(rest.begin(), rest.end());
    }
  }
}

void AdtsStream::Flush() {
  if (!pending_.empty()) ++stats_.dropped_units;
  pending_.clear();
}

void AdtsStream::OnFrame(const media::AdtsHeader& header, base::Buffer raw, const PesPayload& pes,
                         bool first_in_pes) {
  if (first_in_pes && pes.pts) {
    base_pts_ = *pes.pts;
    samples_ = 0;
  }
  media::AudioTrackConfig config = media::AudioConfigFromAdts(header);
  if (!config_ || *config_ != config) {
    if (base_pts_ && sample_rate_ != 0 && header.sample_rate != sample_rate_) {
      // Keep the time already elapsed at the old rate.
      *base_pts_ += samples_ * media::kTimescale / sample_rate_;
      samples_ = 0;
    }
    sample_rate_ = header.sample_rate;
    config_ = std::move(config);
    listener_.OnAudioConfig(*config_);
  }
  const int64_t offset = samples_;
  samples_ += kSamplesPerFrame * header.raw_data_blocks;
  if (!base_pts_ || header.raw_data_blocks != 1 || raw.empty()) {
    ++stats_.dropped_units;  // untimed, several raw_data_blocks, or no payload
    return;
  }
  media::AccessUnit au;
  au.kind = media::TrackKind::kAudio;
  au.codec = media::Codec::kAac;
  au.pts = *base_pts_ + offset * media::kTimescale / sample_rate_;
  au.dts = au.pts;
  au.keyframe = true;
  au.maybe_corrupt = pes.maybe_corrupt;
  au.data = std::move(raw);
  ++stats_.audio_units;
  listener_.OnAccessUnit(au);
}

}  // namespace steadycast::formats::mpegts
