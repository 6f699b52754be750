"""The player's controls and a transcoded ladder with its slate, in Chromium: keyboard (K
play/pause, M mute, F full screen), "Go live" after the viewer paused behind the edge, the catch-up when
playback drifts behind while following live (playbackRate 1.1, or a seek), the quality menu
(Auto + each rendition; choosing one switches to it), accessible names on every control, and
a publisher outage that the slate fills: the page keeps playing — no "Reconnecting…", since
the playlist keeps growing — and plays on when the publisher returns."""

import time

from harness import Server, log, run_test
from reconnect_helpers import rtmp_publisher, wait_status
from test_player_support import (PageWatch, close_all, advanced, fatal_errors, play_url,
                                 server_args)


def samples_between(result, start, end):
    return [s for s in result["samples"] if start <= s[0] / 1000 <= end]


def test_player_controls():
    with Server(*server_args("--transcode-preset", "ultrafast")) as server:
        stream = server.create_stream(reconnect_window=60, ladder="default")
        sid, key = stream["id"], stream["stream_key"]
        first = rtmp_publisher(server, key)
        second = watch = None
        try:
            server.wait_for_playlist(stream, timeout=30)
            watch = PageWatch(play_url(server, stream), 150, prefix="controls")
            playing = watch.wait_state("playing", 40)
            time.sleep(max(0.0, playing + 3 - time.time()))
            # Pause behind the edge with the keyboard, resume: "Go live" is offered.
            paused_at = watch.perform("key k")
            watch.wait_state("paused", 5, after=paused_at)
            time.sleep(9)
            resumed_at = watch.perform("key k")
            watch.wait_state("playing", 10, after=resumed_at)
            time.sleep(1.5)
            watch.perform("shot controls-behind")
            went_live = watch.perform("click .scp-live")
            watch.perform("key m")
            time.sleep(3)
            # Drift while following live (as after a long stall): 8 s behind → playbackRate
            # 1.1; 14 s behind → a seek to the sync position.
            small = watch.perform("eval window.steadycastPlayer.video.currentTime -= 8")
            time.sleep(4)
            large = watch.perform("eval window.steadycastPlayer.video.currentTime -= 14")
            time.sleep(3)
            # The quality menu: wake the controls, open it, pick the lowest rendition.
            watch.perform("hover .scp-root video")
            watch.perform("click .scp-quality-button")
            watch.perform("shot controls-quality-menu")
            chose = watch.perform("click .scp-menu-item:last-child")
            time.sleep(8)
            # A publisher outage with the slate.
            first.kill9()
            killed = time.time()
            wait_status(server, sid, "reconnecting", 5)
            time.sleep(8)  # the player is a few seconds behind: the slate shows by now
            watch.perform("shot controls-slate")
            time.sleep(2)
            second = rtmp_publisher(server, key)
            restarted = time.time()
            time.sleep(10)
            watch.perform("key f")
            time.sleep(1)
            result = watch.stop()
        finally:
            close_all(first, second, watch)
        final = result["final"]
        log(f"levels {final['levels']}; final level {final['level']}; transitions "
            f"{[(round(t / 1000 - playing, 1), s) for t, s in result['transitions']]}")
        assert len(final["levels"]) >= 2, final["levels"]
        # Keyboard: K paused and resumed (checked by the waits above), M unmuted, F put the
        # player (its root, controls included) in full screen.
        assert final["fullscreen"] == "scp-root", final["fullscreen"]
        assert final["muted"] is False, "M did not unmute"
        behind = [s[7] for s in samples_between(result, resumed_at + 0.5, went_live - 0.1)]
        assert "behind" in behind, behind
        after_live = samples_between(result, went_live + 2.5, small)
        assert after_live and all(s[7] == "live" for s in after_live), after_live
        assert all(abs(s[3]) < 3 for s in after_live), [s[3] for s in after_live]
        catching_up = samples_between(result, small + 0.8, large)
        log(f"8 s behind: rates {sorted({s[10] for s in catching_up})}, sync distance "
            f"{catching_up[0][3]:.1f} → {catching_up[-1][3]:.1f} s")
        assert all(s[10] == 1.1 for s in catching_up), [s[10] for s in catching_up]
        assert catching_up[-1][3] > catching_up[0][3] + 0.2, "no catching up"
        jumped = samples_between(result, large + 1.5, chose)
        assert jumped and all(abs(s[3]) < 3 and s[10] == 1 for s in jumped), jumped
        # Quality: the lowest rendition, chosen by hand (not auto).
        lowest = min(final["levels"], key=lambda l: l["bitrate_kbps"])
        assert final["level"] == {"index": lowest["index"], "auto": False}, final["level"]
        assert final["stats"]["height"] == lowest["height"], final["stats"]
        # Accessible names on every visible control; buttons reachable by Tab.
        visible = [c for c in final["controls"] if c["visible"]]
        assert visible and all(c["label"] for c in visible), final["controls"]
        assert sum(1 for c in visible if c["focusable"]) >= 4, final["controls"]
        # The slate filled the outage: playing throughout, never "Reconnecting…".
        outage = samples_between(result, killed, restarted)
        assert {s[2] for s in outage} <= {"playing", "buffering"}, {s[2] for s in outage}
        moved = advanced(result, killed + 2, restarted)
        log(f"during the outage currentTime advanced {moved:.1f} s of {restarted - killed - 2:.1f}")
        assert moved >= (restarted - killed - 2) * 0.6, moved
        assert advanced(result, restarted + 4) >= 4.0
        assert fatal_errors(result) == [], fatal_errors(result)
        assert result["navigations"] == 1


if __name__ == "__main__":
    run_test(test_player_controls)
