"""The end of a broadcast in the player page: while the page plays, the stream is completed
(POST /v1/live-streams/ID/complete) and its playlist gets EXT-X-ENDLIST; the page plays what
is left and then shows "The stream has ended" — an ended state, not an error (no fatal error,
no spinner). A page opened afterwards on the finished broadcast (the playlist still answers,
with ENDLIST) shows the ended state at once instead of replaying the broadcast from its
start; when a new broadcast starts at the same playback URL, that page plays it by itself.
Reports COMPLETE_TO_ENDED_S and NEW_BROADCAST_TO_PLAYING_S."""

import time

from harness import Server, log, run_test
from reconnect_helpers import rtmp_publisher, wait_status
from test_player_support import (PageWatch, fatal_errors, messages_in, play_url, server_args)

ENDED = "The stream has ended"


def test_player_ended():
    with Server(*server_args()) as server:
        stream = server.create_stream(reconnect_window=60)
        sid = stream["id"]
        publisher = rtmp_publisher(server, stream["stream_key"])
        watch = late = None
        try:
            server.wait_for_playlist(stream, timeout=20)
            watch = PageWatch(play_url(server, stream), 90, prefix="ended")
            playing = watch.wait_state("playing", 30)
            time.sleep(max(0.0, playing + 5 - time.time()))
            server.api("POST", f"/v1/live-streams/{sid}/complete", expect=200)
            completed = time.time()
            ended = watch.wait_state("ended", 30, after=completed)
            time.sleep(2)
            result = watch.stop()
            publisher.close()
            wait_status(server, sid, "idle", 10)
            late = PageWatch(play_url(server, stream), 90, viewport="390x844", prefix="ended-late")
            late.wait_state("ended", 20)
            time.sleep(2)
            # A new broadcast at the same playback URL: the ended page picks it up by itself.
            publisher = rtmp_publisher(server, stream["stream_key"])
            republished = time.time()
            again = late.wait_state("playing", 40, after=republished)
            time.sleep(3)
            late_result = late.stop()
        finally:
            publisher.close()
            for w in (watch, late):
                if w:
                    w.close()
        log(f"COMPLETE_TO_ENDED_S={ended - completed:.2f}; states "
            f"{[s for _, s in result['transitions']]}; late page: "
            f"{[s for _, s in late_result['transitions']]}")
        assert messages_in(result, "ended") == {ENDED}, result["samples"][-20:]
        assert result["final"]["state"] == "ended", result["final"]
        assert fatal_errors(result) == [], fatal_errors(result)
        assert not any(s[6] for s in result["samples"] if s[2] == "ended"), "spinner when ended"
        # Ended after playing out what was buffered: within the buffer plus a little.
        assert ended - completed < 15, ended - completed
        late_states = [s for t, s in late_result["transitions"] if t / 1000 < republished]
        assert late_states[-1] == "ended" and "playing" not in late_states, late_states
        assert messages_in(late_result, "ended") == {ENDED}
        before = [s for s in late_result["samples"] if s[0] / 1000 < republished]
        assert max(s[1] for s in before) < 0.5, "the finished broadcast was replayed"
        log(f"NEW_BROADCAST_TO_PLAYING_S={again - republished:.2f} "
            f"(the ended page looks every 10 s)")
        assert late_result["final"]["state"] == "playing", late_result["final"]
        assert late_result["navigations"] == 1


if __name__ == "__main__":
    run_test(test_player_ended)
