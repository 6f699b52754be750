#pragma once
// Track descriptions: what a decoder needs before the first access unit. Built by the media
// parsers (avc.h, aac.h) from the codec configuration the ingest protocol carries.

#include <cstdint>
#include <optional>
#include <string>

#include "base/buffer.h"
#include "media/access_unit.h"

namespace steadycast::media {

struct VideoTrackConfig {
  Codec codec = Codec::kH264;
  // AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1), normalised so that
  // lengthSizeMinusOne = 3 (access units always carry 4-byte NAL lengths).
  base::Buffer avcc;
  int width = 0;  // display size after cropping, from the SPS
  int height = 0;
  uint8_t profile_idc = 0;
  uint8_t constraint_flags = 0;  // constraint_set0..5 flags byte
  uint8_t level_idc = 0;
  // From SPS VUI timing info when present; ingest may fill it from stream metadata.
  std::optional<double> frame_rate;
  // Sample aspect ratio from the VUI (1:1 when absent).
  int sar_num = 1;
  int sar_den = 1;

  // RFC 6381 codec string: "avc1.64001f".
  std::string CodecString() const;
  bool operator==(const VideoTrackConfig&) const = default;
};

struct AudioTrackConfig {
  Codec codec = Codec::kAac;
  base::Buffer asc;     // AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1)
  int object_type = 2;  // 2 = AAC-LC, 5 = SBR (HE-AAC), 29 = PS
  int sample_rate = 0;  // Hz
  int channels = 0;
  int samples_per_frame = 1024;
  // Output rate of the SBR tool when HE-AAC is signalled (usually 2 × sample_rate), else 0.
  // sample_rate stays the core rate, so 1024 samples per frame keep timestamps right.
  int sbr_sample_rate = 0;

  // RFC 6381 codec string: "mp4a.40.2".
  std::string CodecString() const;
  bool operator==(const AudioTrackConfig&) const = default;
};

}  // namespace steadycast::media
