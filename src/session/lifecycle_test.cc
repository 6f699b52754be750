// The stream state machine with a fake time line (milliseconds, no waiting): every transition,
// window expiry at exactly the boundary, reconnect at window − 1 ms, commands during
// reconnecting, takeover rules.
#include "session/lifecycle.h"

#include <gtest/gtest.h>

#include "events/event_types.h"

namespace steadycast::session {
namespace {

using std::chrono::milliseconds;
using store::StreamStatus;

class LifecycleTest : public ::testing::Test {
 protected:
  using Time = StreamLifecycle::Time;
  Time At(int64_t ms) const { return Time(milliseconds(ms)); }

  static std::vector<std::string_view> Types(const Effects& e) {
    std::vector<std::string_view> out;
    for (const auto& ev : e.events) out.push_back(ev.type);
    return out;
  }

  // idle → connected → active with publisher 1 at t = 0.
  void GoLive(StreamLifecycle& l) {
    auto admission = l.Admit(1, At(0), "1.2.3.4:5");
    ASSERT_TRUE(admission.accepted);
    EXPECT_EQ(Types(admission.effects), std::vector<std::string_view>{events::kStreamConnected});
    EXPECT_FALSE(admission.effects.status);
    Effects e = l.OnMedia(1, At(0));
    EXPECT_EQ(e.status, StreamStatus::kActive);
    EXPECT_EQ(Types(e), std::vector<std::string_view>{events::kStreamActive});
    EXPECT_EQ(e.packager, PackagerAction::kNewBroadcast);
  }

