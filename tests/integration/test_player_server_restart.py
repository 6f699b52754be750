"""The server goes away under a playing page: SIGTERM while the page plays, 5 s down, started
again on the same HTTP and RTMP addresses and data dir, and the encoder publishes again. The
page recovers by itself — hls.js retries, then the player's outer loop probes the master
playlist with backoff (connection refused, then 412 until the new segments exist) and reloads
from the live edge — with no page reload and no uncaught exception. While the server is away
the page says "Reconnecting…" over the last frame, never an error.

Reports RESTART_TO_PLAYING_S (server up again → playing) and REPUBLISH_TO_PLAYING_S."""

import time

from harness import log, run_test
from reconnect_helpers import rtmp_publisher, wait_status
from test_player_support import (PageWatch, close_all, PinnedServer, advanced, messages_in,
                                 play_url, server_args)

DOWN_S = 5.0


def test_player_server_restart():
    with PinnedServer(*server_args()) as server:
        stream = server.create_stream(reconnect_window=60)
        sid, key = stream["id"], stream["stream_key"]
        first = rtmp_publisher(server, key)
        second = watch = None
        try:
            server.wait_for_playlist(stream, timeout=20)
            watch = PageWatch(play_url(server, stream), 150, prefix="restart")
            playing = watch.wait_state("playing", 30)
            time.sleep(max(0.0, playing + 5 - time.time()))
            assert server.stop() == 0
            stopped = time.time()
            first.wait(10)
            reconnecting = watch.wait_state("reconnecting", 25, after=stopped)
            time.sleep(max(0.0, stopped + DOWN_S - time.time()))
            server.start()
            started = time.time()
            log(f"server back on {server.listen['http']} after {started - stopped:.1f} s; "
                f"stream status {server.api('GET', f'/v1/live-streams/{sid}')['data']['status']}")
            second = rtmp_publisher(server, key)
            republished = time.time()
            wait_status(server, sid, "active", 15)
            back = watch.wait_state("playing", 60, after=started)
            time.sleep(8)
            result = watch.stop()
        finally:
            close_all(first, second, watch)
        log(f"transitions (s from SIGTERM): "
            f"{[(round(t / 1000 - stopped, 2), s) for t, s in result['transitions']]}")
        log(f"errors: {result['errors']}")
        log(f"RESTART_TO_PLAYING_S={back - started:.2f}; REPUBLISH_TO_PLAYING_S="
            f"{back - republished:.2f}; SIGTERM → reconnecting message "
            f"{reconnecting - stopped:.2f} s")
        assert result["navigations"] == 1, "the page was reloaded"
        states_while_down = {s for t, s in result["transitions"] if stopped <= t / 1000 < back}
        assert states_while_down <= {"playing", "buffering", "reconnecting"}, states_while_down
        assert messages_in(result, "reconnecting") == {"Reconnecting…"}
        assert result["final"]["state"] == "playing", result["final"]
        moved = advanced(result, back + 2)
        assert moved >= 4.0, f"currentTime advanced only {moved:.2f} s after recovering"


if __name__ == "__main__":
    run_test(test_player_server_restart)
