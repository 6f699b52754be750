#include "formats/fmp4/init_segment.h"

#include <gtest/gtest.h>

#include <string>

#include "formats/fmp4/box_dump.h"
#include "formats/fmp4/box_reader.h"
#include "formats/fmp4/fmp4_test_util.h"

namespace steadycast::formats::fmp4 {
namespace {

std::string Golden(const std::string& name) { return std::string(FMP4_TESTDATA_DIR) + "/" + name; }

std::string Dump(const base::Buffer& bytes) {
  auto text = DumpBoxes(bytes.span());
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return text.ok() ? *text : "";
}

TEST(InitSegmentTest, AudioVideoMatchesGolden) {
  InitSegmentSpec spec;
  spec.video = testing::TestVideoConfig();
  spec.audio = testing::TestAudioConfig();
  auto init = BuildInitSegment(spec);
  ASSERT_TRUE(init.ok()) << init.status().ToString();
  const std::string dump = Dump(*init);
  EXPECT_TRUE(testing::MatchesGolden(Golden("init_av.txt"), dump)) << dump;
}

TEST(InitSegmentTest, SingleTrackHeadersClaimCmaf) {
  InitSegmentSpec audio_only;
  audio_only.audio = testing::TestAudioConfig(44100);
  audio_only.audio_avg_bitrate = 128000;
  auto init = BuildInitSegment(audio_only);
  ASSERT_TRUE(init.ok()) << init.status().ToString();
  const std::string dump = Dump(*init);
  EXPECT_NE(dump.find("compat=iso6,cmfc,mp41"), std::string::npos) << dump;
  EXPECT_NE(dump.find("timescale=44100"), std::string::npos) << dump;
  EXPECT_NE(dump.find("avg_bitrate=128000"), std::string::npos) << dump;
  EXPECT_EQ(dump.find("trak size=", dump.find("trak size=") + 1), std::string::npos) << dump;

  InitSegmentSpec both;
  both.video = testing::TestVideoConfig();
  both.audio = testing::TestAudioConfig();
  EXPECT_EQ(Dump(*BuildInitSegment(both)).find("cmfc"), std::string::npos);
}

TEST(InitSegmentTest, PaspOnlyForNonSquarePixels) {
  InitSegmentSpec spec;
  spec.video = testing::TestVideoConfig();
  EXPECT_EQ(Dump(*BuildInitSegment(spec)).find("pasp"), std::string::npos);
  spec.video->sar_num = 4;
  spec.video->sar_den = 3;
  const std::string dump = Dump(*BuildInitSegment(spec));
  EXPECT_NE(dump.find("pasp size=16 h_spacing=4 v_spacing=3"), std::string::npos) << dump;
  // The track header carries the display size: 640 * 4/3 wide.
  EXPECT_NE(dump.find("width=853 height=360"), std::string::npos) << dump;
}

TEST(InitSegmentTest, RejectsWhatItCannotDescribe) {
  EXPECT_EQ(BuildInitSegment({}).status().code(), base::ErrorCode::kInvalidArgument);

  InitSegmentSpec hevc;
  hevc.video = testing::TestVideoConfig();
  hevc.video->codec = media::Codec::kH265;
  EXPECT_EQ(BuildInitSegment(hevc).status().code(), base::ErrorCode::kUnimplemented);

  InitSegmentSpec no_avcc;
  no_avcc.video = testing::TestVideoConfig();
  no_avcc.video->avcc = {};
  EXPECT_EQ(BuildInitSegment(no_avcc).status().code(), base::ErrorCode::kInvalidArgument);

  InitSegmentSpec huge;
  huge.video = testing::TestVideoConfig();
  huge.video->width = 20000;
  EXPECT_EQ(BuildInitSegment(huge).status().code(), base::ErrorCode::kInvalidArgument);

  InitSegmentSpec no_rate;
  no_rate.audio = testing::TestAudioConfig(0);
  EXPECT_EQ(BuildInitSegment(no_rate).status().code(), base::ErrorCode::kInvalidArgument);

  InitSegmentSpec long_asc;
  long_asc.audio = testing::TestAudioConfig();
  long_asc.audio->asc = base::Buffer::Take(std::vector<uint8_t>(65, 0x11));
  EXPECT_EQ(BuildInitSegment(long_asc).status().code(), base::ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace steadycast::formats::fmp4
