#pragma once
// AAC configuration: AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1) and ADTS headers
// (§1.A.2.2), used by FLV/RTMP (ASC in the sequence header) and MPEG-TS (ADTS) ingest.

#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"
#include "media/track.h"

namespace steadycast::media {

// Parses an AudioSpecificConfig: object type (incl. the 31+escape form), sampling frequency
// index (or explicit 24-bit rate), channel configuration (1..7; 0 is refused), SBR/PS
// extension signalling. Returns a config whose `asc` holds a copy of the input.
base::Result<AudioTrackConfig> ParseAudioSpecificConfig(std::span<const uint8_t> asc);

// Builds a 2-byte AudioSpecificConfig for AAC-LC.
std::vector<uint8_t> BuildAudioSpecificConfig(int object_type, int sample_rate, int channels);

}  // namespace steadycast::media
