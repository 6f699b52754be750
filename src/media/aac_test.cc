#include "media/aac.h"

#include <gtest/gtest.h>

#include <string>

#include "media/media_test_util.h"

namespace steadycast::media {
namespace {

using testing::Hex;
using testing::TestBitWriter;

// Fields a parse must reproduce, without `asc` (which copies the input, prefix or not).
struct Core {
  int object_type;
  int sample_rate;
  int channels;
  int samples_per_frame;
  int sbr_sample_rate;
  bool operator==(const Core&) const = default;
};
Core CoreOf(const AudioTrackConfig& c) {
  return {c.object_type, c.sample_rate, c.channels, c.samples_per_frame, c.sbr_sample_rate};
}

AudioTrackConfig MustParse(const std::vector<uint8_t>& asc) {
  auto parsed = ParseAudioSpecificConfig(asc);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.ok() ? *parsed : AudioTrackConfig{};
}

// AudioSpecificConfigs written by FFmpeg's native AAC encoder (ffmpeg -f lavfi -i sine -c:a
// aac x.m4a). It appends the backward-compatible SBR sync extension with sbrPresentFlag = 0.
TEST(AacTest, FfmpegLowComplexityConfigs) {
  struct Case {
    const char* hex;
    int rate;
    int channels;
  };
  for (const Case& c :
       {Case{"121056e500", 44100, 2}, Case{"119056e500", 48000, 2}, Case{"118856e500", 48000, 1},
        Case{"120856e500", 44100, 1}, Case{"139056e500", 22050, 2}, Case{"1210", 44100, 2}}) {
    SCOPED_TRACE(c.hex);
    const auto asc = Hex(c.hex);
    const AudioTrackConfig config = MustParse(asc);
    EXPECT_EQ(CoreOf(config), (Core{2, c.rate, c.channels, 1024, 0}));
    EXPECT_EQ(config.CodecString(), "mp4a.40.2");
    EXPECT_EQ(config.asc, base::Buffer::Copy(asc));
    EXPECT_EQ(config.codec, Codec::kAac);
  }
}

TEST(AacTest, HeAacBackwardCompatibleSignalling) {
  // LC 22050 stereo, then syncExtensionType 0x2B7, SBR, sbrPresentFlag 1, 44100.
  const AudioTrackConfig config = MustParse(Hex("13 90 56 e5 a0"));
  EXPECT_EQ(CoreOf(config), (Core{5, 22050, 2, 1024, 44100}));
  EXPECT_EQ(config.CodecString(), "mp4a.40.5");
}

TEST(AacTest, HeAacV2BackwardCompatibleSignalling) {
  TestBitWriter w;
  w.U(2, 5);  // LC
  w.U(7, 4);  // 22050
  w.U(1, 4);  // mono
  w.U(0, 3);
  w.U(0x2B7, 11);
  w.U(5, 5);
  w.Flag(true);
  w.U(4, 4);  // 44100
  w.U(0x548, 11);
  w.Flag(true);  // psPresentFlag
  const AudioTrackConfig config = MustParse(w.Bytes());
  EXPECT_EQ(CoreOf(config), (Core{29, 22050, 1, 1024, 44100}));
  EXPECT_EQ(config.CodecString(), "mp4a.40.29");
}

std::vector<uint8_t> Hierarchical(int signalled, int core_index, int channels, int ext_index) {
  TestBitWriter w;
  w.U(static_cast<uint64_t>(signalled), 5);
  w.U(static_cast<uint64_t>(core_index), 4);
  w.U(static_cast<uint64_t>(channels), 4);
  w.U(static_cast<uint64_t>(ext_index), 4);
  w.U(2, 5);  // core AAC-LC
  w.U(0, 3);  // GASpecificConfig
  return w.Bytes();
}

TEST(AacTest, HeAacExplicitHierarchicalSignalling) {
  const auto he = Hierarchical(5, 6, 2, 3);  // 24 kHz core, 48 kHz SBR
  EXPECT_EQ(CoreOf(MustParse(he)), (Core{5, 24000, 2, 1024, 48000}));
  const auto ps = Hierarchical(29, 6, 1, 3);
  const AudioTrackConfig config = MustParse(ps);
  EXPECT_EQ(CoreOf(config), (Core{29, 24000, 1, 1024, 48000}));
  EXPECT_EQ(config.CodecString(), "mp4a.40.29");
  // Every prefix of a hierarchical config fails or parses identically.
  for (const auto& asc : {he, ps}) {
    const Core full = CoreOf(MustParse(asc));
    for (size_t n = 0; n < asc.size(); ++n) {
      auto prefix = ParseAudioSpecificConfig(std::span(asc).first(n));
      if (prefix.ok()) {
        EXPECT_EQ(CoreOf(*prefix), full) << n;
      }
    }
    EXPECT_FALSE(ParseAudioSpecificConfig(std::span(asc).first(2)).ok());
  }
  // The SBR rate index must not be reserved.
  EXPECT_FALSE(ParseAudioSpecificConfig(Hierarchical(5, 6, 2, 13)).ok());
}

TEST(AacTest, EscapeObjectType) {
  TestBitWriter w;
  w.U(31, 5);
  w.U(7, 6);  // 32 + 7 = 39 (ER AAC ELD)
  w.U(3, 4);
  w.U(2, 4);
  w.U(0, 13);
  auto parsed = ParseAudioSpecificConfig(w.Bytes());
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), base::ErrorCode::kUnimplemented);
  EXPECT_NE(parsed.status().message().find("39"), std::string::npos);
  // Truncated inside the 6-bit escape.
  auto truncated = ParseAudioSpecificConfig(Hex("f8"));
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.status().code(), base::ErrorCode::kInvalidArgument);
}

