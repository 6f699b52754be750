#include "analytics/view_record.h"

#include <gtest/gtest.h>

namespace steadycast::analytics {
namespace {

BeaconEvent At(BeaconEventType type, int64_t at_ms) {
  BeaconEvent e;
  e.type = type;
  e.at_ms = at_ms;
  return e;
}

BeaconEvent FirstFrame(int64_t at_ms, int64_t startup_ms) {
  BeaconEvent e = At(BeaconEventType::kFirstFrame, at_ms);
  e.startup_ms = startup_ms;
  return e;
}

BeaconEvent Fatal(int64_t at_ms) {
  BeaconEvent e = At(BeaconEventType::kError, at_ms);
  e.fatal = true;
  return e;
}

BeaconEvent Totals(int64_t playing, int64_t rebuffer, int64_t count, std::optional<int64_t> kbps,
                   bool end = false) {
  BeaconEvent e = At(end ? BeaconEventType::kViewEnd : BeaconEventType::kHeartbeat, 0);
  e.playing_ms = playing;
  e.rebuffer_ms = rebuffer;
  e.rebuffer_count = count;
  e.bitrate_kbps = kbps;
  return e;
}

TEST(ViewRecordTest, SeqWindowRefusesRepeatsAndAcceptsLateOnes) {
  ViewRecord r;
  EXPECT_TRUE(r.AcceptSeq(5));
  EXPECT_FALSE(r.AcceptSeq(5));
  EXPECT_TRUE(r.AcceptSeq(3));  // late but unseen
  EXPECT_FALSE(r.AcceptSeq(3));
  EXPECT_TRUE(r.AcceptSeq(6));
  EXPECT_TRUE(r.AcceptSeq(4));
  EXPECT_FALSE(r.AcceptSeq(4));
  EXPECT_TRUE(r.AcceptSeq(100));
  EXPECT_FALSE(r.AcceptSeq(36));  // 64 behind: outside the window, counts as seen
  EXPECT_TRUE(r.AcceptSeq(37));   // 63 behind: inside
  EXPECT_FALSE(r.AcceptSeq(37));
  EXPECT_FALSE(r.AcceptSeq(6));
  EXPECT_TRUE(r.AcceptSeq(1'000'000'000));  // a jump larger than the window clears it
  EXPECT_FALSE(r.AcceptSeq(100));
  EXPECT_FALSE(r.AcceptSeq(1'000'000'000));
}

TEST(ViewRecordTest, TotalsKeepTheLargestCumulativeValue) {
  ViewRecord r;
  r.Apply(Totals(8800, 1200, 1, 1200));
  r.Apply(Totals(5000, 200, 0, 1200));  // an older heartbeat arriving late
  EXPECT_EQ(r.playing_ms, 8800);
  EXPECT_EQ(r.rebuffer_ms, 1200);
  EXPECT_EQ(r.rebuffer_count, 1);
  EXPECT_FALSE(r.ended);
  r.Apply(Totals(18800, 1500, 2, 2400, /*end=*/true));
  EXPECT_EQ(r.playing_ms, 18800);
  EXPECT_EQ(r.rebuffer_ms, 1500);
  EXPECT_EQ(r.rebuffer_count, 2);
  EXPECT_TRUE(r.ended);
}

TEST(ViewRecordTest, BitrateWeightsTheAddedPlayingTime) {
  ViewRecord r;
  r.Apply(Totals(10000, 0, 0, 1000));          // 10 s at 1000
  r.Apply(Totals(10000, 0, 0, 3000));          // nothing added
  r.Apply(Totals(15000, 0, 0, 3000));          // 5 s at 3000
  r.Apply(Totals(12000, 0, 0, 9000));          // late: nothing added
  r.Apply(Totals(20000, 0, 0, std::nullopt));  // 5 s without a bitrate: not weighted
  EXPECT_EQ(r.weighted_playing_ms, 15000);
  EXPECT_EQ(r.kbps_ms, 10000 * 1000 + 5000 * 3000);
}

TEST(ViewRecordTest, StartupIsTheEarliestFirstFrame) {
  ViewRecord r;
  r.Apply(FirstFrame(3000, 2500));  // e.g. after a reload
  r.Apply(FirstFrame(900, 900));    // the first one, arriving late
  EXPECT_EQ(r.startup_ms, 900);
  EXPECT_EQ(r.first_frame_at_ms, 900);
  EXPECT_EQ(r.last_first_frame_at_ms, 3000);
}

TEST(ViewRecordTest, FailedMeansAFatalErrorWithoutALaterFirstFrame) {
  ViewRecord never_started;
  never_started.Apply(Fatal(4000));
  EXPECT_TRUE(never_started.Failed());

  ViewRecord recovered;
  recovered.Apply(FirstFrame(800, 800));
  recovered.Apply(Fatal(5000));
  EXPECT_TRUE(recovered.Failed());  // died while playing
  recovered.Apply(FirstFrame(7000, 2000));
  EXPECT_FALSE(recovered.Failed());  // the player reloaded and played again

  ViewRecord non_fatal;
  BeaconEvent error = At(BeaconEventType::kError, 100);
  non_fatal.Apply(error);
  EXPECT_FALSE(non_fatal.Failed());
}

}  // namespace
}  // namespace steadycast::analytics
