#include "transcode/slate_picture.h"

#include <fstream>
#include <vector>

#include <gtest/gtest.h>

#include "transcode/silent_audio.h"
#include "transcode/transcode_test_util.h"

namespace steadycast::transcode {
namespace {

std::string TestFile(const char* name) { return std::string(TRANSCODE_TESTDATA_DIR) + "/" + name; }

int Luma(const AVFrame& f, int x, int y) { return f.data[0][y * f.linesize[0] + x]; }
int Cb(const AVFrame& f, int x, int y) { return f.data[1][(y / 2) * f.linesize[1] + x / 2]; }
int Cr(const AVFrame& f, int x, int y) { return f.data[2][(y / 2) * f.linesize[2] + x / 2]; }

// Bright pixels in the middle band (the text), none near the edges.
TEST(SlatePicture, CardHasCentredText) {
  auto card = MakeSlatePicture(1280, 720, "");
  ASSERT_TRUE(card.ok()) << card.status().ToString();
  const AVFrame& f = **card;
  EXPECT_EQ(f.width, 1280);
  EXPECT_EQ(f.height, 720);
  EXPECT_EQ(f.format, AV_PIX_FMT_YUV420P);
  int bright_middle = 0, bright_edges = 0;
  for (int y = 0; y < f.height; ++y) {
    for (int x = 0; x < f.width; ++x) {
      if (Luma(f, x, y) < 200) continue;
      (y > 240 && y < 480 && x > 100 && x < 1180 ? bright_middle : bright_edges)++;
    }
  }
  EXPECT_GT(bright_middle, 5000);
  EXPECT_EQ(bright_edges, 0);
  EXPECT_EQ(Cb(f, 640, 360), 128);  // grey card
}

TEST(SlatePicture, TinyAndOddSizes) {
  EXPECT_TRUE(MakeSlateCard(2, 2, kDefaultSlateText).ok());      // no room for text: plain
  EXPECT_TRUE(MakeSlateCard(426, 240, kDefaultSlateText).ok());  // scale 1
  EXPECT_FALSE(MakeSlateCard(641, 360, kDefaultSlateText).ok());
  EXPECT_FALSE(MakeSlateCard(0, 0, kDefaultSlateText).ok());
  EXPECT_FALSE(MakeSlateCard(16384, 16, kDefaultSlateText).ok());
  EXPECT_TRUE(MakeSlateCard(320, 180, "abc 123 .-?~").ok());
}

// A 64x36 red PNG fits 640x360 exactly (same aspect); a 40x40 JPEG is pillarboxed.
TEST(SlatePicture, ImageFilesAreFittedAndCentred) {
  auto png = MakeSlatePicture(640, 360, TestFile("slate_red_64x36.png"));
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  EXPECT_GT(Cr(**png, 320, 180), 200);  // red: high Cr
  EXPECT_GT(Cr(**png, 2, 2), 200);
  auto jpg = MakeSlatePicture(640, 360, TestFile("slate_blue_40x40.jpg"));
  ASSERT_TRUE(jpg.ok()) << jpg.status().ToString();
  EXPECT_GT(Cb(**jpg, 320, 180), 200);  // blue in the middle
  EXPECT_EQ(Luma(**jpg, 10, 180), 16);  // black bars left and right
  EXPECT_EQ(Cb(**jpg, 10, 180), 128);
}

TEST(SlatePicture, BadImagesAreErrors) {
  EXPECT_EQ(MakeSlatePicture(640, 360, TestFile("missing.png")).status().code(),
            base::ErrorCode::kNotFound);
  const std::vector<uint8_t> text = {'h', 'e', 'l', 'l', 'o'};
  EXPECT_FALSE(FitSlateImage(text, 640, 360).ok());
  std::vector<uint8_t> truncated_png = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0};
  EXPECT_FALSE(FitSlateImage(truncated_png, 640, 360).ok());
  std::vector<uint8_t> truncated_jpeg = {0xFF, 0xD8, 0xFF, 0xE0, 0, 16};
  EXPECT_FALSE(FitSlateImage(truncated_jpeg, 640, 360).ok());
}

// The silent frame decodes to zeros under the source's own AudioSpecificConfig.
TEST(SilentAudio, DecodesToSilenceUnderTheSourceConfig) {
  for (int channels : {1, 2, 6}) {
    media::AudioTrackConfig config = testing::AacConfig();
    config.channels = channels;
    config.sample_rate = 44100;
    // AAC-LC (2), 44.1 kHz (index 4), channel configuration = channels (6 → 6).
    const uint8_t asc0 = static_cast<uint8_t>((2 << 3) | (4 >> 1));
    const uint8_t asc1 = static_cast<uint8_t>(((4 & 1) << 7) | (channels << 3));
    config.asc = base::Buffer::Copy(std::vector<uint8_t>{asc0, asc1});
    auto frame = SilentAacFrame(config);
    ASSERT_TRUE(frame.ok()) << frame.status().ToString();
    EXPECT_LT(frame->size(), 64u);
    const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_AAC);
    av::CodecContextPtr ctx(avcodec_alloc_context3(codec));
    ctx->extradata = static_cast<uint8_t*>(av_mallocz(2 + AV_INPUT_BUFFER_PADDING_SIZE));
    ctx->extradata[0] = asc0;
    ctx->extradata[1] = asc1;
    ctx->extradata_size = 2;
    ASSERT_EQ(avcodec_open2(ctx.get(), codec, nullptr), 0);
    av::PacketPtr packet(av_packet_alloc());
    av::FramePtr out(av_frame_alloc());
    int decoded = 0;
    for (int i = 0; i < 3; ++i) {
      ASSERT_EQ(av_new_packet(packet.get(), static_cast<int>(frame->size())), 0);
      std::copy(frame->data(), frame->data() + frame->size(), packet->data);
      ASSERT_EQ(avcodec_send_packet(ctx.get(), packet.get()), 0) << channels;
      av_packet_unref(packet.get());
      while (avcodec_receive_frame(ctx.get(), out.get()) == 0) {
        ++decoded;
        EXPECT_EQ(out->ch_layout.nb_channels, channels);
        EXPECT_EQ(out->nb_samples, 1024);
        const float* samples = reinterpret_cast<const float*>(out->data[0]);
        for (int s = 0; s < out->nb_samples; ++s) ASSERT_EQ(samples[s], 0.0f);
      }
    }
    EXPECT_EQ(decoded, 3) << channels;
  }
}

TEST(SilentAudio, OnlyAacLc) {
  media::AudioTrackConfig he = testing::AacConfig();
  he.object_type = 5;
  EXPECT_EQ(SilentAacFrame(he).status().code(), base::ErrorCode::kUnimplemented);
  media::AudioTrackConfig mp3 = testing::AacConfig();
  mp3.codec = media::Codec::kH264;  // not audio at all
  EXPECT_FALSE(SilentAacFrame(mp3).ok());
  media::AudioTrackConfig odd = testing::AacConfig();
  odd.channels = 0;
  EXPECT_FALSE(SilentAacFrame(odd).ok());
}

}  // namespace
}  // namespace steadycast::transcode
