#include "session/health_notifier.h"

#include <gtest/gtest.h>

#include "events/event_types.h"

namespace steadycast::session {
namespace {

using std::chrono::seconds;
using Time = HealthNotifier::Time;

transcode::DegradationState State(int level, std::string reason,
                                  std::vector<std::string> paused = {}) {
  return transcode::DegradationState{
      .level = level, .reason = std::move(reason), .paused = std::move(paused)};
}

TEST(HealthNotifier, HealthyStartIsNoEvent) {
  HealthNotifier n;
  EXPECT_FALSE(n.Update(Time(seconds(0)), State(0, "")));
  EXPECT_FALSE(n.Update(Time(seconds(100)), State(0, "")));
}

TEST(HealthNotifier, OneEventPerChangeWithTheReason) {
  HealthNotifier n;
  auto e = n.Update(Time(seconds(10)),
                    State(2, "paused rendition 720p to keep up (speed 0.80)", {"720p"}));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, events::kStreamHealthChanged);
  EXPECT_EQ(e->extra["health"]["status"], "degraded");
  EXPECT_EQ(e->extra["health"]["degradation_level"], 2);
  EXPECT_EQ(e->extra["health"]["reasons"],
            nlohmann::json::array({"paused rendition 720p to keep up (speed 0.80)"}));
  EXPECT_EQ(e->extra["health"]["paused_renditions"], nlohmann::json::array({"720p"}));
  // The same state again: nothing, however often it is polled.
  for (int t = 10; t < 100; ++t) {
    EXPECT_FALSE(n.Update(Time(seconds(t)), State(2,
                                                  "paused rendition 720p to keep up (speed "
                                                  "0.80)",
                                                  {"720p"})));
  }
  auto back = n.Update(Time(seconds(100)), State(0, "recovered: all renditions encoding"));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->extra["health"]["status"], "healthy");
  EXPECT_EQ(back->extra["health"]["paused_renditions"], nlohmann::json::array());
}

TEST(HealthNotifier, ChangesWithinTheMinimumIntervalAreCoalesced) {
  HealthNotifier n(seconds(5));
  ASSERT_TRUE(n.Update(Time(seconds(0)), State(1, "a")));
  // Three changes in the next 5 s: no event until the interval is over, then one with the
  // state of that moment.
  EXPECT_FALSE(n.Update(Time(seconds(1)), State(1, "b")));
  EXPECT_FALSE(n.Update(Time(seconds(2)), State(2, "c", {"720p"})));
  EXPECT_FALSE(n.Update(Time(seconds(4)), State(3, "d", {"720p", "480p"})));
  auto e = n.Update(Time(seconds(5)), State(3, "d", {"720p", "480p"}));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->extra["health"]["degradation_level"], 3);
  EXPECT_EQ(e->extra["health"]["reasons"], nlohmann::json::array({"d"}));
  // A change that reverts before the interval ends produces nothing at all.
  EXPECT_FALSE(n.Update(Time(seconds(6)), State(2, "e", {"720p"})));
  EXPECT_FALSE(n.Update(Time(seconds(10)), State(3, "d", {"720p", "480p"})));
}

// Link conditions join the transcoder's state: a change of their set is an event; a new figure
// in the same condition's reason is not (no event per sample of a lossy link).
TEST(HealthNotifier, LinkConditionsByKind) {
  HealthNotifier n(seconds(5));
  const std::vector<LinkCondition> loss = {{"srt_loss", "SRT packet loss 7.0 % over 5 s"}};
  auto e = n.Update(Time(seconds(0)), State(0, ""), loss);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->extra["health"]["status"], "degraded");
  EXPECT_EQ(e->extra["health"]["link_conditions"], nlohmann::json::array({"srt_loss"}));
  EXPECT_EQ(e->extra["health"]["reasons"],
            nlohmann::json::array({"SRT packet loss 7.0 % over 5 s"}));
  const std::vector<LinkCondition> worse = {{"srt_loss", "SRT packet loss 9.0 % over 5 s"}};
  EXPECT_FALSE(n.Update(Time(seconds(10)), State(0, ""), worse));
  auto healthy = n.Update(Time(seconds(20)), State(0, ""), {});
  ASSERT_TRUE(healthy);
  EXPECT_EQ(healthy->extra["health"]["status"], "healthy");
  EXPECT_EQ(healthy->extra["health"]["reasons"], nlohmann::json::array());
}

}  // namespace
}  // namespace steadycast::session
