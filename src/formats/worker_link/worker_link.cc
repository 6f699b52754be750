#include "formats/worker_link/worker_link.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <string_view>
#include <utility>

#include "base/bytes.h"

namespace steadycast::formats::worker_link {
namespace {

using base::ByteReader;
using base::ByteWriter;
using base::InvalidArgument;
using base::Status;

// Access unit flags.
constexpr uint8_t kKeyframe = 1;
constexpr uint8_t kMaybeCorrupt = 2;
constexpr uint8_t kSegmentStart = 4;
constexpr uint8_t kKnownUnitFlags = kKeyframe | kMaybeCorrupt | kSegmentStart;

// Payload layouts. Text and codec configs carry a u32 length; access unit data takes the rest
// of the payload.
//   Hello        u32 version, u32 n, role[n]
//   Configure    u32 n, json[n]
//   VideoConfig  u8 rendition, u8 codec, u16 width, u16 height, u8 profile, u8 constraints,
//                u8 level, u8 has_rate, u64 rate (IEEE-754 bits), u16 sar_num, u16 sar_den,
//                u32 n, avcc[n]
//   AudioConfig  u8 rendition, u8 codec, u8 object_type, u32 sample_rate, u8 channels,
//                u16 samples_per_frame, u32 sbr_sample_rate, u32 n, asc[n]
//   AccessUnit   u8 rendition, u8 kind, u8 codec, u8 flags, u64 pts, u64 dts, data[rest]
//   Control      u8 command
//   Event        u8 kind, u8 rendition, u32 n, detail[n]
//   Heartbeat    u64 sequence, u64 units_in, u64 units_out
//   Stats        u32 n, json[n]

bool ValidCodec(uint8_t v) { return v <= static_cast<uint8_t>(media::Codec::kAac); }
bool ValidKind(uint8_t v) { return v <= static_cast<uint8_t>(media::TrackKind::kAudio); }

bool FitsU16(int v) { return v >= 0 && v <= std::numeric_limits<uint16_t>::max(); }
bool FitsU8(int v) { return v >= 0 && v <= std::numeric_limits<uint8_t>::max(); }

Status CheckText(std::string_view what, size_t size, size_t limit) {
  if (size > limit) {
    return base::OutOfRange(std::string(what) + " of " + std::to_string(size) +
                            " bytes exceeds the limit of " + std::to_string(limit));
  }
  return Status::Ok();
}

void WriteBlob(ByteWriter& w, std::span<const uint8_t> bytes) {
  w.U32(static_cast<uint32_t>(bytes.size()));
  w.Bytes(bytes);
}

void WriteText(ByteWriter& w, std::string_view text) {
  w.U32(static_cast<uint32_t>(text.size()));
  w.Text(text);
}

std::span<const uint8_t> Span(const base::Buffer& b) { return b.span(); }

// --- encoding ---------------------------------------------------------------------------

struct PayloadWriter {
  ByteWriter& w;
  const WorkerLinkLimits& limits;

