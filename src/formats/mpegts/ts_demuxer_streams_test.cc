// TsDemuxer elementary streams: H.264 parameter sets and keyframes, H.265, AAC ADTS framing
// and timing, unsupported and ignored stream types, continuity damage.
#include <gtest/gtest.h>

#include <algorithm>

#include "formats/mpegts/ts_demuxer.h"
#include "formats/mpegts/ts_test_util.h"
#include "media/aac.h"
#include "media/avc.h"

namespace steadycast::formats::mpegts {
namespace {

using testing::AdtsFrame;
using testing::AnnexB;
using testing::Aud;
using testing::Bytes;
using testing::DemuxAllSplits;
using testing::IdrSlice;
using testing::LengthPrefixed;
using testing::NonIdrSlice;
using testing::PatSection;
using testing::Pes;
using testing::PmtSection;
using testing::Pps;
using testing::ReadTestFile;
using testing::Sps128;
using testing::Sps64;
using testing::TestMuxer;
using testing::Transcript;

constexpr uint16_t kPmtPid = 0x1000;
constexpr uint16_t kVideoPid = 0x100;
constexpr uint16_t kAudioPid = 0x101;

TestMuxer Start(std::vector<PmtStream> streams = {{0x1B, kVideoPid}, {0x0F, kAudioPid}}) {
  TestMuxer mux;
  mux.WriteSection(kPatPid, PatSection(1, kPmtPid));
  mux.WriteSection(kPmtPid, PmtSection(1, kVideoPid, streams));
  return mux;
}

Bytes Data(const media::AccessUnit& unit) {
  return Bytes(unit.data.span().begin(), unit.data.span().end());
}

TEST(TsDemuxerH264Test, ParameterSetsBecomeTheConfigAndLeaveTheUnits) {
  TestMuxer mux = Start();
  // Before any SPS/PPS: undecodable, dropped.
  mux.WritePes(kVideoPid, Pes(0xE0, 5400, std::nullopt, AnnexB({Aud(), NonIdrSlice()}), true));
  mux.WritePes(kVideoPid, Pes(0xE0, 9000, 5400, AnnexB({Aud(), Sps64(), Pps(), IdrSlice()})));
  mux.WritePes(kVideoPid, Pes(0xE0, 12600, std::nullopt, AnnexB({Aud(), NonIdrSlice()})));
  // The same parameter sets again: no new config.
  mux.WritePes(kVideoPid,
               Pes(0xE0, 16200, std::nullopt, AnnexB({Aud(), Sps64(), Pps(), IdrSlice()})));
  // A new resolution.
  mux.WritePes(kVideoPid, Pes(0xE0, 19800, std::nullopt, AnnexB({Sps128(), Pps(), IdrSlice()})));
  const Transcript t = DemuxAllSplits(mux.bytes());
  EXPECT_EQ(t.stats.dropped_units, 1u);
  ASSERT_EQ(t.video_configs.size(), 2u);
  EXPECT_EQ(t.video_configs[0].width, 64);
  EXPECT_EQ(t.video_configs[0].height, 64);
  EXPECT_EQ(t.video_configs[0].CodecString(), "avc1.42c00a");
  auto avcc = media::ParseAvcDecoderConfig(t.video_configs[0].avcc.span());
  ASSERT_TRUE(avcc.ok());
  ASSERT_EQ(avcc->sps.size(), 1u);
  EXPECT_EQ(Bytes(avcc->sps[0].span().begin(), avcc->sps[0].span().end()), Sps64());
  EXPECT_EQ(avcc->nal_length_size, 4);
  EXPECT_EQ(t.video_configs[1].width, 128);
  EXPECT_EQ(t.video_configs[1].height, 96);

  ASSERT_EQ(t.units.size(), 4u);
  EXPECT_EQ(t.units[0].pts, 9000);
  EXPECT_EQ(t.units[0].dts, 5400);
  EXPECT_TRUE(t.units[0].keyframe);
  EXPECT_EQ(Data(t.units[0]), LengthPrefixed({IdrSlice()}));
  EXPECT_EQ(t.units[1].dts, 12600);  // DTS defaults to PTS
  EXPECT_FALSE(t.units[1].keyframe);
  EXPECT_EQ(Data(t.units[1]), LengthPrefixed({NonIdrSlice()}));
  EXPECT_TRUE(t.units[2].keyframe);
  // The config change comes before the unit that carried it.
  const auto change =
      std::find(t.events.begin(), t.events.end(), "video_config codec=0 128x96 avcc=38");
  ASSERT_NE(change, t.events.end());
  EXPECT_EQ((change + 1)->substr(0, 15), "video pts=19800");
}

TEST(TsDemuxerH264Test, BadSpsIsCountedAndDoesNotReport) {
  TestMuxer mux = Start();
  const Bytes bad_sps = {0x67, 0x42, 0xC0, 0x0A, 0xFF};
  mux.WritePes(kVideoPid, Pes(0xE0, 9000, std::nullopt, AnnexB({bad_sps, Pps(), IdrSlice()})));
  mux.WritePes(kVideoPid, Pes(0xE0, 12600, std::nullopt, AnnexB({bad_sps, Pps(), IdrSlice()})));
  const Transcript t = DemuxAllSplits(mux.bytes());
  EXPECT_EQ(t.stats.invalid_configs, 1u);  // once per distinct set
  EXPECT_TRUE(t.video_configs.empty());
  EXPECT_EQ(t.stats.dropped_units, 2u);
}

TEST(TsDemuxerH264Test, PesWithoutPtsOrAnnexBIsDropped) {
  TestMuxer mux = Start();
  mux.WritePes(kVideoPid,
               Pes(0xE0, 9000, std::nullopt, AnnexB({Sps64(), Pps(), IdrSlice()}), true));
  mux.WritePes(kVideoPid, Pes(0xE0, std::nullopt, std::nullopt, AnnexB({NonIdrSlice()}), true));
  mux.WritePes(kVideoPid, Pes(0xE0, 16200, std::nullopt, Bytes{1, 2, 3, 4, 5}, true));
  const Transcript t = DemuxAllSplits(mux.bytes());
  EXPECT_EQ(t.stats.video_units, 1u);
  EXPECT_EQ(t.stats.dropped_units, 2u);
}

TEST(TsDemuxerH264Test, ContinuityGapMarksTheUnitMaybeCorrupt) {
  TestMuxer mux = Start();
  const Bytes big = AnnexB({Sps64(), Pps(), IdrSlice(), Bytes(600, 0x42)});
  const Bytes pes = Pes(0xE0, 9000, std::nullopt, big);
  // Packetize by hand and lose the second packet.
  mux.Raw(testing::Packet(kVideoPid, true, mux.NextCc(kVideoPid), std::span(pes).first(184)));
  mux.SkipCc(kVideoPid);
  for (size_t pos = 368; pos < pes.size(); pos += 184) {
    const size_t n = std::min<size_t>(184, pes.size() - pos);
    mux.Raw(
        testing::Packet(kVideoPid, false, mux.NextCc(kVideoPid), std::span(pes).subspan(pos, n)));
  }
  mux.WritePes(kVideoPid, Pes(0xE0, 12600, std::nullopt, AnnexB({NonIdrSlice()})));
  // A duplicate packet (allowed once) changes nothing.
  const size_t before = mux.bytes().size();
  mux.WritePes(kVideoPid, Pes(0xE0, 16200, std::nullopt, AnnexB({NonIdrSlice()})));
  const Bytes last(mux.bytes().begin() + static_cast<std::ptrdiff_t>(before), mux.bytes().end());
  mux.Raw(last);
  const Transcript t = DemuxAllSplits(mux.bytes());
  EXPECT_EQ(t.stats.cc_errors, 1u);
  EXPECT_EQ(t.stats.duplicate_packets, 1u);
  ASSERT_EQ(t.units.size(), 3u);
  EXPECT_TRUE(t.units[0].maybe_corrupt);
  EXPECT_FALSE(t.units[1].maybe_corrupt);
  EXPECT_FALSE(t.units[2].maybe_corrupt);
}

TEST(TsDemuxerH264Test, LostPesStartDropsTheRestSilently) {
  TestMuxer mux = Start();
  mux.WritePes(kVideoPid,
               Pes(0xE0, 9000, std::nullopt, AnnexB({Sps64(), Pps(), IdrSlice()}), true));
  const Bytes pes = Pes(0xE0, 12600, std::nullopt, AnnexB({NonIdrSlice(), Bytes(400, 1)}), true);
  mux.SkipCc(kVideoPid);  // the packet with the PES start is lost
  mux.Raw(
      testing::Packet(kVideoPid, false, mux.NextCc(kVideoPid), std::span(pes).subspan(184, 184)));
  mux.WritePes(kVideoPid, Pes(0xE0, 16200, std::nullopt, AnnexB({NonIdrSlice()}), true));
  const Transcript t = DemuxAllSplits(mux.bytes());
  EXPECT_EQ(t.stats.cc_errors, 1u);
  EXPECT_EQ(t.stats.pes_overruns, 0u);
  ASSERT_EQ(t.units.size(), 2u);
  EXPECT_EQ(t.units[1].pts, 16200);
}

// ffmpeg -f lavfi -i testsrc2=size=64x64:rate=25 -t 0.2 -c:v libx265
//   -x265-params log-level=none:keyint=5 -crf 40 -f mpegts
TEST(TsDemuxerH265Test, RealFfmpegStreamIsReportedAsH265) {
  const Transcript t = DemuxAllSplits(ReadTestFile("ts_corpus/ffmpeg_x265_64x64.ts"));
  EXPECT_EQ(t.status, "OK");
  ASSERT_FALSE(t.events.empty());
  EXPECT_EQ(t.events[0], "program 1 pmt=4096 v=0 pcr=256 [256:36:0]");
  ASSERT_EQ(t.video_configs.size(), 1u);
  EXPECT_EQ(t.video_configs[0].codec, media::Codec::kH265);
  EXPECT_EQ(t.video_configs[0].width, 64);  // from the in-band SPS
  EXPECT_EQ(t.video_configs[0].height, 64);
  ASSERT_EQ(t.units.size(), 5u);
  EXPECT_EQ(t.units[0].codec, media::Codec::kH265);
  EXPECT_TRUE(t.units[0].keyframe);
  EXPECT_EQ(t.units[0].pts, 133200);
  EXPECT_EQ(t.units[0].dts, 126000);
  // Parameter sets stay in-band (no hvcC yet); delimiters are gone.
  std::vector<int> types;
  ASSERT_TRUE(media::ForEachNal(t.units[0].data.span(), [&](std::span<const uint8_t> nal) {
                types.push_back((nal[0] >> 1) & 0x3F);
              }).ok());
  EXPECT_EQ(std::count(types.begin(), types.end(), 35), 0);
  EXPECT_EQ(types.at(0), 32);  // VPS
  EXPECT_EQ(types.at(1), 33);  // SPS
  EXPECT_EQ(types.at(2), 34);  // PPS
  for (size_t i = 1; i < t.units.size(); ++i) EXPECT_FALSE(t.units[i].keyframe) << i;
}

TEST(TsDemuxerH265Test, IrapTypesAreKeyframes) {
  TestMuxer mux = Start({{0x24, kVideoPid}});
  const Bytes vps = {0x40, 0x01, 0x0C};
  const Bytes sps = {0x42, 0x01, 0x01};
  const Bytes pps = {0x44, 0x01, 0xC1};
  const Bytes aud = {0x46, 0x01, 0x50};
  const Bytes cra = {0x2A, 0x01, 0xAF};                                                // type 21
  const Bytes trail = {0x02, 0x01, 0xD0};                                              // type 1
  mux.WritePes(kVideoPid, Pes(0xE0, 3600, std::nullopt, AnnexB({aud, trail}), true));  // before
  mux.WritePes(kVideoPid, Pes(0xE0, 9000, std::nullopt, AnnexB({aud, vps, sps, pps, cra}), true));
  mux.WritePes(kVideoPid, Pes(0xE0, 12600, std::nullopt, AnnexB({aud, trail}), true));
  const Transcript t = DemuxAllSplits(mux.bytes());
  EXPECT_EQ(t.stats.dropped_units, 1u);
  ASSERT_EQ(t.units.size(), 2u);
  EXPECT_TRUE(t.units[0].keyframe);
  EXPECT_EQ(Data(t.units[0]), LengthPrefixed({vps, sps, pps, cra}));
  EXPECT_FALSE(t.units[1].keyframe);
  EXPECT_EQ(Data(t.units[1]), LengthPrefixed({trail}));
}

TEST(TsDemuxerAdtsTest, FramesAreSplitAndTimedInSamples) {
  TestMuxer mux = Start({{0x0F, kAudioPid}});
  // 3 PES of 7 frames; only the first carries a PTS. 21 frames at 44.1 kHz: no drift.
  for (int p = 0; p < 3; ++p) {
    Bytes frames;
    for (int f = 0; f < 7; ++f) {
      const Bytes frame = AdtsFrame(50 + static_cast<size_t>(f), static_cast<uint8_t>(p * 7 + f));
      frames.insert(frames.end(), frame.begin(), frame.end());
    }
    mux.WritePes(kAudioPid, Pes(0xC0, p == 0 ? std::optional<uint64_t>(1000) : std::nullopt,
                                std::nullopt, frames));
  }
  const Transcript t = DemuxAllSplits(mux.bytes());
  ASSERT_EQ(t.audio_configs.size(), 1u);
  EXPECT_EQ(t.audio_configs[0].sample_rate, 44100);
  EXPECT_EQ(t.audio_configs[0].channels, 2);
  ASSERT_EQ(t.units.size(), 21u);
  for (size_t i = 0; i < t.units.size(); ++i) {
    EXPECT_EQ(t.units[i].pts, 1000 + static_cast<int64_t>(i) * 1024 * 90000 / 44100) << i;
    EXPECT_EQ(t.units[i].dts, t.units[i].pts);
    EXPECT_TRUE(t.units[i].keyframe);
    EXPECT_EQ(t.units[i].data.size(), 50 + i % 7);  // header stripped
    EXPECT_EQ(t.units[i].data[0], i);
  }
}

TEST(TsDemuxerAdtsTest, FrameSpanningTwoPes) {
  TestMuxer mux = Start({{0x0F, kAudioPid}});
  const Bytes a = AdtsFrame(100, 0xA0);
  const Bytes b = AdtsFrame(80, 0xB0);
  const Bytes c = AdtsFrame(60, 0xC0);
  Bytes first = a;
  first.insert(first.end(), b.begin(), b.begin() + 30);
  Bytes second(b.begin() + 30, b.end());
  second.insert(second.end(), c.begin(), c.end());
  mux.WritePes(kAudioPid, Pes(0xC0, 9000, std::nullopt, first));
  mux.WritePes(kAudioPid, Pes(0xC0, 50000, std::nullopt, second));  // PTS of frame c
  const Transcript t = DemuxAllSplits(mux.bytes());
  ASSERT_EQ(t.units.size(), 3u);
  EXPECT_EQ(t.units[0].pts, 9000);
  EXPECT_EQ(t.units[1].pts, 9000 + 1024 * 90000 / 44100);  // carried over: follows a
  EXPECT_EQ(t.units[1].data.size(), 80u);
  EXPECT_EQ(t.units[1].data[0], 0xB0);
  EXPECT_EQ(t.units[2].pts, 50000);  // the first frame that starts in the second PES
  EXPECT_EQ(t.stats.adts_sync_errors, 0u);
}

TEST(TsDemuxerAdtsTest, GarbageIsSkippedToTheNextSync) {
  TestMuxer mux = Start({{0x0F, kAudioPid}});
  Bytes es = {0x12, 0xFF, 0x00, 0x34};  // junk, including a lone 0xFF
  const Bytes a = AdtsFrame(40);
  es.insert(es.end(), a.begin(), a.end());
  es.insert(es.end(), {0xFF, 0xF1, 0x7C, 0x00});  // reserved frequency index 15 then junk
  const Bytes b = AdtsFrame(40);
  es.insert(es.end(), b.begin(), b.end());
  mux.WritePes(kAudioPid, Pes(0xC0, 9000, std::nullopt, es));
  const Transcript t = DemuxAllSplits(mux.bytes());
  EXPECT_EQ(t.stats.adts_sync_errors, 2u);
  ASSERT_EQ(t.units.size(), 2u);
  EXPECT_EQ(t.units[0].pts, 9000);  // the PTS belongs to the first frame found
}

TEST(TsDemuxerAdtsTest, ConfigChangeKeepsTime) {
  TestMuxer mux = Start({{0x0F, kAudioPid}});
  Bytes es = AdtsFrame(20, 1, 4);            // 44.1 kHz
  const Bytes second = AdtsFrame(20, 2, 3);  // 48 kHz
  es.insert(es.end(), second.begin(), second.end());
  es.insert(es.end(), second.begin(), second.end());
  mux.WritePes(kAudioPid, Pes(0xC0, 0, std::nullopt, es));
  const Transcript t = DemuxAllSplits(mux.bytes());
  ASSERT_EQ(t.audio_configs.size(), 2u);
  EXPECT_EQ(t.audio_configs[1].sample_rate, 48000);
  ASSERT_EQ(t.units.size(), 3u);
  EXPECT_EQ(t.units[1].pts, 1024 * 90000 / 44100);
  EXPECT_EQ(t.units[2].pts, 1024 * 90000 / 44100 + 1024 * 90000 / 48000);
}

TEST(TsDemuxerAdtsTest, UntimedAndUnfinishedFramesAreDropped) {
  TestMuxer mux = Start({{0x0F, kAudioPid}});
  mux.WritePes(kAudioPid, Pes(0xC0, std::nullopt, std::nullopt, AdtsFrame(20)));  // no PTS yet
  const Bytes frame = AdtsFrame(50);
  mux.WritePes(kAudioPid, Pes(0xC0, 9000, std::nullopt, std::span(frame).first(30)));  // cut
  const Transcript t = DemuxAllSplits(mux.bytes());
  EXPECT_TRUE(t.units.empty());
  EXPECT_EQ(t.stats.dropped_units, 2u);  // the untimed one, the unfinished one at Finish
}

// ffmpeg -f lavfi -i sine -t 0.1 -c:a aac -b:a 16k -ac 1 -mpegts_flags +latm -f mpegts
TEST(TsDemuxerStreamTypesTest, LatmIsRefusedCleanly) {
  const Transcript t = DemuxAllSplits(ReadTestFile("ts_corpus/ffmpeg_aac_latm.ts"));
  EXPECT_EQ(t.status, "OK");
  ASSERT_GE(t.events.size(), 2u);
  EXPECT_EQ(t.events[0], "program 1 pmt=4096 v=0 pcr=256 [256:17:1]");
  EXPECT_EQ(t.events[1].substr(0, 27), "unsupported type=17 pid=256");
  EXPECT_NE(t.events[1].find("LATM"), std::string::npos);
  EXPECT_EQ(t.stats.unsupported_streams, 1u);
  EXPECT_TRUE(t.units.empty());
  EXPECT_TRUE(t.audio_configs.empty());
}

TEST(TsDemuxerStreamTypesTest, ExtraAndNonMediaStreams) {
  TestMuxer mux = Start({{0x06, 0x300},      // private data (e.g. subtitles): ignored
                         {0x1B, kVideoPid},  // carried
                         {0x24, 0x102},      // a second video stream: unsupported
                         {0x0F, kAudioPid},  // carried
                         {0x0F, 0x103},      // a second audio stream: unsupported
                         {0x81, 0x104},      // AC-3: unsupported
                         {0x15, 0x105}});    // ID3 metadata: ignored
  mux.WritePes(0x102, Pes(0xE0, 9000, std::nullopt, AnnexB({Sps64(), Pps(), IdrSlice()}), true));
  mux.WritePes(0x103, Pes(0xC0, 9000, std::nullopt, AdtsFrame(20)));
  mux.WritePes(kAudioPid, Pes(0xC0, 9000, std::nullopt, AdtsFrame(20)));
  const Transcript t = DemuxAllSplits(mux.bytes());
  EXPECT_EQ(t.stats.unsupported_streams, 3u);
  EXPECT_EQ(t.stats.ignored_streams, 2u);
  EXPECT_EQ(t.events[1], "unsupported type=36 pid=258 only the first video stream is carried");
  EXPECT_EQ(t.events[2], "unsupported type=15 pid=259 only the first audio stream is carried");
  EXPECT_EQ(t.events[3], "unsupported type=129 pid=260 AC-3 audio is not supported");
  EXPECT_EQ(t.stats.audio_units, 1u);
  EXPECT_EQ(t.stats.video_units, 0u);
}

TEST(TsDemuxerStreamTypesTest, ScrambledPacketsAreCounted) {
  TestMuxer mux = Start();
  mux.WritePes(kVideoPid,
               Pes(0xE0, 9000, std::nullopt, AnnexB({Sps64(), Pps(), IdrSlice()}), true));
  mux.Raw(
      testing::Packet(kAudioPid, true, mux.NextCc(kAudioPid), Bytes(184, 0), {.scrambling = 2}));
  const Transcript t = DemuxAllSplits(mux.bytes());
  EXPECT_EQ(t.stats.scrambled_packets, 1u);
  EXPECT_EQ(t.stats.video_units, 1u);
  EXPECT_EQ(t.stats.audio_units, 0u);
}

}  // namespace
}  // namespace steadycast::formats::mpegts