TEST(AacTest, ExplicitFrequency) {
  TestBitWriter w;
  w.U(2, 5);
  w.U(15, 4);
  w.U(50000, 24);
  w.U(2, 4);
  w.U(0, 3);
  const auto asc = w.Bytes();
  EXPECT_EQ(CoreOf(MustParse(asc)), (Core{2, 50000, 2, 1024, 0}));
  for (size_t n = 0; n < asc.size(); ++n) {
    EXPECT_FALSE(ParseAudioSpecificConfig(std::span(asc).first(n)).ok()) << n;
  }
  EXPECT_EQ(BuildAudioSpecificConfig(2, 50000, 2), asc);

  TestBitWriter zero;
  zero.U(2, 5);
  zero.U(15, 4);
  zero.U(0, 24);
  zero.U(2, 4);
  zero.U(0, 3);
  EXPECT_FALSE(ParseAudioSpecificConfig(zero.Bytes()).ok());
}

TEST(AacTest, FrameLengthFlag) {
  EXPECT_EQ(MustParse(Hex("12 14")).samples_per_frame, 960);  // LC 44.1k stereo, 960
}

TEST(AacTest, RefusedConfigs) {
  auto code = [](const std::vector<uint8_t>& asc) {
    return ParseAudioSpecificConfig(asc).status().code();
  };
  EXPECT_EQ(code({}), base::ErrorCode::kInvalidArgument);
  EXPECT_EQ(code(Hex("12")), base::ErrorCode::kInvalidArgument);
  EXPECT_EQ(code(Hex("12 00")), base::ErrorCode::kUnimplemented);       // channel config 0
  EXPECT_EQ(code(Hex("12 40")), base::ErrorCode::kInvalidArgument);     // channel config 8
  EXPECT_EQ(code(Hex("16 90")), base::ErrorCode::kInvalidArgument);     // index 13 reserved
  EXPECT_EQ(code(Hex("02 10")), base::ErrorCode::kUnimplemented);       // object type 0
  EXPECT_EQ(code(Hex("11")), base::ErrorCode::kInvalidArgument);        // index cut
  EXPECT_EQ(code(Hex("12 17 ff")), base::ErrorCode::kInvalidArgument);  // dependsOnCore cut
}

TEST(AacTest, EveryPrefixOfFfmpegConfigFailsOrKeepsCore) {
  const auto asc = Hex("119056e500");
  const Core full = CoreOf(MustParse(asc));
  for (size_t n = 0; n < asc.size(); ++n) {
    auto prefix = ParseAudioSpecificConfig(std::span(asc).first(n));
    if (prefix.ok()) {
      EXPECT_EQ(CoreOf(*prefix), full) << n;
    }
    if (n < 2) {
      EXPECT_FALSE(prefix.ok());
    }
  }
}

TEST(AacTest, BuildAudioSpecificConfig) {
  EXPECT_EQ(BuildAudioSpecificConfig(2, 44100, 2), Hex("12 10"));
  EXPECT_EQ(BuildAudioSpecificConfig(2, 48000, 2), Hex("11 90"));
  EXPECT_EQ(BuildAudioSpecificConfig(2, 48000, 1), Hex("11 88"));
  EXPECT_EQ(BuildAudioSpecificConfig(2, 44100, 1), Hex("12 08"));
  const AudioTrackConfig surround = MustParse(BuildAudioSpecificConfig(2, 48000, 8));
  EXPECT_EQ(surround.channels, 8);
  for (int rate : {96000, 88200, 64000, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350}) {
    EXPECT_EQ(MustParse(BuildAudioSpecificConfig(2, rate, 2)).sample_rate, rate);
  }
  // Escape form: 31, then 6 bits of (type - 32).
  const auto escaped = BuildAudioSpecificConfig(42, 48000, 2);
  ASSERT_EQ(escaped.size(), 3u);
  EXPECT_EQ(escaped[0] >> 3, 31);
  EXPECT_NE(ParseAudioSpecificConfig(escaped).status().message().find("42"), std::string::npos);
}

