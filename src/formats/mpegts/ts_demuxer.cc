#include "formats/mpegts/ts_demuxer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <utility>

namespace steadycast::formats::mpegts {
namespace {

// 0x47 must repeat at this many consecutive packet starts before sync is trusted again.
constexpr size_t kSyncConfirmPackets = 3;
// Bytes kept between Feed() calls never exceed this: enough to confirm a sync candidate.
constexpr size_t kCarryCapacity = 4 * kTsPacketSize;
static_assert(kCarryCapacity > (kSyncConfirmPackets - 1) * kTsPacketSize);

// ISO/IEC 13818-1 Table 2-34 (and ATSC A/53 for 0x81/0x87).
constexpr uint8_t kStreamTypeH264 = 0x1B;
constexpr uint8_t kStreamTypeH265 = 0x24;
constexpr uint8_t kStreamTypeAdts = 0x0F;
constexpr uint8_t kStreamTypeLatm = 0x11;

// Why an audio/video stream type is not carried; nullptr for non-media types.
const char* UnsupportedCodecReason(uint8_t stream_type) {
  switch (stream_type) {
    case kStreamTypeLatm:
      return "AAC in LATM/LOAS framing (stream_type 0x11) is not supported; use ADTS (0x0F)";
    case 0x01:
    case 0x02:
      return "MPEG-1/MPEG-2 video is not supported";
    case 0x03:
    case 0x04:
      return "MPEG-1/MPEG-2 audio (MP2/MP3) is not supported";
    case 0x10:
      return "MPEG-4 Part 2 video is not supported";
    case 0x1C:
      return "MPEG-4 audio without ADTS framing is not supported";
    case 0x20:
      return "H.264 MVC sub-bitstreams are not supported";
    case 0x21:
      return "JPEG 2000 video is not supported";
    case 0x81:
      return "AC-3 audio is not supported";
    case 0x87:
      return "E-AC-3 audio is not supported";
    case 0xEA:
      return "VC-1 video is not supported";
    default:
      return nullptr;
  }
}

}  // namespace

TsDemuxer::EsPid::EsPid(const ElementaryStreamInfo& info, size_t max_pes_size,
                        TsDemuxerListener& listener, TsDemuxerStats& stats)
    : pid(info.pid),
      stream_type(info.stream_type),
      kind(info.codec == media::Codec::kAac ? media::TrackKind::kAudio : media::TrackKind::kVideo),
      pes(stats, max_pes_size) {
  if (kind == media::TrackKind::kVideo) {
    video =
        std::make_unique<VideoStream>(info.codec.value_or(media::Codec::kH264), listener, stats);
  } else {
    audio = std::make_unique<AdtsStream>(listener, stats);
  }
}

TsDemuxer::TsDemuxer(TsDemuxerListener& listener, TsDemuxerLimits limits)
    : listener_(listener), limits_(limits), pat_(kPatPid, stats_) {
  carry_.reserve(kCarryCapacity);
}

TsDemuxer::~TsDemuxer() = default;

base::Status TsDemuxer::Feed(std::span<const uint8_t> data) {
  stats_.bytes += data.size();
  if (!error_.ok()) return error_;
  while (!data.empty() && error_.ok()) {
    if (carry_.empty()) {
      // The common case: whole packets straight from the caller's buffer, no copy.
      data = data.subspan(Scan(data));
      if (error_.ok()) carry_.assign(data.begin(), data.end());
      break;
    }
    // Top the carried bytes up to at most kCarryCapacity: Scan then always makes progress.
    const size_t take = std::min(data.size(), kCarryCapacity - carry_.size());
    carry_.insert(carry_.end(), data.begin(), data.begin() + take);
    data = data.subspan(take);
    const size_t used = Scan(carry_);
    carry_.erase(carry_.begin(), carry_.begin() + static_cast<std::ptrdiff_t>(used));
  }
  return error_;
}

base::Status TsDemuxer::Finish() {
  if (!error_.ok()) return error_;
  stats_.trailing_bytes += carry_.size();
  carry_.clear();
  sync_ = Sync::kStart;
  unsynced_run_ = 0;
  FlushStreams();
  // Whatever comes next (a reconnected publisher) starts its own counters and sections.
  for (PsiPid* psi : {static_cast<PsiPid*>(&pat_), static_cast<PsiPid*>(pmt_.get())}) {
    if (psi == nullptr) continue;
    psi->continuity.Reset();
    psi->sections.Reset();
  }
  for (EsPid* es : {video_.get(), audio_.get()}) {
    if (es != nullptr) es->continuity.Reset();
  }
  return base::Status::Ok();
}

size_t TsDemuxer::Scan(std::span<const uint8_t> data) {
  size_t pos = 0;
  while (pos < data.size() && error_.ok()) {
    const std::span<const uint8_t> rest = data.subspan(pos);
    if (sync_ == Sync::kStart) {
      // A stream that starts on a packet boundary is trusted at once (short inputs work).
      sync_ = rest[0] == kTsSyncByte ? Sync::kSynced : Sync::kHunting;
      continue;
    }
    if (sync_ == Sync::kSynced) {
      if (rest.size() < kTsPacketSize) break;
      if (rest[0] != kTsSyncByte) {
        ++stats_.sync_losses;
        sync_ = Sync::kHunting;
        continue;
      }
      OnPacket(rest.first(kTsPacketSize));
      pos += kTsPacketSize;
      continue;
    }
    if (rest[0] == kTsSyncByte) {
      bool undecided = false;
      if (ConfirmSync(rest, undecided)) {
        ++stats_.resyncs;
        sync_ = Sync::kSynced;
        unsynced_run_ = 0;
        continue;
      }
      if (undecided) break;  // keep the candidate until its strides arrive
    }
    ++pos;
    ++stats_.skipped_bytes;
    if (++unsynced_run_ > limits_.max_unsynced_bytes) {
      error_ = base::InvalidArgument(fmt::format(
          "mpegts: no packet sync in {} bytes: not an MPEG transport stream", unsynced_run_));
    }
  }
  return pos;
}

bool TsDemuxer::ConfirmSync(std::span<const uint8_t> data, bool& undecided) {
  for (size_t k = 1; k < kSyncConfirmPackets; ++k) {
    const size_t at = k * kTsPacketSize;
    if (at >= data.size()) {
      undecided = true;
      return false;
    }
    if (data[at] != kTsSyncByte) return false;
  }
  return true;
}

void TsDemuxer::OnPacket(std::span<const uint8_t> bytes) {
  ++stats_.packets;
  auto parsed = ParseTsPacket(bytes);
  if (!parsed.ok()) {
    ++stats_.invalid_packets;
    return;
  }
  const TsPacket& packet = *parsed;
  if (packet.transport_error) {
    ++stats_.transport_errors;  // even the PID may be wrong: touch nothing
    return;
  }
  if (packet.pid == kNullPid) {
    ++stats_.null_packets;
    return;
  }
  if (packet.pcr && program_ && packet.pid == program_->pcr_pid) {
    ++stats_.pcrs;
    listener_.OnPcr(packet.pid, *packet.pcr);
  }
  if (packet.pid == kPatPid) {
    OnPsiPacket(pat_, packet);
  } else if (pmt_ && packet.pid == pmt_->pid) {
    OnPsiPacket(*pmt_, packet);
  } else if (video_ && packet.pid == video_->pid) {
    OnEsPacket(*video_, packet);
  } else if (audio_ && packet.pid == audio_->pid) {
    OnEsPacket(*audio_, packet);
  }
}

bool TsDemuxer::CheckContinuity(ContinuityChecker& checker, const TsPacket& packet, bool& gap) {
  switch (checker.Check(packet)) {
    case ContinuityChecker::Verdict::kDuplicate:
      ++stats_.duplicate_packets;
      return false;
    case ContinuityChecker::Verdict::kGap:
      ++stats_.cc_errors;
      gap = true;
      return true;
    case ContinuityChecker::Verdict::kOk:
      return true;
  }
  return true;
}

void TsDemuxer::OnPsiPacket(PsiPid& psi, const TsPacket& packet) {
  bool gap = false;
  if (!CheckContinuity(psi.continuity, packet, gap)) return;
  if (gap) psi.sections.Reset();
  if (!packet.has_payload) return;
  if (packet.scrambling != 0) {
    ++stats_.scrambled_packets;  // PSI is never scrambled: a damaged packet
    psi.sections.Reset();
    return;
  }
  // OnPat may replace pmt_, but never the PsiPid being fed here (pat_ itself).
  const bool is_pat = &psi == &pat_;
  psi.sections.Push(packet.payload, packet.payload_unit_start,
                    [&](std::span<const uint8_t> section) {
                      if (is_pat) {
                        OnPat(section);
                      } else {
                        OnPmt(section);
                      }
                    });
}

void TsDemuxer::OnPat(std::span<const uint8_t> section) {
  auto pat = ParsePat(section);
  if (!pat.ok()) {
    ++stats_.invalid_sections;
    return;
  }
  if (!pat->current_next) return;
  // "The first program" is the first one of section 0; other sections only help when no
  // program has been found yet.
  if (pmt_ && pat->section_number != 0) return;
  for (const PatProgram& program : pat->programs) {
    if (program.program_number == 0) continue;  // network_PID
    if (program.pid == kPatPid || program.pid == kNullPid) {
      ++stats_.invalid_sections;
      return;
    }
    if (pmt_ && pmt_->pid == program.pid && pmt_->program_number == program.program_number) {
      return;  // unchanged
    }
    pmt_ = std::make_unique<PmtPid>(program.pid, program.program_number, stats_);
    program_.reset();  // the next PMT is reported as a new stream set
    return;
  }
}

void TsDemuxer::OnPmt(std::span<const uint8_t> section) {
  auto pmt = ParsePmt(section);
  if (!pmt.ok()) {
    ++stats_.invalid_sections;
    return;
  }
  // A PMT PID may carry the maps of several programs: take ours only.
  if (!pmt->current_next || pmt->program_number != pmt_->program_number) return;
  ApplyProgram(*pmt);
}

ElementaryStreamInfo TsDemuxer::Classify(const PmtStream& stream, bool video_taken,
                                         bool audio_taken) {
  ElementaryStreamInfo info;
  info.pid = stream.pid;
  info.stream_type = stream.stream_type;
  std::optional<media::Codec> codec;
  if (stream.stream_type == kStreamTypeH264) codec = media::Codec::kH264;
  if (stream.stream_type == kStreamTypeH265) codec = media::Codec::kH265;
  if (stream.stream_type == kStreamTypeAdts) codec = media::Codec::kAac;
  if (codec) {
    const bool audio = *codec == media::Codec::kAac;
    if (audio ? audio_taken : video_taken) {
      info.disposition = StreamDisposition::kUnsupported;
      info.reason = audio ? "only the first audio stream is carried"
                          : "only the first video stream is carried";
    } else {
      info.disposition = StreamDisposition::kCarried;
      info.codec = codec;
    }
    return info;
  }
  if (const char* reason = UnsupportedCodecReason(stream.stream_type)) {
    info.disposition = StreamDisposition::kUnsupported;
    info.reason = reason;
    return info;
  }
  info.disposition = StreamDisposition::kIgnored;
  info.reason = fmt::format("stream_type {:#04x} is not audio or video", stream.stream_type);
  return info;
}

void TsDemuxer::ApplyProgram(const Pmt& pmt) {
  ProgramInfo info;
  info.program_number = pmt_->program_number;
  info.pmt_pid = pmt_->pid;
  info.version = pmt.version;
  info.pcr_pid = pmt.pcr_pid;
  const ElementaryStreamInfo* video = nullptr;
  const ElementaryStreamInfo* audio = nullptr;
  info.streams.reserve(pmt.streams.size());  // `video`/`audio` point into it
  for (const PmtStream& stream : pmt.streams) {
    info.streams.push_back(Classify(stream, video != nullptr, audio != nullptr));
    ElementaryStreamInfo& es = info.streams.back();
    if (es.disposition != StreamDisposition::kCarried) continue;
    const bool pid_taken = es.pid == kPatPid || es.pid == kNullPid || es.pid == pmt_->pid ||
                           (video != nullptr && video->pid == es.pid) ||
                           (audio != nullptr && audio->pid == es.pid);
    if (pid_taken) {
      es.disposition = StreamDisposition::kIgnored;
      es.codec.reset();
      es.reason = fmt::format("PID {} is already in use", es.pid);
      continue;
    }
    (es.codec == media::Codec::kAac ? audio : video) = &es;
  }
  if (program_ && *program_ == info) return;  // the periodic repeat
  Reconcile(video_, video);
  Reconcile(audio_, audio);
  program_ = std::move(info);
  ++stats_.program_changes;
  listener_.OnProgram(*program_);
  for (const ElementaryStreamInfo& es : program_->streams) {
    if (es.disposition == StreamDisposition::kUnsupported) {
      ++stats_.unsupported_streams;
      listener_.OnUnsupportedStream(es.stream_type, es.pid, es.reason);
    } else if (es.disposition == StreamDisposition::kIgnored) {
      ++stats_.ignored_streams;
    }
  }
}

void TsDemuxer::Reconcile(std::unique_ptr<EsPid>& slot, const ElementaryStreamInfo* info) {
  if (info != nullptr && slot && slot->pid == info->pid && slot->stream_type == info->stream_type) {
    return;  // same stream: keep its continuity, partial PES and track config
  }
  slot.reset();
  if (info == nullptr) return;
  const size_t cap =
      info->codec == media::Codec::kAac ? limits_.max_audio_pes_size : limits_.max_video_pes_size;
  slot = std::make_unique<EsPid>(*info, cap, listener_, stats_);
}

void TsDemuxer::OnEsPacket(EsPid& es, const TsPacket& packet) {
  bool gap = false;
  if (!CheckContinuity(es.continuity, packet, gap)) return;
  if (gap) es.pes.MarkCorrupt();
  if (!packet.has_payload) return;
  if (packet.scrambling != 0) {
    ++stats_.scrambled_packets;  // unreadable without the key: as good as lost
    es.pes.MarkCorrupt();
    return;
  }
  es.pes.Push(packet.payload, packet.payload_unit_start,
              [&](RawPes raw) { OnPes(es, std::move(raw)); });
}

void TsDemuxer::OnPes(EsPid& es, RawPes raw) {
  auto header = ParsePesHeader(raw.bytes.span());
  if (!header.ok()) {
    ++stats_.invalid_pes;
    return;
  }
  ++stats_.pes_packets;
  PesPayload payload;
  payload.maybe_corrupt = raw.maybe_corrupt;
  payload.data = raw.bytes.Slice(header->header_size);
  if (header->pts) {
    const int64_t pts = timestamps_.Unwrap(*header->pts);
    const int64_t dts = header->dts ? timestamps_.Unwrap(*header->dts) : pts;
    payload.pts = pts;
    payload.dts = dts;
    if (es.last_dts && std::abs(dts - *es.last_dts) > limits_.timestamp_jump_threshold) {
      ++stats_.timestamp_jumps;
      listener_.OnTimestampJump(es.kind, *es.last_dts, dts);
    }
    es.last_dts = dts;
  }
  if (es.video) {
    es.video->Push(payload);
  } else {
    es.audio->Push(payload);
  }
}

void TsDemuxer::FlushStreams() {
  for (EsPid* es : {video_.get(), audio_.get()}) {
    if (es == nullptr) continue;
    es->pes.Flush([&](RawPes raw) { OnPes(*es, std::move(raw)); });
    if (es->audio) es->audio->Flush();
  }
}

}  // namespace steadycast::formats::mpegts
