// TsDemuxer end to end: real FFmpeg and GStreamer streams (whole, byte by byte and in random
// splits), sync recovery, PSI handling and the named regressions from the brief.
#include "formats/mpegts/ts_demuxer.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "formats/mpegts/ts_test_util.h"
#include "media/avc.h"

namespace steadycast::formats::mpegts {
namespace {

using testing::AdtsFrame;
using testing::AnnexB;
using testing::Bytes;
using testing::DemuxAllSplits;
using testing::IdrSlice;
using testing::NonIdrSlice;
using testing::PatSection;
using testing::Pes;
using testing::PmtSection;
using testing::Pps;
using testing::ReadTestFile;
using testing::Sps64;
using testing::TestMuxer;
using testing::Transcript;

constexpr uint16_t kPmtPid = 0x1000;
constexpr uint16_t kVideoPid = 0x100;
constexpr uint16_t kAudioPid = 0x101;

void WriteTables(TestMuxer& mux, uint8_t version = 0,
                 std::vector<PmtStream> streams = {{0x1B, kVideoPid}, {0x0F, kAudioPid}}) {
  mux.WriteSection(kPatPid, PatSection(1, kPmtPid));
  mux.WriteSection(kPmtPid, PmtSection(1, kVideoPid, streams, version));
}

void WriteIdr(TestMuxer& mux, uint64_t pts, bool bounded = false) {
  mux.WritePes(kVideoPid,
               Pes(0xE0, pts, std::nullopt, AnnexB({Sps64(), Pps(), IdrSlice()}), bounded));
}

size_t Count(const Transcript& t, std::string_view prefix) {
  return static_cast<size_t>(std::count_if(t.events.begin(), t.events.end(),
                                           [&](const auto& e) { return e.rfind(prefix, 0) == 0; }));
}

// ffmpeg -f lavfi -i testsrc2=size=160x90:rate=25 -f lavfi -i sine -t 1 -c:v libx264 -g 12
//   -crf 40 -c:a aac -b:a 32k -ac 1 -f mpegts
// ffprobe: 25 video packets (3 keyframes, B-frames), 45 AAC frames at 44.1 kHz. FFmpeg writes
// unbounded video PES (PES_packet_length 0) and packs ~15 ADTS frames into each audio PES.
TEST(TsDemuxerTest, RealFfmpegStream) {
  const Bytes file = ReadTestFile("ts_corpus/ffmpeg_x264_aac_160x90.ts");
  const Transcript t = DemuxAllSplits(file);
  EXPECT_EQ(t.status, "OK");
  EXPECT_EQ(t.stats.packets, file.size() / kTsPacketSize);
  EXPECT_EQ(t.stats.cc_errors, 0u);
  EXPECT_EQ(t.stats.crc_errors, 0u);
  EXPECT_EQ(t.stats.resyncs, 0u);
  EXPECT_EQ(t.stats.dropped_units, 0u);
  EXPECT_EQ(t.stats.ignored_streams, 0u);
  ASSERT_EQ(t.events[0], "program 1 pmt=4096 v=0 pcr=256 [256:27:0] [257:15:0]");
  EXPECT_EQ(t.stats.program_changes, 1u);
  EXPECT_GT(t.stats.pcrs, 0u);

  ASSERT_EQ(t.video_configs.size(), 1u);
  EXPECT_EQ(t.video_configs[0].codec, media::Codec::kH264);
  EXPECT_EQ(t.video_configs[0].width, 160);
  EXPECT_EQ(t.video_configs[0].height, 90);
  EXPECT_EQ(t.video_configs[0].CodecString().substr(0, 6), "avc1.6");  // High profile
  ASSERT_EQ(t.audio_configs.size(), 1u);
  EXPECT_EQ(t.audio_configs[0].sample_rate, 44100);
  EXPECT_EQ(t.audio_configs[0].channels, 1);
  EXPECT_EQ(t.audio_configs[0].CodecString(), "mp4a.40.2");

  std::vector<media::AccessUnit> video;
  std::vector<media::AccessUnit> audio;
  for (const auto& u : t.units) (u.kind == media::TrackKind::kVideo ? video : audio).push_back(u);
  ASSERT_EQ(video.size(), 25u);
  ASSERT_EQ(audio.size(), 45u);
  EXPECT_EQ(t.stats.video_units, 25u);
  EXPECT_EQ(t.stats.audio_units, 45u);
  // Timestamps as ffprobe reports them.
  EXPECT_EQ(video[0].pts, 133200);
  EXPECT_EQ(video[0].dts, 126000);
  EXPECT_TRUE(video[0].keyframe);
  EXPECT_EQ(video[1].pts, 147600);
  EXPECT_EQ(video[1].dts, 129600);
  EXPECT_FALSE(video[1].keyframe);
  EXPECT_EQ(audio[0].pts, 131110);
  int keyframes = 0;
  for (size_t i = 0; i < video.size(); ++i) {
    keyframes += video[i].keyframe;
    EXPECT_EQ(video[i].dts, 126000 + 3600 * static_cast<int64_t>(i));
    EXPECT_FALSE(video[i].maybe_corrupt);
    // Length-prefixed NAL units without AUD/SPS/PPS.
    ASSERT_TRUE(media::ForEachNal(video[i].data.span(), [](std::span<const uint8_t> nal) {
                  const int type = nal[0] & 0x1F;
                  EXPECT_TRUE(type != 7 && type != 8 && type != 9) << type;
                }).ok());
  }
  EXPECT_EQ(keyframes, 3);
  for (size_t i = 1; i < audio.size(); ++i) {
    const int64_t step = audio[i].pts - audio[i - 1].pts;
    // 1024 samples = 2089.8 ticks; PES PTS (rounded by the muxer) reset the base now and then.
    EXPECT_TRUE(step >= 2089 && step <= 2091) << i << ": " << step;
    EXPECT_TRUE(audio[i].keyframe);
  }
}

// gst-launch-1.0 videotestsrc num-buffers=20 ! video/x-raw,format=I420,width=160,height=90,
//   framerate=25/1 ! x264enc key-int-max=10 bitrate=64 speed-preset=veryfast ! h264parse !
//   mpegtsmux name=m ! filesink  audiotestsrc num-buffers=20 ! audio/x-raw,rate=44100,
//   channels=1 ! voaacenc bitrate=32000 ! aacparse ! m.
// A different muxer: PIDs 0x41/0x42, PMT on 0x20, timestamps from 3600 s, bounded video PES,
// one ADTS frame per audio PES.
TEST(TsDemuxerTest, RealGstreamerStream) {
  const Bytes file = ReadTestFile("ts_corpus/gstreamer_x264_aac_160x90.ts");
  const Transcript t = DemuxAllSplits(file);
  EXPECT_EQ(t.status, "OK");
  EXPECT_EQ(t.stats.cc_errors, 0u);
  EXPECT_EQ(t.stats.crc_errors, 0u);
  EXPECT_EQ(t.stats.dropped_units, 0u);
  ASSERT_FALSE(t.events.empty());
  EXPECT_EQ(t.events[0].substr(0, 10), "program 1 ");
  EXPECT_EQ(t.stats.video_units, 20u);
  EXPECT_EQ(t.stats.audio_units, 20u);
  ASSERT_EQ(t.video_configs.size(), 1u);
  EXPECT_EQ(t.video_configs[0].width, 160);
  EXPECT_EQ(t.video_configs[0].height, 90);
  ASSERT_EQ(t.audio_configs.size(), 1u);
  EXPECT_EQ(t.audio_configs[0].sample_rate, 44100);
  std::vector<media::AccessUnit> video;
  for (const auto& u : t.units) {
    if (u.kind == media::TrackKind::kVideo) video.push_back(u);
  }
  ASSERT_EQ(video.size(), 20u);
  EXPECT_EQ(video[0].pts, 324000000);
  EXPECT_EQ(video[0].dts, 323992800);
  EXPECT_TRUE(video[0].keyframe);
  EXPECT_EQ(video[10].keyframe, true);
  EXPECT_EQ(video[2].pts, 324007200);
}

TEST(TsDemuxerTest, SrtSizedPayloadsGiveTheSameEvents) {
  const Bytes file = ReadTestFile("ts_corpus/ffmpeg_x264_aac_160x90.ts");
  base::testing::SplitPlan srt{"srt-1316", {}};
  for (size_t left = file.size(); left > 0; left -= std::min<size_t>(left, 1316)) {
    srt.chunks.push_back(std::min<size_t>(left, 1316));
  }
  const auto plans = base::testing::SplitPlans(file.size(), 0);
  EXPECT_EQ(testing::Demux(file, srt).events, testing::Demux(file, plans[0]).events);
}

TEST(TsDemuxerTest, GarbagePrefixIsSkippedBySyncRecovery) {
  const Bytes file = ReadTestFile("ts_corpus/ffmpeg_x264_aac_160x90.ts");
  const Transcript clean = DemuxAllSplits(file);
  // Garbage with decoy sync bytes (0x47 not repeating at the 188-byte stride).
  Bytes input(1000, 0x00);
  for (size_t i = 5; i < input.size(); i += 97) input[i] = kTsSyncByte;
  input.insert(input.end(), file.begin(), file.end());
  const Transcript t = DemuxAllSplits(input);
  EXPECT_EQ(t.status, "OK");
  EXPECT_EQ(t.events, clean.events);
  EXPECT_EQ(t.stats.resyncs, 1u);
  EXPECT_EQ(t.stats.sync_losses, 0u);
  EXPECT_EQ(t.stats.skipped_bytes, 1000u);

  // Garbage that happens to start with 0x47 is first taken for a packet, then sync is lost.
  input[0] = kTsSyncByte;
  const Transcript lost = DemuxAllSplits(input);
  EXPECT_EQ(lost.events, clean.events);
  EXPECT_EQ(lost.stats.sync_losses, 1u);
  EXPECT_EQ(lost.stats.resyncs, 1u);
  EXPECT_EQ(lost.stats.skipped_bytes, 1000u - 188u);
}

TEST(TsDemuxerTest, SyncLossMidStreamRecovers) {
  const Bytes file = ReadTestFile("ts_corpus/ffmpeg_x264_aac_160x90.ts");
  // 50 stray bytes after packet 20 (a broken relay) shift the stride; the stream goes on.
  constexpr std::ptrdiff_t kCut = 20 * kTsPacketSize;
  Bytes input(file.begin(), file.begin() + kCut);
  input.insert(input.end(), 50, 0x11);
  input.insert(input.end(), file.begin() + kCut, file.end());
  const Transcript t = DemuxAllSplits(input);
  EXPECT_EQ(t.status, "OK");
  EXPECT_EQ(t.stats.sync_losses, 1u);
  EXPECT_EQ(t.stats.resyncs, 1u);
  EXPECT_EQ(t.stats.skipped_bytes, 50u);
  EXPECT_EQ(t.stats.packets, file.size() / 188);  // none lost
  EXPECT_EQ(t.stats.video_units + t.stats.audio_units, 70u);

  // Stray 0x47 bytes are taken for a packet start: one junk packet swallows the start of a
  // real one, then sync is lost and found again; the damage is counted and marked.
  input.assign(file.begin(), file.begin() + kCut);
  input.insert(input.end(), 50, kTsSyncByte);
  input.insert(input.end(), file.begin() + kCut, file.end());
  const Transcript junk = DemuxAllSplits(input);
  EXPECT_EQ(junk.status, "OK");
  EXPECT_EQ(junk.stats.sync_losses, 1u);
  EXPECT_EQ(junk.stats.resyncs, 1u);
  EXPECT_EQ(junk.stats.packets, file.size() / 188);  // the junk one in, one real one out
}

TEST(TsDemuxerTest, InputThatNeverSyncsFails) {
  const Bytes junk(5000, 0x12);
  const Transcript t = DemuxAllSplits(junk, {.max_unsynced_bytes = 4096});
  EXPECT_NE(t.status.find("not an MPEG transport stream"), std::string::npos) << t.status;
  EXPECT_TRUE(t.events.empty());
}

TEST(TsDemuxerTest, NullAndErroredPacketsAreSkipped) {
  TestMuxer mux;
  WriteTables(mux);
  mux.Raw(testing::Packet(kNullPid, false, 0, Bytes(184, 0xFF)));
  // transport_error_indicator on a packet that would otherwise start a PES.
  mux.Raw(testing::Packet(kVideoPid, true, 9, Bytes(184, 0), {.transport_error = true}));
  WriteIdr(mux, 9000, true);
  const Transcript t = DemuxAllSplits(mux.bytes());
  EXPECT_EQ(t.stats.null_packets, 1u);
  EXPECT_EQ(t.stats.transport_errors, 1u);
  EXPECT_EQ(t.stats.video_units, 1u);
  EXPECT_EQ(t.stats.cc_errors, 0u);
}

TEST(TsDemuxerTest, FinishFlushesAndAReconnectContinues) {
  TestMuxer first;
  WriteTables(first);
  WriteIdr(first, 9000);  // unbounded: complete only at the next unit start or Finish
  TestMuxer second;       // a reconnected encoder: counters from 0 again, new timeline
  WriteTables(second);
  WriteIdr(second, 500000);
  testing::Recorder recorder;
  TsDemuxer demuxer(recorder);
  ASSERT_TRUE(demuxer.Feed(first.bytes()).ok());
  EXPECT_TRUE(recorder.units.empty());
  ASSERT_TRUE(demuxer.Finish().ok());
  ASSERT_EQ(recorder.units.size(), 1u);
  EXPECT_EQ(recorder.units[0].pts, 9000);
  // A start in mid-packet with too few packets to confirm sync: nothing is decoded.
  ASSERT_TRUE(demuxer.Feed(std::span(second.bytes()).subspan(7)).ok());
  ASSERT_TRUE(demuxer.Finish().ok());
  ASSERT_EQ(recorder.units.size(), 1u);
  EXPECT_EQ(demuxer.stats().trailing_bytes + demuxer.stats().skipped_bytes,
            second.bytes().size() - 7);
  ASSERT_TRUE(demuxer.Feed(second.bytes()).ok());
  ASSERT_TRUE(demuxer.Finish().ok());
  ASSERT_EQ(recorder.units.size(), 2u);
  EXPECT_EQ(recorder.units[1].pts, 500000);
  EXPECT_EQ(demuxer.stats().cc_errors, 0u);
  EXPECT_EQ(demuxer.stats().program_changes, 1u);  // the same program throughout
}

TEST(TsDemuxerTest, PcrIsReportedOnThePcrPid) {
  TestMuxer mux;
  WriteTables(mux);
  mux.WritePes(kVideoPid, Pes(0xE0, 9000, std::nullopt, AnnexB({Sps64(), Pps(), IdrSlice()})),
               uint64_t{27'000'000} * 5 + 17);
  mux.WritePes(kAudioPid, Pes(0xC0, 9000, std::nullopt, AdtsFrame(10)), 27'000'000);  // not PCR_PID
  const Transcript t = DemuxAllSplits(mux.bytes());
  ASSERT_EQ(t.pcrs.size(), 1u);
  EXPECT_EQ(t.pcrs[0].first, kVideoPid);
  EXPECT_EQ(t.pcrs[0].second, uint64_t{27'000'000} * 5 + 17);
}

TEST(TsDemuxerTest, PmtSectionLength4095) {
  TestMuxer mux;
  mux.WriteSection(kPatPid, PatSection(1, kPmtPid));
  // A PMT claiming section_length 4095 (the 12-bit maximum; PAT/PMT allow 1021): 23 packets
  // of it must be refused from the header, never buffered, and never crash.
  Bytes huge = {kTableIdPmt, 0xBF, 0xFF, 0x00, 0x01, 0xC1, 0x00, 0x00};
  huge.resize(3 + 4095, 0x1B);
  mux.WriteSection(kPmtPid, huge);
  WriteIdr(mux, 9000, true);
  // The stream recovers with the next good PMT.
  WriteTables(mux);
  WriteIdr(mux, 12600, true);
  const Transcript t = DemuxAllSplits(mux.bytes());
  EXPECT_EQ(t.status, "OK");
  EXPECT_EQ(t.stats.invalid_sections, 1u);
  EXPECT_EQ(t.stats.program_changes, 1u);
  EXPECT_EQ(t.stats.video_units, 1u);
  EXPECT_EQ(t.units.at(0).pts, 12600);
}

TEST(TsDemuxerTest, BadCrcIsIgnored) {
  TestMuxer mux;
  mux.WriteSection(kPatPid, PatSection(1, kPmtPid));
  Bytes pmt = PmtSection(1, kVideoPid, {{0x1B, kVideoPid}, {0x0F, kAudioPid}});
  Bytes corrupted = pmt;
  corrupted[12] ^= 0x04;  // a bit flip inside the stream loop
  mux.WriteSection(kPmtPid, corrupted);
  WriteIdr(mux, 9000, true);  // no program yet: not demuxed
  mux.WriteSection(kPmtPid, pmt);
  WriteIdr(mux, 12600, true);
  Bytes bad_pat = PatSection(2, 0x1FF0);
  bad_pat.back() ^= 0xFF;  // would switch programs if believed
  mux.WriteSection(kPatPid, bad_pat);
  WriteIdr(mux, 16200, true);
  const Transcript t = DemuxAllSplits(mux.bytes());
  EXPECT_EQ(t.stats.crc_errors, 2u);
  EXPECT_EQ(t.stats.program_changes, 1u);
  EXPECT_EQ(t.stats.video_units, 2u);
  EXPECT_EQ(t.units.at(0).pts, 12600);
  EXPECT_EQ(t.units.at(1).pts, 16200);
}

TEST(TsDemuxerTest, NewPmtVersionReportsNewStreamSet) {
  TestMuxer mux;
  WriteTables(mux, 0, {{0x1B, kVideoPid}});
  WriteIdr(mux, 9000, true);
  WriteTables(mux, 0, {{0x1B, kVideoPid}});  // the periodic repeat: nothing new
  WriteTables(mux, 1, {{0x1B, kVideoPid}, {0x0F, kAudioPid}});
  mux.WritePes(kVideoPid, Pes(0xE0, 12600, std::nullopt, AnnexB({NonIdrSlice()}), true));
  mux.WritePes(kAudioPid, Pes(0xC0, 12600, std::nullopt, AdtsFrame(20)));
  const Transcript t = DemuxAllSplits(mux.bytes());
  ASSERT_EQ(Count(t, "program"), 2u);
  EXPECT_EQ(t.events[0], "program 1 pmt=4096 v=0 pcr=256 [256:27:0]");
  EXPECT_NE(std::find(t.events.begin(), t.events.end(),
                      "program 1 pmt=4096 v=1 pcr=256 [256:27:0] [257:15:0]"),
            t.events.end());
  // The video stream kept its state (config) across the version change.
  EXPECT_EQ(t.video_configs.size(), 1u);
  EXPECT_EQ(t.stats.video_units, 2u);
  EXPECT_EQ(t.stats.audio_units, 1u);
}

TEST(TsDemuxerTest, OnlyTheFirstProgramIsFollowed) {
  TestMuxer mux;
  // PAT: network PID entry, program 5 on 0x1000, program 6 on 0x1100.
  const Bytes body = {0x00, 0x00, 0xE0, 0x10, 0x00, 0x05, 0xF0, 0x00, 0x00, 0x06, 0xF1, 0x00};
  mux.WriteSection(kPatPid, testing::Section(kTableIdPat, 1, 0, body));
  mux.WriteSection(0x1100, PmtSection(6, 0x200, {{0x1B, 0x200}}));
  mux.WriteSection(kPmtPid, PmtSection(5, kVideoPid, {{0x1B, kVideoPid}}));
  WriteIdr(mux, 9000, true);
  mux.WritePes(0x200, Pes(0xE0, 9000, std::nullopt, AnnexB({Sps64(), Pps(), IdrSlice()}), true));
  const Transcript t = DemuxAllSplits(mux.bytes());
  EXPECT_EQ(t.events[0], "program 5 pmt=4096 v=0 pcr=256 [256:27:0]");
  EXPECT_EQ(t.stats.video_units, 1u);
}

TEST(TsDemuxerTest, PesLengthOverflow) {
  TestMuxer mux;
  WriteTables(mux);
  WriteIdr(mux, 9000, true);
  // An audio PES whose PES_packet_length (65535) is over the 4 KiB cap: dropped from its
  // header without buffering; the next one is fine.
  Bytes big = Pes(0xC0, 9000, std::nullopt, AdtsFrame(170));
  big[4] = 0xFF;
  big[5] = 0xFF;
  mux.WritePes(kAudioPid, big);
  for (int i = 0; i < 40; ++i)
    mux.Raw(testing::Packet(kAudioPid, false, mux.NextCc(kAudioPid), Bytes(184, 0)));
  mux.WritePes(kAudioPid, Pes(0xC0, 12600, std::nullopt, AdtsFrame(100)));
  // An unbounded video PES that grows past the 8 KiB video cap.
  mux.WritePes(kVideoPid,
               Pes(0xE0, 12600, std::nullopt, AnnexB({NonIdrSlice(), Bytes(9000, 0x55)}), false));
  mux.WritePes(kVideoPid, Pes(0xE0, 16200, std::nullopt, AnnexB({NonIdrSlice()}), false));
  const Transcript t = DemuxAllSplits(mux.bytes(), {.max_video_pes_size = size_t{8} * 1024,
                                                    .max_audio_pes_size = size_t{4} * 1024});
  EXPECT_EQ(t.status, "OK");
  EXPECT_EQ(t.stats.pes_overflows, 2u);
  EXPECT_EQ(t.stats.audio_units, 1u);
  EXPECT_EQ(t.stats.video_units, 2u);  // the IDR and the last one
  EXPECT_EQ(t.units.back().pts, 16200);
}

TEST(TsDemuxerTest, PtsWrap) {
  TestMuxer mux;
  WriteTables(mux);
  const uint64_t start = kTimestampWrap - int64_t{2} * 3600;  // two frames before the wrap
  std::vector<int64_t> expected_video;
  for (int i = 0; i < 5; ++i) {
    const uint64_t pts = (start + 3600 * static_cast<uint64_t>(i)) % kTimestampWrap;
    const std::vector<Bytes> nals =
        i == 0 ? std::vector<Bytes>{Sps64(), Pps(), IdrSlice()} : std::vector<Bytes>{NonIdrSlice()};
    mux.WritePes(kVideoPid, Pes(0xE0, pts, std::nullopt, AnnexB(nals)));
    expected_video.push_back(static_cast<int64_t>(start) + int64_t{3600} * i);
    // Audio crosses the wrap at the same time.
    mux.WritePes(kAudioPid, Pes(0xC0, pts, std::nullopt, AdtsFrame(10)));
  }
  const Transcript t = DemuxAllSplits(mux.bytes());
  std::vector<int64_t> video;
  std::vector<int64_t> audio;
  for (const auto& u : t.units)
    (u.kind == media::TrackKind::kVideo ? video : audio).push_back(u.pts);
  EXPECT_EQ(video, expected_video);
  EXPECT_EQ(audio, expected_video);
  EXPECT_GT(video.back(), kTimestampWrap);
  EXPECT_EQ(t.stats.timestamp_jumps, 0u);
}

TEST(TsDemuxerTest, BigTimestampJumpIsReported) {
  TestMuxer mux;
  WriteTables(mux);
  WriteIdr(mux, 900000, true);
  mux.WritePes(kVideoPid, Pes(0xE0, 900000 + 3600, std::nullopt, AnnexB({NonIdrSlice()}), true));
  // The encoder restarted: time went back 9 seconds (under the 10 s threshold), then ahead
  // by an hour.
  mux.WritePes(kVideoPid, Pes(0xE0, 90000, std::nullopt, AnnexB({NonIdrSlice()}), true));
  mux.WritePes(kVideoPid,
               Pes(0xE0, 90000 + 3600 * 90000, std::nullopt, AnnexB({NonIdrSlice()}), true));
  const Transcript t = DemuxAllSplits(mux.bytes());
  EXPECT_EQ(t.stats.timestamp_jumps, 1u);
  EXPECT_EQ(Count(t, "jump 0 90000 -> 324090000"), 1u);
  ASSERT_EQ(t.units.size(), 4u);
  EXPECT_EQ(t.units[2].pts, 90000);  // a step back stays a step back (not hidden)
}

}  // namespace
}  // namespace steadycast::formats::mpegts
