#include "transcode/ladder_degrader.h"

#include <algorithm>
#include <chrono>

#include <gtest/gtest.h>

namespace steadycast::transcode {
namespace {

using Time = LadderDegrader::Time;

Time At(double seconds) {
  return Time(
      std::chrono::duration_cast<base::Clock::Duration>(std::chrono::duration<double>(seconds)));
}

RungReport Lagging(bool exhausted, double speed = 0.8) {
  return RungReport{.lagging = true,
                    .exhausted = exhausted,
                    .realtime_speed = speed,
                    .encode_speed = speed,
                    .preset = exhausted ? "ultrafast" : "veryfast"};
}

RungReport KeepingUp(double encode_speed) {
  return RungReport{.realtime_speed = 1.0, .encode_speed = encode_speed, .preset = "ultrafast"};
}

RungReport Paused() { return RungReport{.paused = true}; }

// Plan indices as the Transcoder uses them: 0 is the passthrough (not a rung here).
std::vector<LadderDegrader::Rung> Ladder() {
  return {{1, "720p", 1280 * 720}, {2, "480p", 854 * 480}, {3, "360p", 640 * 360}};
}

// Every running rung reports `running`, every paused rung reports Paused, once per 2 s
// (a segment), from `from` to `to` seconds.
void Segments(LadderDegrader& d, double from, double to, const RungReport& running) {
  for (double t = from; t < to; t += 2) {
    for (size_t id = 1; id <= 3; ++id) {
      const bool paused = std::count(d.state().paused.begin(), d.state().paused.end(),
                                     id == 1   ? "720p"
                                     : id == 2 ? "480p"
                                               : "360p") > 0;
      d.Report(At(t), id, paused ? Paused() : running);
    }
  }
}

TEST(LadderDegrader, PresetStepsAreLevelOne) {
  LadderDegrader d(DegraderOptions{}, Ladder(), "veryfast");
  EXPECT_EQ(d.state().level, 0);
  EXPECT_TRUE(d.state().reason.empty());
  d.OnPresetStep(2, "superfast", 0.72);
  EXPECT_EQ(d.state().level, 1);
  EXPECT_EQ(d.state().reason,
            "transcoder behind real time (speed 0.72): x264 preset superfast on 480p");
  EXPECT_EQ(d.state().presets, (std::vector<std::string>{"480p=superfast"}));
  EXPECT_TRUE(d.state().paused.empty());
}

TEST(LadderDegrader, BehindAtUltrafastPausesTheTopRungThenStepsBackUp) {
  LadderDegrader d(DegraderOptions{}, Ladder(), "veryfast");
  d.OnPresetStep(1, "superfast", 0.8);
  d.OnPresetStep(1, "ultrafast", 0.8);
  // Still lagging but a faster preset is left somewhere: no pause before pause_after_seconds.
  EXPECT_FALSE(d.Report(At(0), 3, Lagging(false)));
  EXPECT_FALSE(d.Report(At(0), 2, Lagging(false)));
  EXPECT_EQ(d.state().level, 1);
  // The top rung lags at ultrafast: it is the one paused (whoever reported it), once the
  // ladder has lagged for min_lag_seconds (4 s) without a break.
  EXPECT_FALSE(d.Report(At(2), 1, Lagging(true, 0.8)));
  EXPECT_TRUE(d.Report(At(4), 1, Lagging(true, 0.8)));
  EXPECT_EQ(d.state().level, 2);
  EXPECT_EQ(d.state().paused, (std::vector<std::string>{"720p"}));
  EXPECT_EQ(d.state().reason, "paused rendition 720p to keep up (speed 0.80)");
  // The others keep up, but without margin: nothing changes for a minute.
  Segments(d, 4, 64, KeepingUp(1.1));
  EXPECT_EQ(d.state().level, 2);
  // With margin for 20 s: the rung resumes (its next report says so), one step only.
  Segments(d, 64, 83, KeepingUp(1.5));
  EXPECT_EQ(d.state().level, 2);
  Segments(d, 83, 86, KeepingUp(1.5));
  EXPECT_FALSE(d.Report(At(86), 1, Paused()));
  EXPECT_EQ(d.state().reason, "recovered: all renditions encoding");
  EXPECT_EQ(d.state().level, 1);  // faster presets stay for the broadcast
  EXPECT_TRUE(d.state().paused.empty());
}

TEST(LadderDegrader, LongBehindPausesTopDownButKeepsTheLowestRung) {
  DegraderOptions options;
  options.pause_after_seconds = 20;
  options.step_cooldown_seconds = 10;
  LadderDegrader d(options, Ladder(), "veryfast");
  Segments(d, 0, 19, Lagging(false));
  EXPECT_EQ(d.state().level, 0);
  Segments(d, 20, 21, Lagging(false));
  EXPECT_EQ(d.state().paused, (std::vector<std::string>{"720p"}));
  // Next pause needs its own 20 s of evidence.
  Segments(d, 22, 40, Lagging(false));
  EXPECT_EQ(d.state().paused.size(), 1u);
  Segments(d, 40, 44, Lagging(false));
  EXPECT_EQ(d.state().paused, (std::vector<std::string>{"720p", "480p"}));
  EXPECT_EQ(d.state().level, 3);
  // 360p is the last running rung: never paused, however long it lags.
  Segments(d, 44, 200, Lagging(true));
  EXPECT_EQ(d.state().paused, (std::vector<std::string>{"720p", "480p"}));
  // Recovery: the last paused (480p) first, then 720p, one per period.
  Segments(d, 200, 221, KeepingUp(2));
  EXPECT_EQ(d.state().paused, (std::vector<std::string>{"720p"}));
  EXPECT_EQ(d.state().reason, "resumed rendition 480p (encode speed 2.00)");
  Segments(d, 221, 250, KeepingUp(2));
  EXPECT_TRUE(d.state().paused.empty());
  EXPECT_EQ(d.state().level, 0);
}

TEST(LadderDegrader, FlappingInputDoesNotFlapTheOutput) {
  LadderDegrader d(DegraderOptions{}, Ladder(), "veryfast");
  Segments(d, 0, 5, Lagging(true));
  ASSERT_EQ(d.state().paused, (std::vector<std::string>{"720p"}));
  int changes = 0;
  DegradationState last = d.state();
  // 10 minutes of one good segment, one bad segment: never 20 s with margin, and a lagging
  // rung at ultrafast pauses at most one more rung per cool-down.
  for (int k = 0; k < 300; ++k) {
    const double t = 6 + 2 * k;
    Segments(d, t, t + 1, k % 2 == 0 ? KeepingUp(2) : Lagging(false));
    if (!(d.state() == last)) ++changes;
    last = d.state();
  }
  // Lagging without exhaustion for ≥ 20 s never happens (every other segment is fine), so
  // the one pause stays and nothing resumes.
  EXPECT_EQ(changes, 0);
  EXPECT_EQ(d.state().paused, (std::vector<std::string>{"720p"}));
}

TEST(LadderDegrader, ARepauseSoonAfterAResumeDoublesTheRecoveryPeriod) {
  LadderDegrader d(DegraderOptions{}, Ladder(), "ultrafast");
  auto cycle = [&](double from) {  // lag until paused, then keep up until resumed
    double t = from;
    for (; d.state().paused.empty(); t += 2) Segments(d, t, t + 1, Lagging(true));
    const double paused_at = t;
    for (; !d.state().paused.empty(); t += 2) Segments(d, t, t + 1, KeepingUp(2));
    return std::make_pair(t, t - paused_at);
  };
  auto [t1, first] = cycle(0);
  auto [t2, second] = cycle(t1);  // paused again right after the resume: 2× the period
  auto [t3, third] = cycle(t2);
  EXPECT_LE(first, 26);
  EXPECT_GE(second, 40);
  EXPECT_GE(third, 80);
  auto [t4, fourth] = cycle(t3);
  auto [t5, fifth] = cycle(t4);
  EXPECT_GE(fifth, 160);
  EXPECT_LE(fifth, 170);  // capped at 8×
  (void)t5;
  (void)fourth;
}

TEST(LadderDegrader, StaleOrMissingReportsGiveNoMargin) {
  LadderDegrader d(DegraderOptions{}, Ladder(), "veryfast");
  Segments(d, 0, 5, Lagging(true));
  ASSERT_EQ(d.state().level, 2);
  // Only 360p reports (480p silent): no resume, however long.
  for (double t = 6; t < 100; t += 2) d.Report(At(t), 3, KeepingUp(3));
  EXPECT_EQ(d.state().level, 2);
}

TEST(LadderDegrader, OneLaggingReportIsNotAnOverload) {
  LadderDegrader d(DegraderOptions{}, Ladder(), "ultrafast");
  // A start-up hiccup: one segment lags (a drop), the next ones keep up.
  Segments(d, 0, 1, Lagging(true));
  Segments(d, 2, 60, KeepingUp(1.1));
  // Single lagging segments between good ones: the lag never lasts 4 s without a break.
  for (double t = 60; t < 120; t += 4) {
    Segments(d, t, t + 1, Lagging(true));
    Segments(d, t + 2, t + 3, KeepingUp(1.1));
  }
  EXPECT_EQ(d.state().level, 0);
  EXPECT_TRUE(d.state().paused.empty());
}

TEST(LadderDegrader, DisabledNeverPauses) {
  DegraderOptions options;
  options.enabled = false;
  LadderDegrader d(options, Ladder(), "veryfast");
  Segments(d, 0, 100, Lagging(true));
  EXPECT_TRUE(d.state().paused.empty());
}

TEST(LadderDegrader, SingleRungIsNeverPaused) {
  LadderDegrader d(DegraderOptions{}, {{1, "360p", 640 * 360}}, "veryfast");
  for (double t = 0; t < 100; t += 2) EXPECT_FALSE(d.Report(At(t), 1, Lagging(true)));
  EXPECT_EQ(d.state().level, 0);
  EXPECT_FALSE(d.Report(At(0), 7, Lagging(true)));  // unknown id
}

}  // namespace
}  // namespace steadycast::transcode
