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
// Also serves other plain object types: types ≥ 31 use the escape form, a sample rate
// outside the table uses the explicit 24-bit form (5 bytes then), 8 channels map to channel
// configuration 7. `channels` must be 1..6 or 8 (anything else is written as configuration
// 0, which ParseAudioSpecificConfig refuses).
std::vector<uint8_t> BuildAudioSpecificConfig(int object_type, int sample_rate, int channels);

// The sample rate of a sampling_frequency_index (Table 1.18), or 0 for 13..15.
int AacSampleRateFromIndex(int index);

// One ADTS frame header (ISO/IEC 14496-3 §1.A.2.2.1, adts_fixed_header + adts_variable_header
// + the optional CRC). MPEG-TS carries AAC this way.
struct AdtsHeader {
  bool mpeg2 = false;             // ID bit: 1 = MPEG-2 AAC, 0 = MPEG-4
  bool protection_absent = true;  // false: a 16-bit CRC follows the 7 fixed bytes
  int object_type = 2;            // profile_ObjectType + 1 (1 Main, 2 LC, 3 SSR, 4 LTP)
  int sampling_frequency_index = 0;
  int sample_rate = 0;            // Hz, from the index
  int channel_configuration = 0;  // 1..7 (0 = PCE in the payload: refused)
  int channels = 0;               // 1..6, or 8 for configuration 7
  size_t frame_length = 0;        // aac_frame_length: header + payload bytes
  size_t header_size = 7;         // 7, or 9 with CRC
  int buffer_fullness = 0;        // 0x7FF = variable bitrate
  int raw_data_blocks = 1;        // number_of_raw_data_blocks_in_frame + 1 (AAC frames)
};

// Parses the header at the start of `data` (at least 7 bytes, 9 with CRC). frame_length may
// exceed `data`: the caller checks it has the whole frame. Fails on a bad syncword, layer ≠ 0,
// a reserved or explicit (15) frequency index, channel configuration 0, or a frame_length
// shorter than the header.
base::Result<AdtsHeader> ParseAdtsHeader(std::span<const uint8_t> data);

// The track config an ADTS stream implies (its `asc` built with BuildAudioSpecificConfig).
AudioTrackConfig AudioConfigFromAdts(const AdtsHeader& header);

}  // namespace steadycast::media
