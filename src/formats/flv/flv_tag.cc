#include "formats/flv/flv_tag.h"

#include <fmt/format.h>

#include "base/bytes.h"

namespace steadycast::formats::flv {
namespace {

// The high bit of the first video byte marks an Enhanced RTMP extended header (FourCC codec
// instead of CodecID), which we do not decode yet.
constexpr uint8_t kExHeaderBit = 0x80;

// SI24 → int32 (two's complement in 24 bits).
int32_t SignExtend24(uint32_t value) { return static_cast<int32_t>(value << 8) >> 8; }

}  // namespace

base::Result<VideoTag> ParseVideoTag(std::span<const uint8_t> body) {
  base::ByteReader in(body);
  uint8_t first = 0;
  if (!in.ReadU8(first)) return base::InvalidArgument("flv video tag: empty body");
  if ((first & kExHeaderBit) != 0) {
    return base::Unimplemented("flv video tag: enhanced RTMP (FourCC) header is not supported");
  }
  const uint8_t frame_type = first >> 4;
  if (frame_type < 1 || frame_type > 5) {
    return base::InvalidArgument(
        fmt::format("flv video tag: frame type {} is reserved", frame_type));
  }
  VideoTag tag;
  tag.frame_type = static_cast<VideoFrameType>(frame_type);
  tag.codec_id = first & 0x0F;
  // A video info/command frame carries one UI8 instead of a picture, whatever the codec.
  if (tag.codec_id != static_cast<uint8_t>(VideoCodecId::kAvc) ||
      tag.frame_type == VideoFrameType::kVideoInfo) {
    tag.payload = in.rest();
    return tag;
  }
  uint8_t packet_type = 0;
  uint32_t composition_time = 0;
  if (!in.ReadU8(packet_type) || !in.ReadU24(composition_time)) {
    return base::InvalidArgument(
        fmt::format("flv video tag: AVC header needs 5 bytes, body has {}", body.size()));
  }
  if (packet_type > static_cast<uint8_t>(AvcPacketType::kEndOfSequence)) {
    return base::InvalidArgument(
        fmt::format("flv video tag: unknown AVCPacketType {}", packet_type));
  }
  tag.packet_type = static_cast<AvcPacketType>(packet_type);
  tag.composition_time_ms = SignExtend24(composition_time);
  tag.payload = in.rest();
  return tag;
}

base::Result<AudioTag> ParseAudioTag(std::span<const uint8_t> body) {
  base::ByteReader in(body);
  uint8_t first = 0;
  if (!in.ReadU8(first)) return base::InvalidArgument("flv audio tag: empty body");
  AudioTag tag;
  tag.sound_format = first >> 4;
  tag.sound_rate = (first >> 2) & 0x03;
  tag.sample_size_16bit = (first & 0x02) != 0;
  tag.stereo = (first & 0x01) != 0;
  if (tag.sound_format == static_cast<uint8_t>(SoundFormat::kAac)) {
    uint8_t packet_type = 0;
    if (!in.ReadU8(packet_type)) {
      return base::InvalidArgument("flv audio tag: AAC header needs 2 bytes, body has 1");
    }
    if (packet_type > static_cast<uint8_t>(AacPacketType::kRaw)) {
      return base::InvalidArgument(
          fmt::format("flv audio tag: unknown AACPacketType {}", packet_type));
    }
    tag.aac_packet_type = static_cast<AacPacketType>(packet_type);
  }
  tag.payload = in.rest();
  return tag;
}

}  // namespace steadycast::formats::flv