// ---- ADTS ----

TEST(AacTest, FfmpegAdtsHeader) {
  // First header of `ffmpeg -f lavfi -i sine=sample_rate=48000 -c:a aac -f adts`.
  const auto bytes = Hex("fff1 4c40 1b7f fc");
  auto header = ParseAdtsHeader(bytes);
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_FALSE(header->mpeg2);
  EXPECT_TRUE(header->protection_absent);
  EXPECT_EQ(header->object_type, 2);
  EXPECT_EQ(header->sampling_frequency_index, 3);
  EXPECT_EQ(header->sample_rate, 48000);
  EXPECT_EQ(header->channel_configuration, 1);
  EXPECT_EQ(header->channels, 1);
  EXPECT_EQ(header->frame_length, 219u);
  EXPECT_EQ(header->header_size, 7u);
  EXPECT_EQ(header->buffer_fullness, 0x7FF);
  EXPECT_EQ(header->raw_data_blocks, 1);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(ParseAdtsHeader(std::span(bytes).first(n)).ok());
  }

  const AudioTrackConfig config = AudioConfigFromAdts(*header);
  EXPECT_EQ(config.asc, base::Buffer::Copy(Hex("11 88")));
  EXPECT_EQ(config.CodecString(), "mp4a.40.2");
  const AudioTrackConfig reparsed = MustParse(Hex("11 88"));
  EXPECT_EQ(config, reparsed);
}

std::vector<uint8_t> Adts(bool protection_absent, int profile, int index, int channels,
                          int frame_length, int blocks = 0, int layer = 0) {
  TestBitWriter w;
  w.U(0xFFF, 12);
  w.Flag(true);  // MPEG-2
  w.U(static_cast<uint64_t>(layer), 2);
  w.Flag(protection_absent);
  w.U(static_cast<uint64_t>(profile), 2);
  w.U(static_cast<uint64_t>(index), 4);
  w.Flag(false);
  w.U(static_cast<uint64_t>(channels), 3);
  w.U(0, 4);
  w.U(static_cast<uint64_t>(frame_length), 13);
  w.U(0x123, 11);
  w.U(static_cast<uint64_t>(blocks), 2);
  if (!protection_absent) w.U(0xBEEF, 16);
  return w.Bytes();
}

TEST(AacTest, AdtsWithCrcAndSeveralBlocks) {
  const auto bytes = Adts(false, 1, 4, 7, 1000, 3);
  auto header = ParseAdtsHeader(bytes);
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_TRUE(header->mpeg2);
  EXPECT_FALSE(header->protection_absent);
  EXPECT_EQ(header->header_size, 9u);
  EXPECT_EQ(header->object_type, 2);
  EXPECT_EQ(header->sample_rate, 44100);
  EXPECT_EQ(header->channels, 8);
  EXPECT_EQ(header->frame_length, 1000u);
  EXPECT_EQ(header->buffer_fullness, 0x123);
  EXPECT_EQ(header->raw_data_blocks, 4);
  EXPECT_FALSE(ParseAdtsHeader(std::span(bytes).first(8)).ok());
  auto config = AudioConfigFromAdts(*header);
  EXPECT_EQ(
      CoreOf(MustParse(std::vector<uint8_t>(config.asc.span().begin(), config.asc.span().end()))),
      (Core{2, 44100, 8, 1024, 0}));
}

TEST(AacTest, AdtsErrors) {
  EXPECT_TRUE(ParseAdtsHeader(Adts(true, 1, 3, 2, 7)).ok());    // empty payload is allowed
  EXPECT_FALSE(ParseAdtsHeader(Adts(true, 1, 3, 2, 6)).ok());   // shorter than the header
  EXPECT_FALSE(ParseAdtsHeader(Adts(false, 1, 3, 2, 8)).ok());  // shorter than 9 with CRC
  EXPECT_FALSE(ParseAdtsHeader(Adts(true, 1, 13, 2, 100)).ok());
  EXPECT_FALSE(ParseAdtsHeader(Adts(true, 1, 15, 2, 100)).ok());
  EXPECT_EQ(ParseAdtsHeader(Adts(true, 1, 3, 0, 100)).status().code(),
            base::ErrorCode::kUnimplemented);
  EXPECT_FALSE(ParseAdtsHeader(Adts(true, 1, 3, 2, 100, 0, 1)).ok());  // layer 1
  auto bad_sync = Adts(true, 1, 3, 2, 100);
  bad_sync[1] = 0xE1;
  EXPECT_FALSE(ParseAdtsHeader(bad_sync).ok());
}

}  // namespace
}  // namespace steadycast::media
