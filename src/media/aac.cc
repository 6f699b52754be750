#include "media/aac.h"

#include <fmt/format.h>

#include <array>

#include "base/bytes.h"

namespace steadycast::media {
namespace {

using base::BitReader;
using base::InvalidArgument;
using base::Status;

// Table 1.18 (sampling_frequency_index → Hz); 13 and 14 are reserved, 15 means explicit.
constexpr std::array<int, 13> kSampleRates = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                              22050, 16000, 12000, 11025, 8000,  7350};
constexpr uint32_t kExplicitRateIndex = 15;
constexpr int kEscapeObjectType = 31;
constexpr int kObjectTypeSbr = 5;
constexpr int kObjectTypePs = 29;
constexpr int kObjectTypeErAacLd = 23;
constexpr uint32_t kSyncExtensionSbr = 0x2B7;  // §1.6.6.1 backward-compatible signalling
constexpr uint32_t kSyncExtensionPs = 0x548;

Status Invalid(std::string_view what) { return InvalidArgument(fmt::format("aac asc: {}", what)); }

// GetAudioObjectType() (§1.6.2.1): 5 bits, 31 escapes to 32 + 6 bits.
int ReadObjectType(BitReader& bits) {
  int type = static_cast<int>(bits.ReadBits(5));
  if (type == kEscapeObjectType) type = 32 + static_cast<int>(bits.ReadBits(6));
  return type;
}

// samplingFrequencyIndex and, for index 15, the explicit 24-bit samplingFrequency.
base::Result<int> ReadSampleRate(BitReader& bits, std::string_view what) {
  const uint32_t index = bits.ReadBits(4);
  const int rate = index == kExplicitRateIndex ? static_cast<int>(bits.ReadBits(24))
                                               : AacSampleRateFromIndex(static_cast<int>(index));
  if (bits.failed()) return Invalid(fmt::format("truncated in {}", what));
  if (rate <= 0) {
    return Invalid(index == kExplicitRateIndex
                       ? fmt::format("explicit {} is 0", what)
                       : fmt::format("{} index {} is reserved", what, index));
  }
  return rate;
}

// Object types whose configuration is a GASpecificConfig (§1.6.2.1 switch on type).
bool UsesGaSpecificConfig(int type) {
  switch (type) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 6:
    case 7:
    case 17:
    case 19:
    case 20:
    case 21:
    case 22:
    case 23:
      return true;
    default:
      return false;
  }
}

// GASpecificConfig (§4.4.1). Only frameLengthFlag matters to us; the rest is walked so a
// truncated config is caught. Channel configuration 0 was refused before we get here.
base::Result<int> ParseGaSpecificConfig(BitReader& bits, int type) {
  const bool frame_length_flag = bits.ReadFlag();
  if (bits.ReadFlag()) bits.ReadBits(14);  // dependsOnCoreCoder → coreCoderDelay
  const bool extension_flag = bits.ReadFlag();
  if (type == 6 || type == 20) bits.ReadBits(3);  // layerNr
  if (extension_flag) {
    if (type == 22) bits.ReadBits(5 + 11);  // numOfSubFrame, layer_length
    if (type == 17 || type == 19 || type == 20 || type == 23) bits.ReadBits(3);  // resilience
    bits.ReadFlag();                                                             // extensionFlag3
  }
  if (bits.failed()) return Invalid("truncated GASpecificConfig");
  if (type == kObjectTypeErAacLd) return frame_length_flag ? 480 : 512;
  return frame_length_flag ? 960 : 1024;
}

struct SbrSignal {
  bool sbr = false;
  bool ps = false;
  int rate = 0;
};

// The backward-compatible extension after the core config (§1.6.6.1: syncExtensionType
// 0x2B7, then optionally 0x548 for PS). It is optional trailing data, so a damaged or short
// tail is ignored instead of failing a config that is already complete.
SbrSignal ReadBackwardCompatibleSbr(BitReader& bits) {
  SbrSignal signal;
  if (bits.bits_left() < 16 || bits.ReadBits(11) != kSyncExtensionSbr) return signal;
  if (ReadObjectType(bits) != kObjectTypeSbr || !bits.ReadFlag()) return signal;
  auto rate = ReadSampleRate(bits, "extension sampling frequency");
  if (!rate.ok()) return signal;
  signal.sbr = true;
  signal.rate = *rate;
  if (bits.bits_left() >= 12 && bits.ReadBits(11) == kSyncExtensionPs) {
    signal.ps = bits.ReadFlag() && !bits.failed();
  }
  return signal;
}

// Channel configuration → channel count (Table 1.19; 7 is 7.1 = 8 channels).
int ChannelsFromConfiguration(int configuration) { return configuration == 7 ? 8 : configuration; }

}  // namespace

int AacSampleRateFromIndex(int index) {
  if (index < 0 || index >= static_cast<int>(kSampleRates.size())) return 0;
  return kSampleRates[static_cast<size_t>(index)];
}

