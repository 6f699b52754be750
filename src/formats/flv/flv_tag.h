#pragma once
// FLV tag bodies (Adobe FLV spec v10.1 §E.4.2 audio, §E.4.3 video): the payload of RTMP audio
// (type 8) and video (type 9) messages and of FLV file tags. Pure functions; the returned
// spans point into the input and are valid only as long as it is.

#include <cstdint>
#include <span>

#include "base/status.h"

namespace steadycast::formats::flv {

enum class VideoFrameType : uint8_t {
  kKeyframe = 1,
  kInterframe = 2,
  kDisposableInterframe = 3,
  kGeneratedKeyframe = 4,
  kVideoInfo = 5,  // command frame, carries no picture
};

enum class VideoCodecId : uint8_t {
  kSorensonH263 = 2,
  kScreen = 3,
  kVp6 = 4,
  kAvc = 7,
  kHevc = 12
};

enum class AvcPacketType : uint8_t { kSequenceHeader = 0, kNalu = 1, kEndOfSequence = 2 };

struct VideoTag {
  VideoFrameType frame_type = VideoFrameType::kInterframe;
  uint8_t codec_id = 0;  // VideoCodecId value; anything but kAvc is reported, not decoded
  AvcPacketType packet_type = AvcPacketType::kNalu;  // only meaningful for AVC
  int32_t composition_time_ms = 0;                   // signed 24-bit (pts - dts), AVC only
  std::span<const uint8_t> payload;                  // avcC record or length-prefixed NAL units
};

// Fails on an empty body, a truncated AVC header, or an unknown AVC packet type.
base::Result<VideoTag> ParseVideoTag(std::span<const uint8_t> body);

enum class SoundFormat : uint8_t { kMp3 = 2, kAac = 10, kSpeex = 11 };
enum class AacPacketType : uint8_t { kSequenceHeader = 0, kRaw = 1 };

struct AudioTag {
  uint8_t sound_format = 0;  // SoundFormat value
  uint8_t sound_rate = 0;    // 0..3 (5.5/11/22/44 kHz); AAC always signals 3
  bool sample_size_16bit = false;
  bool stereo = false;
  AacPacketType aac_packet_type = AacPacketType::kRaw;  // only meaningful for AAC
  std::span<const uint8_t> payload;                     // AudioSpecificConfig or one raw AAC frame
};

// Fails on an empty body or a truncated AAC header.
base::Result<AudioTag> ParseAudioTag(std::span<const uint8_t> body);

}  // namespace steadycast::formats::flv
