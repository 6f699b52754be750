#include "formats/flv/flv_writer.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/bytes.h"

namespace steadycast::formats::flv {
namespace {

constexpr uint8_t kAvcCodecId = static_cast<uint8_t>(VideoCodecId::kAvc);
constexpr uint8_t kAacSoundByte = 0xAF;
constexpr int32_t kMinSi24 = -(1 << 23);
constexpr int32_t kMaxSi24 = (1 << 23) - 1;

}  // namespace

void AppendFlvHeader(std::vector<uint8_t>& out, bool has_audio, bool has_video) {
  base::ByteWriter w(out);
  w.Text("FLV");
  w.U8(1);
  w.U8(static_cast<uint8_t>((has_audio ? 0x04 : 0) | (has_video ? 0x01 : 0)));
  w.U32(static_cast<uint32_t>(kFlvHeaderSize));
  w.U32(0);  // PreviousTagSize0
}

base::Status AppendFlvTag(std::vector<uint8_t>& out, FlvTagType type, uint32_t timestamp_ms,
                          std::span<const uint8_t> body) {
  if (body.size() > kMaxFlvTagDataSize) {
    return base::InvalidArgument(
        fmt::format("flv: tag body of {} bytes exceeds the 24-bit DataSize", body.size()));
  }
  base::ByteWriter w(out);
  w.U8(static_cast<uint8_t>(type));
  w.U24(static_cast<uint32_t>(body.size()));
  w.U24(timestamp_ms & 0xFFFFFF);
  w.U8(static_cast<uint8_t>(timestamp_ms >> 24));
  w.U24(0);  // StreamID
  w.Bytes(body);
  w.U32(static_cast<uint32_t>(kFlvTagHeaderSize + body.size()));
  return base::Status::Ok();
}

std::vector<uint8_t> BuildAvcVideoTagBody(VideoFrameType frame_type, AvcPacketType packet_type,
                                          int32_t composition_time_ms,
                                          std::span<const uint8_t> payload) {
  std::vector<uint8_t> body;
  body.reserve(5 + payload.size());
  base::ByteWriter w(body);
  w.U8(static_cast<uint8_t>((static_cast<uint8_t>(frame_type) << 4) | kAvcCodecId));
  w.U8(static_cast<uint8_t>(packet_type));
  const int32_t cts = std::clamp(composition_time_ms, kMinSi24, kMaxSi24);
  w.U24(static_cast<uint32_t>(cts) & 0xFFFFFF);
  w.Bytes(payload);
  return body;
}

std::vector<uint8_t> BuildAvcSequenceHeaderBody(std::span<const uint8_t> avcc) {
  return BuildAvcVideoTagBody(VideoFrameType::kKeyframe, AvcPacketType::kSequenceHeader, 0, avcc);
}

std::vector<uint8_t> BuildAvcNaluBody(bool keyframe, int32_t composition_time_ms,
                                      std::span<const uint8_t> nal_units) {
  return BuildAvcVideoTagBody(keyframe ? VideoFrameType::kKeyframe : VideoFrameType::kInterframe,
                              AvcPacketType::kNalu, composition_time_ms, nal_units);
}

std::vector<uint8_t> BuildAvcEndOfSequenceBody() {
  return BuildAvcVideoTagBody(VideoFrameType::kKeyframe, AvcPacketType::kEndOfSequence, 0, {});
}

std::vector<uint8_t> BuildAacAudioTagBody(AacPacketType packet_type,
                                          std::span<const uint8_t> payload) {
  std::vector<uint8_t> body;
  body.reserve(2 + payload.size());
  body.push_back(kAacSoundByte);
  body.push_back(static_cast<uint8_t>(packet_type));
  body.insert(body.end(), payload.begin(), payload.end());
  return body;
}

std::vector<uint8_t> BuildAacSequenceHeaderBody(std::span<const uint8_t> asc) {
  return BuildAacAudioTagBody(AacPacketType::kSequenceHeader, asc);
}

std::vector<uint8_t> BuildAacRawBody(std::span<const uint8_t> frame) {
  return BuildAacAudioTagBody(AacPacketType::kRaw, frame);
}

}  // namespace steadycast::formats::flv