base::Result<AudioTrackConfig> ParseAudioSpecificConfig(std::span<const uint8_t> asc) {
  BitReader bits(asc);
  AudioTrackConfig config;
  config.codec = Codec::kAac;
  int type = ReadObjectType(bits);
  if (bits.failed()) return Invalid(fmt::format("truncated object type ({} bytes)", asc.size()));
  SC_ASSIGN_OR_RETURN(config.sample_rate, ReadSampleRate(bits, "sampling frequency"));
  const int channel_configuration = static_cast<int>(bits.ReadBits(4));
  if (bits.failed()) return Invalid("truncated channel configuration");
  config.object_type = type;
  // Explicit hierarchical signalling: the SBR/PS type comes first, then the core type.
  if (type == kObjectTypeSbr || type == kObjectTypePs) {
    SC_ASSIGN_OR_RETURN(config.sbr_sample_rate,
                        ReadSampleRate(bits, "extension sampling frequency"));
    type = ReadObjectType(bits);
    if (type == 22) bits.ReadBits(4);  // extensionChannelConfiguration
    if (bits.failed()) return Invalid("truncated core object type after SBR/PS signalling");
  }
  if (!UsesGaSpecificConfig(type)) {
    return base::Unimplemented(fmt::format("aac asc: audio object type {} is not supported", type));
  }
  if (channel_configuration == 0) {
    return base::Unimplemented(
        "aac asc: channel configuration 0 (program_config_element) is not supported");
  }
  if (channel_configuration > 7) {
    return Invalid(fmt::format("channel configuration {} is reserved", channel_configuration));
  }
  config.channels = ChannelsFromConfiguration(channel_configuration);
  SC_ASSIGN_OR_RETURN(config.samples_per_frame, ParseGaSpecificConfig(bits, type));
  if (config.object_type != kObjectTypeSbr && config.object_type != kObjectTypePs) {
    const SbrSignal signal = ReadBackwardCompatibleSbr(bits);
    if (signal.sbr) {
      config.object_type = signal.ps ? kObjectTypePs : kObjectTypeSbr;
      config.sbr_sample_rate = signal.rate;
    }
  }
  config.asc = base::Buffer::Copy(asc);
  return config;
}

std::vector<uint8_t> BuildAudioSpecificConfig(int object_type, int sample_rate, int channels) {
  // Collect the fields MSB-first into a 64-bit accumulator, then emit whole bytes.
  uint64_t acc = 0;
  int used = 0;
  auto put = [&](uint32_t value, int width) {
    acc = (acc << width) | (value & ((uint64_t{1} << width) - 1));
    used += width;
  };
  if (object_type >= kEscapeObjectType) {
    put(kEscapeObjectType, 5);
    put(static_cast<uint32_t>(object_type - 32), 6);
  } else {
    put(static_cast<uint32_t>(object_type), 5);
  }
  uint32_t index = kExplicitRateIndex;
  for (size_t i = 0; i < kSampleRates.size(); ++i) {
    if (kSampleRates[i] == sample_rate) index = static_cast<uint32_t>(i);
  }
  put(index, 4);
  if (index == kExplicitRateIndex) put(static_cast<uint32_t>(sample_rate), 24);
  const int configuration = channels == 8 ? 7 : (channels >= 1 && channels <= 6 ? channels : 0);
  put(static_cast<uint32_t>(configuration), 4);
  put(0, 3);  // frameLengthFlag = 0 (1024), dependsOnCoreCoder = 0, extensionFlag = 0
  const int padding = (8 - used % 8) % 8;
  put(0, padding);
  std::vector<uint8_t> out;
  for (int shift = used - 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<uint8_t>(acc >> shift));
  }
  return out;
}

base::Result<AdtsHeader> ParseAdtsHeader(std::span<const uint8_t> data) {
  if (data.size() < 7) {
    return InvalidArgument(fmt::format("adts: header needs 7 bytes, have {}", data.size()));
  }
  BitReader bits(data.first(7));
  AdtsHeader header;
  if (bits.ReadBits(12) != 0xFFF) return InvalidArgument("adts: syncword 0xFFF not found");
  header.mpeg2 = bits.ReadFlag();
  if (bits.ReadBits(2) != 0) return InvalidArgument("adts: layer is not 0");
  header.protection_absent = bits.ReadFlag();
  header.object_type = static_cast<int>(bits.ReadBits(2)) + 1;
  header.sampling_frequency_index = static_cast<int>(bits.ReadBits(4));
  bits.ReadFlag();  // private_bit
  header.channel_configuration = static_cast<int>(bits.ReadBits(3));
  bits.ReadBits(4);  // original_copy, home, copyright id bit, copyright id start
  header.frame_length = bits.ReadBits(13);
  header.buffer_fullness = static_cast<int>(bits.ReadBits(11));
  header.raw_data_blocks = static_cast<int>(bits.ReadBits(2)) + 1;
  header.header_size = header.protection_absent ? 7 : 9;
  header.sample_rate = AacSampleRateFromIndex(header.sampling_frequency_index);
  if (header.sample_rate == 0) {
    return InvalidArgument(fmt::format("adts: sampling frequency index {} is not allowed",
                                       header.sampling_frequency_index));
  }
  if (header.channel_configuration == 0) {
    return base::Unimplemented("adts: channel configuration 0 (program_config_element)");
  }
  header.channels = ChannelsFromConfiguration(header.channel_configuration);
  if (header.frame_length < header.header_size) {
    return InvalidArgument(fmt::format("adts: frame_length {} shorter than the {}-byte header",
                                       header.frame_length, header.header_size));
  }
  if (data.size() < header.header_size) {
    return InvalidArgument(
        fmt::format("adts: header with CRC needs 9 bytes, have {}", data.size()));
  }
  return header;
}

AudioTrackConfig AudioConfigFromAdts(const AdtsHeader& header) {
  AudioTrackConfig config;
  config.codec = Codec::kAac;
  config.object_type = header.object_type;
  config.sample_rate = header.sample_rate;
  config.channels = header.channels;
  config.samples_per_frame = 1024;
  config.asc = base::Buffer::Take(
      BuildAudioSpecificConfig(header.object_type, header.sample_rate, header.channels));
  return config;
}

}  // namespace steadycast::media
