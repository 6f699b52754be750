#include "health/guidance.h"

#include <gtest/gtest.h>

namespace steadycast::health {
namespace {

// A publisher sending 2.5 Mb/s of media (96 kb/s of it audio) that arrives in real time.
IngestFigures Steady() {
  IngestFigures f;
  f.units = 1000;
  f.bitrate_kbps = 2500;
  f.media_kbps = 2500;
  f.audio_kbps = 96;
  f.audio_media_kbps = 96;
  f.fps = 30;
  f.drift_ms = 80;
  return f;
}

SrtFigures CleanSrt() {
  SrtFigures s;
  s.rtt_ms = 20;
  s.receive_rate_mbps = 2.6;
  s.latency_ms = 120;
  s.receive_buffer_ms = 118;
  s.received_in_window = 1100;
  return s;
}

bool Mentions(const Guidance& g, std::string_view text) {
  return g.reason.find(text) != std::string::npos;
}

TEST(Guidance, NoMediaYet) {
  const Guidance g = Guide(IngestFigures{}, std::nullopt);
  EXPECT_FALSE(g.recommended_max_kbps);
  EXPECT_EQ(g.reason, "waiting for media from the publisher");
  EXPECT_EQ(Guide(IngestFigures{}, CleanSrt()), g);
}

// 2.1 Mb/s arriving with 8 % retransmissions: 2100 × 0.92 / 1.25 = 1545 total, minus 96 kb/s
// of audio = 1449 → 1.4 Mb/s of video.
TEST(Guidance, SrtLossyLink) {
  SrtFigures srt = CleanSrt();
  srt.receive_rate_mbps = 2.1;
  srt.loss_pct = 6.5;
  srt.retransmit_pct = 8;
  const Guidance g = Guide(Steady(), srt);
  ASSERT_TRUE(g.recommended_max_kbps);
  EXPECT_EQ(*g.recommended_max_kbps, 1400);
  EXPECT_EQ(g.reason,
            "link carries ~2.1 Mb/s with 6.5 % loss and 8 % retransmissions: set your video "
            "bitrate to ≤ 1.4 Mb/s");
  // Unrecovered drops add the latency advice; a capacity estimate below the receive rate is
  // what the link carries.
  srt.dropped_in_window = 12;
  srt.link_bandwidth_mbps = 1.5;
  const Guidance dropped = Guide(Steady(), srt);
  EXPECT_TRUE(Mentions(dropped, "raise the SRT latency (12 packets were lost for good)"));
  EXPECT_TRUE(Mentions(dropped, "link carries ~1.5 Mb/s"));
  EXPECT_EQ(*dropped.recommended_max_kbps, 1000);  // 1500 × 0.92 / 1.25 − 96 = 1008
}

TEST(Guidance, SrtTooFewPacketsToJudge) {
  SrtFigures srt = CleanSrt();
  srt.received_in_window = 39;
  srt.loss_pct = srt.retransmit_pct = 7.7;  // 3 of 39
  const Guidance g = Guide(Steady(), srt);
  EXPECT_FALSE(g.recommended_max_kbps);
  EXPECT_EQ(g.reason, "measuring the SRT link (39 packets so far)");
}

TEST(Guidance, SrtCleanWithHeadroom) {
  SrtFigures srt = CleanSrt();
  srt.link_bandwidth_mbps = 10;
  const Guidance g = Guide(Steady(), srt);
  ASSERT_TRUE(g.recommended_max_kbps);
  EXPECT_EQ(*g.recommended_max_kbps, 7900);  // 10000 / 1.25 − 96
  EXPECT_EQ(g.reason,
            "link has headroom: ~10.0 Mb/s estimated for your 2.5 Mb/s, no loss; keep your "
            "video bitrate ≤ 7.9 Mb/s");
}

TEST(Guidance, SrtEstimateTooCloseToTheStream) {
  SrtFigures srt = CleanSrt();
  srt.link_bandwidth_mbps = 2.8;
  const Guidance g = Guide(Steady(), srt);
  EXPECT_EQ(*g.recommended_max_kbps, 2100);  // 2800 / 1.25 − 96 = 2144
  EXPECT_TRUE(Mentions(g, "too little room")) << g.reason;
}

TEST(Guidance, SrtCleanWithoutAnEstimate) {
  const Guidance g = Guide(Steady(), CleanSrt());
  EXPECT_FALSE(g.recommended_max_kbps);
  EXPECT_EQ(g.reason,
            "link keeps up with your 2.5 Mb/s without loss (no capacity estimate "
            "from SRT yet)");
}

TEST(Guidance, SrtReceiveBufferRunningDry) {
  SrtFigures srt = CleanSrt();
  srt.latency_ms = 800;
  srt.receive_buffer_ms = 90;
  srt.receive_rate_mbps = 2.0;
  const Guidance g = Guide(Steady(), srt);
  EXPECT_EQ(*g.recommended_max_kbps, 1500);  // 2000 / 1.25 − 96 = 1504
  EXPECT_TRUE(Mentions(g, "holds only 90 ms of the 800 ms latency")) << g.reason;
}

// The encoder makes 2.5 Mb/s, the link delivers 1.0 Mb/s: drift 6 s, growing 0.6 s a second.
// 1000 × 0.8 − 96 = 704 → 700 kb/s.
TEST(Guidance, RtmpStarved) {
  IngestFigures f = Steady();
  f.bitrate_kbps = 1000;
  f.drift_ms = 6000;
  f.drift_rate_ms_per_s = 600;
  const Guidance g = Guide(f, std::nullopt);
  ASSERT_TRUE(g.recommended_max_kbps);
  EXPECT_EQ(*g.recommended_max_kbps, 700);
  EXPECT_EQ(g.reason,
            "media arrives slower than real time (it lags 6.0 s, 0.60 s more every second): the "
            "link carries ~1.0 Mb/s of the 2.5 Mb/s your encoder sends: set your video bitrate "
            "to ≤ 700 kb/s");
}

TEST(Guidance, RtmpFine) {
  const Guidance g = Guide(Steady(), std::nullopt);
  EXPECT_FALSE(g.recommended_max_kbps);
  EXPECT_TRUE(Mentions(g, "link keeps up with your 2.5 Mb/s (drift 0.1 s)")) << g.reason;
  // A lag left by an earlier stall that no longer grows: no ceiling, but it is said.
  IngestFigures lagging = Steady();
  lagging.drift_ms = 8000;
  lagging.drift_rate_ms_per_s = 3;
  const Guidance l = Guide(lagging, std::nullopt);
  EXPECT_FALSE(l.recommended_max_kbps);
  EXPECT_TRUE(Mentions(l, "lags real time by 8.0 s")) << l.reason;
}

TEST(Guidance, FormatRate) {
  EXPECT_EQ(FormatRate(640), "640 kb/s");
  EXPECT_EQ(FormatRate(999.9), "999 kb/s");
  EXPECT_EQ(FormatRate(1000), "1.0 Mb/s");
  EXPECT_EQ(FormatRate(2190), "2.1 Mb/s");
}

}  // namespace
}  // namespace steadycast::health