  Status operator()(const Hello& m) const {
    SC_RETURN_IF_ERROR(CheckText("hello role", m.role.size(), limits.max_text));
    w.U32(m.version);
    WriteText(w, m.role);
    return Status::Ok();
  }
  Status operator()(const Configure& m) const {
    SC_RETURN_IF_ERROR(CheckText("configure json", m.json.size(), limits.max_text));
    WriteText(w, m.json);
    return Status::Ok();
  }
  Status operator()(const VideoConfig& m) const {
    const media::VideoTrackConfig& c = m.config;
    SC_RETURN_IF_ERROR(CheckText("avcC", c.avcc.size(), limits.max_codec_config));
    if (!FitsU16(c.width) || !FitsU16(c.height) || !FitsU16(c.sar_num) || !FitsU16(c.sar_den)) {
      return InvalidArgument("video config: size or aspect ratio out of range");
    }
    w.U8(m.rendition);
    w.U8(static_cast<uint8_t>(c.codec));
    w.U16(static_cast<uint16_t>(c.width));
    w.U16(static_cast<uint16_t>(c.height));
    w.U8(c.profile_idc);
    w.U8(c.constraint_flags);
    w.U8(c.level_idc);
    w.U8(c.frame_rate ? 1 : 0);
    w.U64(std::bit_cast<uint64_t>(c.frame_rate.value_or(0.0)));
    w.U16(static_cast<uint16_t>(c.sar_num));
    w.U16(static_cast<uint16_t>(c.sar_den));
    WriteBlob(w, Span(c.avcc));
    return Status::Ok();
  }
  Status operator()(const AudioConfig& m) const {
    const media::AudioTrackConfig& c = m.config;
    SC_RETURN_IF_ERROR(CheckText("AudioSpecificConfig", c.asc.size(), limits.max_codec_config));
    if (!FitsU8(c.object_type) || c.sample_rate < 0 || !FitsU8(c.channels) ||
        !FitsU16(c.samples_per_frame) || c.sbr_sample_rate < 0) {
      return InvalidArgument("audio config: a field is out of range");
    }
    w.U8(m.rendition);
    w.U8(static_cast<uint8_t>(c.codec));
    w.U8(static_cast<uint8_t>(c.object_type));
    w.U32(static_cast<uint32_t>(c.sample_rate));
    w.U8(static_cast<uint8_t>(c.channels));
    w.U16(static_cast<uint16_t>(c.samples_per_frame));
    w.U32(static_cast<uint32_t>(c.sbr_sample_rate));
    WriteBlob(w, Span(c.asc));
    return Status::Ok();
  }
  Status operator()(const AccessUnit& m) const {
    const media::AccessUnit& u = m.unit;
    w.U8(m.rendition);
    w.U8(static_cast<uint8_t>(u.kind));
    w.U8(static_cast<uint8_t>(u.codec));
    w.U8(static_cast<uint8_t>((u.keyframe ? kKeyframe : 0) | (u.maybe_corrupt ? kMaybeCorrupt : 0) |
                              (u.segment_start ? kSegmentStart : 0)));
    w.U64(static_cast<uint64_t>(u.pts));
    w.U64(static_cast<uint64_t>(u.dts));
    w.Bytes(Span(u.data));
    return Status::Ok();
  }
  Status operator()(const Control& m) const {
    w.U8(static_cast<uint8_t>(m.command));
    return Status::Ok();
  }
  Status operator()(const Event& m) const {
    SC_RETURN_IF_ERROR(CheckText("event detail", m.detail.size(), limits.max_text));
    w.U8(static_cast<uint8_t>(m.kind));
    w.U8(m.rendition);
    WriteText(w, m.detail);
    return Status::Ok();
  }
  Status operator()(const Heartbeat& m) const {
    w.U64(m.sequence);
    w.U64(m.units_in);
    w.U64(m.units_out);
    return Status::Ok();
  }
  Status operator()(const Stats& m) const {
    SC_RETURN_IF_ERROR(CheckText("stats json", m.json.size(), limits.max_text));
    WriteText(w, m.json);
    return Status::Ok();
  }
};

FrameType TypeOf(const Message& message) {
  return static_cast<FrameType>(message.index() + 1);  // the variant follows FrameType's order
}

// --- decoding ---------------------------------------------------------------------------

Status Malformed(std::string_view what) {
  return InvalidArgument("worker link: malformed " + std::string(what));
}

bool ReadBlob(ByteReader& r, size_t limit, std::span<const uint8_t>& out) {
  uint32_t n = 0;
  return r.ReadU32(n) && n <= limit && r.ReadBytes(n, out);
}

bool ReadText(ByteReader& r, size_t limit, std::string& out) {
  std::span<const uint8_t> bytes;
  if (!ReadBlob(r, limit, bytes)) return false;
  out.assign(bytes.begin(), bytes.end());
  return true;
}

base::Result<Message> DecodeVideoConfig(ByteReader& r, const WorkerLinkLimits& limits) {
  VideoConfig m;
  media::VideoTrackConfig& c = m.config;
  uint8_t codec = 0, has_rate = 0;
  uint16_t width = 0, height = 0, sar_num = 0, sar_den = 0;
  uint64_t rate_bits = 0;
  std::span<const uint8_t> avcc;
  if (!r.ReadU8(m.rendition) || !r.ReadU8(codec) || !r.ReadU16(width) || !r.ReadU16(height) ||
      !r.ReadU8(c.profile_idc) || !r.ReadU8(c.constraint_flags) || !r.ReadU8(c.level_idc) ||
      !r.ReadU8(has_rate) || !r.ReadU64(rate_bits) || !r.ReadU16(sar_num) || !r.ReadU16(sar_den) ||
      !ReadBlob(r, limits.max_codec_config, avcc) || !ValidCodec(codec) || has_rate > 1) {
    return Malformed("video config");
  }
  const double rate = std::bit_cast<double>(rate_bits);
  if (has_rate && !(rate > 0 && rate < 1000)) return Malformed("video config frame rate");
  c.codec = static_cast<media::Codec>(codec);
  c.width = width;
  c.height = height;
  if (has_rate) c.frame_rate = rate;
  c.sar_num = sar_num;
  c.sar_den = sar_den;
  c.avcc = base::Buffer::Copy(avcc);
  return Message(std::move(m));
}

base::Result<Message> DecodeAudioConfig(ByteReader& r, const WorkerLinkLimits& limits) {
  AudioConfig m;
  media::AudioTrackConfig& c = m.config;
  uint8_t codec = 0, object_type = 0, channels = 0;
  uint16_t samples_per_frame = 0;
  uint32_t sample_rate = 0, sbr_rate = 0;
  std::span<const uint8_t> asc;
  if (!r.ReadU8(m.rendition) || !r.ReadU8(codec) || !r.ReadU8(object_type) ||
      !r.ReadU32(sample_rate) || !r.ReadU8(channels) || !r.ReadU16(samples_per_frame) ||
      !r.ReadU32(sbr_rate) || !ReadBlob(r, limits.max_codec_config, asc) || !ValidCodec(codec) ||
      sample_rate > 1'000'000 || sbr_rate > 1'000'000) {
    return Malformed("audio config");
  }
  c.codec = static_cast<media::Codec>(codec);
  c.object_type = object_type;
  c.sample_rate = static_cast<int>(sample_rate);
  c.channels = channels;
  c.samples_per_frame = samples_per_frame;
  c.sbr_sample_rate = static_cast<int>(sbr_rate);
  c.asc = base::Buffer::Copy(asc);
  return Message(std::move(m));
}

base::Result<Message> DecodeAccessUnit(ByteReader& r) {
  AccessUnit m;
  media::AccessUnit& u = m.unit;
  uint8_t kind = 0, codec = 0, flags = 0;
  uint64_t pts = 0, dts = 0;
  if (!r.ReadU8(m.rendition) || !r.ReadU8(kind) || !r.ReadU8(codec) || !r.ReadU8(flags) ||
      !r.ReadU64(pts) || !r.ReadU64(dts) || !ValidKind(kind) || !ValidCodec(codec) ||
      (flags & ~kKnownUnitFlags) != 0) {
    return Malformed("access unit");
  }
  u.kind = static_cast<media::TrackKind>(kind);
  u.codec = static_cast<media::Codec>(codec);
  u.keyframe = (flags & kKeyframe) != 0;
  u.maybe_corrupt = (flags & kMaybeCorrupt) != 0;
  u.segment_start = (flags & kSegmentStart) != 0;
  u.pts = static_cast<int64_t>(pts);
  u.dts = static_cast<int64_t>(dts);
  u.data = base::Buffer::Copy(r.rest());
  r.Skip(r.remaining());
  return Message(std::move(m));
}

base::Result<Message> DecodeFields(FrameType type, ByteReader& r, const WorkerLinkLimits& limits) {
  switch (type) {
    case FrameType::kHello: {
      Hello m;
      if (!r.ReadU32(m.version) || !ReadText(r, limits.max_text, m.role)) return Malformed("hello");
      return Message(std::move(m));
    }
    case FrameType::kConfigure: {
      Configure m;
      if (!ReadText(r, limits.max_text, m.json)) return Malformed("configure");
      return Message(std::move(m));
    }
    case FrameType::kVideoConfig:
      return DecodeVideoConfig(r, limits);
    case FrameType::kAudioConfig:
      return DecodeAudioConfig(r, limits);
    case FrameType::kAccessUnit:
      return DecodeAccessUnit(r);
    case FrameType::kControl: {
      uint8_t command = 0;
      if (!r.ReadU8(command) || command < 1 || command > static_cast<uint8_t>(Command::kStop)) {
        return Malformed("control");
      }
      return Message(Control{static_cast<Command>(command)});
    }
    case FrameType::kEvent: {
      Event m;
      uint8_t kind = 0;
      if (!r.ReadU8(kind) || kind < 1 || kind > static_cast<uint8_t>(EventKind::kFailed) ||
          !r.ReadU8(m.rendition) || !ReadText(r, limits.max_text, m.detail)) {
        return Malformed("event");
      }
      m.kind = static_cast<EventKind>(kind);
      return Message(std::move(m));
    }
    case FrameType::kHeartbeat: {
      Heartbeat m;
      if (!r.ReadU64(m.sequence) || !r.ReadU64(m.units_in) || !r.ReadU64(m.units_out)) {
        return Malformed("heartbeat");
      }
      return Message(m);
    }
    case FrameType::kStats: {
      Stats m;
      if (!ReadText(r, limits.max_text, m.json)) return Malformed("stats");
      return Message(std::move(m));
    }
  }
  return base::Unimplemented("worker link: unknown frame type " +
                             std::to_string(static_cast<int>(type)));
}

}  // namespace

Status Encode(const Message& message, std::vector<uint8_t>& out, const WorkerLinkLimits& limits) {
  const size_t start = out.size();
  ByteWriter w(out);
  w.U32(kWorkerLinkMagic);
  w.U8(kWorkerLinkVersion);
  w.U8(static_cast<uint8_t>(TypeOf(message)));
  w.U16(0);
  w.U32(0);  // length, patched below
  Status status = std::visit(PayloadWriter{w, limits}, message);
  const size_t payload = out.size() - start - kFrameHeaderSize;
  if (status.ok() && payload > limits.max_payload) {
    status = base::OutOfRange("worker link: payload of " + std::to_string(payload) +
                              " bytes exceeds the limit of " + std::to_string(limits.max_payload));
  }
  if (!status.ok()) {
    out.resize(start);
    return status;
  }
  w.PatchU32(start + 8, static_cast<uint32_t>(payload));
  return Status::Ok();
}

base::Result<Message> DecodePayload(FrameType type, std::span<const uint8_t> payload,
                                    const WorkerLinkLimits& limits) {
  ByteReader r(payload);
  SC_ASSIGN_OR_RETURN(Message message, DecodeFields(type, r, limits));
  if (!r.empty()) {
    return InvalidArgument("worker link: " + std::to_string(r.remaining()) +
                           " unexpected bytes after a frame of type " +
                           std::to_string(static_cast<int>(type)));
  }
  return message;
}

Status Decoder::Feed(std::span<const uint8_t> data, std::vector<Message>& out) {
  if (!failed_.ok()) return failed_;
  while (!data.empty()) {
    const size_t take = std::min(needed_ - pending_.size(), data.size());
    pending_.insert(pending_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(take));
    data = data.subspan(take);
    if (pending_.size() < needed_) break;
    if (needed_ == kFrameHeaderSize) {
      ByteReader r(pending_);
      uint32_t magic = 0, length = 0;
      uint8_t version = 0, type = 0;
      uint16_t flags = 0;
      r.ReadU32(magic);
      r.ReadU8(version);
      r.ReadU8(type);
      r.ReadU16(flags);
      r.ReadU32(length);
      if (magic != kWorkerLinkMagic) {
        failed_ = InvalidArgument("worker link: bad magic (not a worker link peer)");
      } else if (version != kWorkerLinkVersion) {
        failed_ = base::Unimplemented("worker link: protocol version " + std::to_string(version) +
                                      ", this side speaks " + std::to_string(kWorkerLinkVersion));
      } else if (flags != 0) {
        failed_ = InvalidArgument("worker link: reserved flags set");
      } else if (length > limits_.max_payload) {
        failed_ = base::ResourceExhausted("worker link: frame of " + std::to_string(length) +
                                          " bytes exceeds the limit of " +
                                          std::to_string(limits_.max_payload));
      }
      if (!failed_.ok()) return failed_;
      needed_ = kFrameHeaderSize + length;
      if (length > 0) continue;
    }
    failed_ = TakeFrame(std::span<const uint8_t>(pending_).subspan(kFrameHeaderSize), out);
    if (!failed_.ok()) return failed_;
    pending_.clear();
    needed_ = kFrameHeaderSize;
    ++frames_;
  }
  return Status::Ok();
}

Status Decoder::TakeFrame(std::span<const uint8_t> payload, std::vector<Message>& out) {
  const auto type = static_cast<FrameType>(pending_[5]);
  base::Result<Message> message = DecodePayload(type, payload, limits_);
  if (!message.ok()) return message.status();
  out.push_back(std::move(message).value());
  return Status::Ok();
}

}  // namespace steadycast::formats::worker_link
