#include "analytics/experience_monitor.h"

#include <gtest/gtest.h>

namespace steadycast::analytics {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Figures = std::map<std::string, health::ViewerFigures>;

health::ViewerFigures WithRatio(double ratio, int64_t current = 5) {
  health::ViewerFigures f;
  f.current = current;
  f.rebuffer_ratio = ratio;
  return f;
}

// Drives a monitor once a second on a fake time line.
class ExperienceMonitorTest : public ::testing::Test {
 protected:
  // Evaluates every second for `duration` with the same figures; returns the changes seen.
  std::vector<ExperienceChange> Run(const Figures& figures, seconds duration) {
    std::vector<ExperienceChange> all;
    for (int i = 0; i < duration.count(); ++i) {
      now_ += seconds(1);
      for (auto& c : monitor_.Evaluate(now_, figures)) all.push_back(std::move(c));
    }
    return all;
  }

  ExperienceMonitor monitor_;
  base::Clock::MonotonicTime now_{};
};

TEST_F(ExperienceMonitorTest, DegradesAfterThirtySecondsAboveFivePercent) {
  const Figures bad = {{"ls_a", WithRatio(0.08)}};
  monitor_.Evaluate(now_, bad);  // t = 0: the condition starts
  EXPECT_TRUE(Run(bad, seconds(29)).empty());
  const auto changes = Run(bad, seconds(1));  // t = 30 s
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].stream_id, "ls_a");
  EXPECT_TRUE(changes[0].degraded);
  EXPECT_DOUBLE_EQ(changes[0].figures.rebuffer_ratio, 0.08);
  EXPECT_TRUE(monitor_.IsDegraded("ls_a"));
  EXPECT_TRUE(Run(bad, seconds(120)).empty());  // reported once
}

TEST_F(ExperienceMonitorTest, AGoodSampleRestartsTheWait) {
  const Figures bad = {{"ls_a", WithRatio(0.06)}};
  const Figures fine = {{"ls_a", WithRatio(0.04)}};
  EXPECT_TRUE(Run(bad, seconds(25)).empty());
  EXPECT_TRUE(Run(fine, seconds(1)).empty());
  EXPECT_TRUE(Run(bad, seconds(30)).empty());  // 0 ... 29 s of the new wait
  EXPECT_EQ(Run(bad, seconds(1)).size(), 1u);
}

TEST_F(ExperienceMonitorTest, ExactlyTheThresholdIsNotAbove) {
  EXPECT_TRUE(Run({{"ls_a", WithRatio(0.05)}}, seconds(100)).empty());
  EXPECT_EQ(monitor_.tracked_streams(), 0u);
}

TEST_F(ExperienceMonitorTest, NeedsACurrentViewToDegrade) {
  EXPECT_TRUE(Run({{"ls_a", WithRatio(0.5, /*current=*/0)}}, seconds(100)).empty());
  EXPECT_FALSE(monitor_.IsDegraded("ls_a"));
}

TEST_F(ExperienceMonitorTest, HysteresisBetweenThreeAndFivePercent) {
  ASSERT_EQ(Run({{"ls_a", WithRatio(0.10)}}, seconds(31)).size(), 1u);
  // Between the thresholds: stays degraded however long.
  EXPECT_TRUE(Run({{"ls_a", WithRatio(0.04)}}, seconds(300)).empty());
  EXPECT_TRUE(Run({{"ls_a", WithRatio(0.03)}}, seconds(300)).empty());  // not below 3 %
  EXPECT_TRUE(monitor_.IsDegraded("ls_a"));
  const Figures good = {{"ls_a", WithRatio(0.029)}};
  EXPECT_TRUE(Run(good, seconds(30)).empty());
  const auto changes = Run(good, seconds(1));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_FALSE(changes[0].degraded);
  EXPECT_FALSE(monitor_.IsDegraded("ls_a"));
  EXPECT_EQ(monitor_.tracked_streams(), 0u);  // fine streams are forgotten
}

TEST_F(ExperienceMonitorTest, AStreamWithoutViewersRecovers) {
  ASSERT_EQ(Run({{"ls_a", WithRatio(0.2)}, {"ls_b", WithRatio(0.01)}}, seconds(31)).size(), 1u);
  EXPECT_TRUE(Run({}, seconds(30)).empty());
  const auto changes = Run({}, seconds(1));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].stream_id, "ls_a");
  EXPECT_FALSE(changes[0].degraded);
  EXPECT_EQ(changes[0].figures.current, 0);
  EXPECT_EQ(monitor_.tracked_streams(), 0u);
}

TEST_F(ExperienceMonitorTest, StreamsAreJudgedIndependently) {
  Figures figures = {{"ls_a", WithRatio(0.2)}, {"ls_b", WithRatio(0.0)}};
  EXPECT_TRUE(Run(figures, seconds(10)).empty());
  figures["ls_b"] = WithRatio(0.3);
  auto changes = Run(figures, seconds(21));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].stream_id, "ls_a");
  changes = Run(figures, seconds(10));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].stream_id, "ls_b");
}

TEST(ExperienceMonitorOptionsTest, HoldAndThresholdsAreConfigurable) {
  ExperienceMonitor monitor(
      {.degraded_above = 0.1, .recovered_below = 0.05, .hold = milliseconds(500)});
  base::Clock::MonotonicTime t{};
  const Figures bad = {{"ls", WithRatio(0.11)}};
  EXPECT_TRUE(monitor.Evaluate(t, bad).empty());
  EXPECT_TRUE(monitor.Evaluate(t + milliseconds(499), bad).empty());
  EXPECT_EQ(monitor.Evaluate(t + milliseconds(500), bad).size(), 1u);
}

}  // namespace
}  // namespace steadycast::analytics