  LifecycleConfig config_{.reconnect_window = milliseconds(60'000),
                          .stall_timeout = milliseconds(4'000),
                          .silent_after = milliseconds(1'000)};
};

TEST_F(LifecycleTest, IdleToActiveOnFirstMediaOnly) {
  StreamLifecycle l(StreamStatus::kIdle, config_);
  GoLive(l);
  EXPECT_EQ(l.status(), StreamStatus::kActive);
  EXPECT_TRUE(l.OnMedia(1, At(40)).empty());   // the hot path changes nothing
  EXPECT_TRUE(l.OnMedia(99, At(40)).empty());  // media from a stranger is ignored
}

TEST_F(LifecycleTest, SocketClosedStartsReconnectWindow) {
  StreamLifecycle l(StreamStatus::kIdle, config_);
  GoLive(l);
  Effects e = l.OnPublisherGone(1, At(10'000));
  EXPECT_EQ(e.status, StreamStatus::kReconnecting);
  EXPECT_EQ(Types(e), std::vector<std::string_view>{events::kStreamDisconnected});
  EXPECT_EQ(e.packager, PackagerAction::kDiscontinuity);
  EXPECT_EQ(l.reconnect_deadline(), At(70'000));
  EXPECT_EQ(l.publisher(), 0u);
  EXPECT_TRUE(l.OnPublisherGone(1, At(10'001)).empty());  // twice is once
}

TEST_F(LifecycleTest, WindowExpiresExactlyAtTheBoundary) {
  StreamLifecycle l(StreamStatus::kIdle, config_);
  GoLive(l);
  l.OnPublisherGone(1, At(10'000));
  EXPECT_TRUE(l.Tick(At(69'999)).empty());
  Effects e = l.Tick(At(70'000));
  EXPECT_EQ(e.status, StreamStatus::kIdle);
  EXPECT_EQ(Types(e), std::vector<std::string_view>{events::kStreamIdle});
  EXPECT_EQ(e.packager, PackagerAction::kEnd);
  EXPECT_EQ(l.status(), StreamStatus::kIdle);
  EXPECT_FALSE(l.reconnect_deadline());
  EXPECT_TRUE(l.Tick(At(80'000)).empty());
}

TEST_F(LifecycleTest, ReconnectOneMillisecondBeforeTheWindowEnds) {
  StreamLifecycle l(StreamStatus::kIdle, config_);
  GoLive(l);
  l.OnPublisherGone(1, At(10'000));
  auto admission = l.Admit(2, At(69'999), "1.2.3.4:6");
  ASSERT_TRUE(admission.accepted);
  EXPECT_TRUE(admission.effects.events.empty());  // no "connected": the broadcast goes on
  // The window boundary passes between accept and first media: the publisher is fresh.
  EXPECT_TRUE(l.Tick(At(70'000)).empty());
  Effects e = l.OnMedia(2, At(70'050));
  EXPECT_EQ(e.status, StreamStatus::kActive);
  EXPECT_EQ(Types(e), std::vector<std::string_view>{events::kStreamReconnected});
  EXPECT_EQ(e.packager, PackagerAction::kNone);  // the discontinuity was cut at the loss
  EXPECT_FALSE(l.reconnect_deadline());
}

TEST_F(LifecycleTest, ReturnedButSilentPublisherDoesNotHoldTheWindowOpen) {
  StreamLifecycle l(StreamStatus::kIdle, config_);
  GoLive(l);
  l.OnPublisherGone(1, At(10'000));
  ASSERT_TRUE(l.Admit(2, At(60'000), "x:1").accepted);
  EXPECT_TRUE(l.Tick(At(63'999)).empty());  // window over, but the newcomer is < stall old
  EXPECT_TRUE(l.Tick(At(70'000)).empty() == false);
  EXPECT_EQ(l.status(), StreamStatus::kIdle);
}

TEST_F(LifecycleTest, StallWithoutSocketCloseIsALossAndMediaResumes) {
  StreamLifecycle l(StreamStatus::kIdle, config_);
  GoLive(l);
  l.OnMedia(1, At(1'000));
  EXPECT_TRUE(l.Tick(At(4'999)).empty());
  Effects e = l.Tick(At(5'000));
  EXPECT_EQ(e.status, StreamStatus::kReconnecting);
  EXPECT_EQ(Types(e), std::vector<std::string_view>{events::kStreamDisconnected});
  EXPECT_EQ(e.events[0].extra["reason"], "no media");
  EXPECT_EQ(e.kick, 0u);         // the stalled connection may recover by itself
  EXPECT_EQ(l.publisher(), 1u);  // still attached
  Effects back = l.OnMedia(1, At(7'000));
  EXPECT_EQ(back.status, StreamStatus::kActive);
  EXPECT_EQ(Types(back), std::vector<std::string_view>{events::kStreamReconnected});
}

TEST_F(LifecycleTest, StalledPublisherIsKickedWhenTheWindowEnds) {
  StreamLifecycle l(StreamStatus::kIdle, config_);
  GoLive(l);
  l.Tick(At(4'000));
  Effects e = l.Tick(At(64'000));
  EXPECT_EQ(e.status, StreamStatus::kIdle);
  EXPECT_EQ(e.kick, 1u);
}

TEST_F(LifecycleTest, ZeroWindowMeansNoWaiting) {
  config_.reconnect_window = milliseconds(0);
  StreamLifecycle l(StreamStatus::kIdle, config_);
  GoLive(l);
  Effects e = l.OnPublisherGone(1, At(5'000));
  EXPECT_EQ(e.status, StreamStatus::kIdle);
  EXPECT_EQ(Types(e),
            (std::vector<std::string_view>{events::kStreamDisconnected, events::kStreamIdle}));
  EXPECT_EQ(e.packager, PackagerAction::kEnd);
}

TEST_F(LifecycleTest, ConnectedButNeverLiveDisconnectStaysIdle) {
  StreamLifecycle l(StreamStatus::kIdle, config_);
  ASSERT_TRUE(l.Admit(1, At(0), "x:1").accepted);
  Effects e = l.OnPublisherGone(1, At(500));
  EXPECT_FALSE(e.status);
  EXPECT_EQ(Types(e), std::vector<std::string_view>{events::kStreamDisconnected});
  EXPECT_EQ(l.status(), StreamStatus::kIdle);
}

TEST_F(LifecycleTest, CompleteEndsActiveOrReconnectingOnly) {
  StreamLifecycle l(StreamStatus::kIdle, config_);
  EXPECT_FALSE(l.Complete(At(0)));
  GoLive(l);
  auto e = l.Complete(At(1'000));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, StreamStatus::kIdle);
  EXPECT_EQ(Types(*e),
            (std::vector<std::string_view>{events::kStreamCompleted, events::kStreamIdle}));
  EXPECT_EQ(e->packager, PackagerAction::kEnd);
  EXPECT_EQ(e->kick, 1u);
  EXPECT_FALSE(l.Complete(At(2'000)));
}

TEST_F(LifecycleTest, CompleteDuringReconnecting) {
  StreamLifecycle l(StreamStatus::kIdle, config_);
  GoLive(l);
  l.OnPublisherGone(1, At(1'000));
  auto e = l.Complete(At(2'000));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, StreamStatus::kIdle);
  EXPECT_EQ(e->kick, 0u);
  EXPECT_TRUE(l.Tick(At(100'000)).empty());  // the old window is gone
}

TEST_F(LifecycleTest, DisableDuringReconnectingEndsAndRefuses) {
  StreamLifecycle l(StreamStatus::kIdle, config_);
  GoLive(l);
  l.OnPublisherGone(1, At(1'000));
  Effects e = l.Disable(At(2'000));
  EXPECT_EQ(e.status, StreamStatus::kDisabled);
  EXPECT_EQ(Types(e), std::vector<std::string_view>{events::kStreamDisabled});
  EXPECT_EQ(e.packager, PackagerAction::kEnd);
  EXPECT_TRUE(l.Disable(At(2'001)).empty());  // idempotent
  auto refused = l.Admit(3, At(3'000), "x:1");
  EXPECT_FALSE(refused.accepted);
  EXPECT_EQ(refused.refusal, "stream is disabled");
  EXPECT_TRUE(l.Tick(At(100'000)).empty());
  Effects enabled = l.Enable(At(4'000));
  EXPECT_EQ(enabled.status, StreamStatus::kIdle);
  EXPECT_EQ(Types(enabled), std::vector<std::string_view>{events::kStreamEnabled});
  EXPECT_TRUE(l.Enable(At(4'001)).empty());
  EXPECT_TRUE(l.Admit(4, At(5'000), "x:1").accepted);
}

TEST_F(LifecycleTest, DisableActiveKicksThePublisher) {
  StreamLifecycle l(StreamStatus::kIdle, config_);
  GoLive(l);
  Effects e = l.Disable(At(1'000));
  EXPECT_EQ(e.kick, 1u);
  EXPECT_TRUE(l.OnPublisherGone(1, At(1'001)).empty());  // already detached
  EXPECT_EQ(l.status(), StreamStatus::kDisabled);
}

TEST_F(LifecycleTest, HealthyPublisherIsNotTakenOver) {
  StreamLifecycle l(StreamStatus::kIdle, config_);
  GoLive(l);
  l.OnMedia(1, At(500));
  auto refused = l.Admit(2, At(1'499), "9.9.9.9:1");
  EXPECT_FALSE(refused.accepted);
  EXPECT_EQ(Types(refused.effects), std::vector<std::string_view>{events::kStreamPublisherRefused});
  EXPECT_EQ(refused.effects.events[0].extra["publisher"]["remote_address"], "9.9.9.9:1");
  EXPECT_EQ(l.publisher(), 1u);
}

TEST_F(LifecycleTest, SilentPublisherIsReplacedAfterOneSecond) {
  StreamLifecycle l(StreamStatus::kIdle, config_);
  GoLive(l);
  l.OnMedia(1, At(500));
  auto replaced = l.Admit(2, At(1'500), "9.9.9.9:1");
  ASSERT_TRUE(replaced.accepted);
  EXPECT_EQ(replaced.effects.kick, 1u);
  EXPECT_EQ(Types(replaced.effects),
            std::vector<std::string_view>{events::kStreamPublisherReplaced});
  EXPECT_EQ(replaced.effects.events[0].extra["reason"], "silent");
  EXPECT_EQ(replaced.effects.packager, PackagerAction::kDiscontinuity);
  EXPECT_FALSE(replaced.effects.status);  // still active: no viewer-visible gap in status
  EXPECT_TRUE(l.OnPublisherGone(1, At(1'600)).empty());  // the replaced one leaves quietly
  EXPECT_TRUE(l.OnMedia(1, At(1'600)).empty());
  EXPECT_TRUE(l.OnMedia(2, At(1'700)).empty());  // already active: nothing to announce
  EXPECT_EQ(l.status(), StreamStatus::kActive);
}

TEST_F(LifecycleTest, TakeoverNewestReplacesAHealthyPublisher) {
  config_.takeover_newest = true;
  StreamLifecycle l(StreamStatus::kIdle, config_);
  GoLive(l);
  auto replaced = l.Admit(2, At(10), "9.9.9.9:1");
  ASSERT_TRUE(replaced.accepted);
  EXPECT_EQ(replaced.effects.kick, 1u);
  EXPECT_EQ(replaced.effects.events[0].extra["reason"], "newest");
}

TEST_F(LifecycleTest, LostPublisherStillAttachedIsReplacedWhileReconnecting) {
  StreamLifecycle l(StreamStatus::kIdle, config_);
  GoLive(l);
  l.Tick(At(4'000));  // stalled, still attached (a half-open TCP connection)
  auto replaced = l.Admit(2, At(4'100), "9.9.9.9:1");
  ASSERT_TRUE(replaced.accepted);
  EXPECT_EQ(replaced.effects.kick, 1u);
  EXPECT_EQ(replaced.effects.events[0].extra["reason"], "lost");
  EXPECT_EQ(replaced.effects.packager, PackagerAction::kNone);  // cut at the stall already
  Effects e = l.OnMedia(2, At(4'200));
  EXPECT_EQ(Types(e), std::vector<std::string_view>{events::kStreamReconnected});
}

TEST_F(LifecycleTest, RecoverAfterRestartGivesAFreshWindow) {
  StreamLifecycle active(StreamStatus::kActive, config_);
  Effects e = active.Recover(At(1'000));
  EXPECT_EQ(e.status, StreamStatus::kReconnecting);
  EXPECT_EQ(Types(e), std::vector<std::string_view>{events::kStreamDisconnected});
  EXPECT_EQ(active.reconnect_deadline(), At(61'000));

  StreamLifecycle reconnecting(StreamStatus::kReconnecting, config_);
  e = reconnecting.Recover(At(1'000));
  EXPECT_TRUE(e.events.empty());
  EXPECT_EQ(reconnecting.reconnect_deadline(), At(61'000));
  ASSERT_TRUE(reconnecting.Admit(5, At(2'000), "x:1").accepted);
  EXPECT_EQ(Types(reconnecting.OnMedia(5, At(2'000))),
            std::vector<std::string_view>{events::kStreamReconnected});

  StreamLifecycle idle(StreamStatus::kIdle, config_);
  EXPECT_TRUE(idle.Recover(At(1'000)).empty());
}

TEST_F(LifecycleTest, KeyResetKicksAndTheStreamWaits) {
  StreamLifecycle l(StreamStatus::kIdle, config_);
  GoLive(l);
  EXPECT_EQ(l.KickPublisher().kick, 1u);
  Effects e = l.OnPublisherGone(1, At(100));
  EXPECT_EQ(e.status, StreamStatus::kReconnecting);
}

TEST_F(LifecycleTest, WindowChangeAppliesToTheNextLoss) {
  StreamLifecycle l(StreamStatus::kIdle, config_);
  GoLive(l);
  config_.reconnect_window = milliseconds(5'000);
  l.set_config(config_);
  l.OnPublisherGone(1, At(1'000));
  EXPECT_EQ(l.reconnect_deadline(), At(6'000));
}

}  // namespace
}  // namespace steadycast::session
