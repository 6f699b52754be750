"""The viewer's own network goes away: Chromium is switched offline (navigator.onLine false,
the `offline` event, every request fails) for 12 s while the page plays. Once the buffer is
played the page says "You are offline" (not an error, not an endless spinner) and schedules
no retries; when the browser is back online the player retries at once and plays again
without a page reload. Reports ONLINE_TO_PLAYING_S."""

import time

from harness import Server, log, run_test
from reconnect_helpers import rtmp_publisher
from test_player_support import (PageWatch, advanced, messages_in, play_url, server_args)

OFFLINE_S = 12.0


def test_player_offline():
    with Server(*server_args()) as server:
        stream = server.create_stream(reconnect_window=60)
        publisher = rtmp_publisher(server, stream["stream_key"])
        watch = None
        try:
            server.wait_for_playlist(stream, timeout=20)
            watch = PageWatch(play_url(server, stream), 120, prefix="offline")
            playing = watch.wait_state("playing", 30)
            time.sleep(max(0.0, playing + 5 - time.time()))
            went_offline = watch.perform("offline")
            offline = watch.wait_state("offline", 25, after=went_offline)
            time.sleep(max(0.0, went_offline + OFFLINE_S - time.time()))
            watch.perform("shot offline-late")
            came_online = watch.perform("online")
            back = watch.wait_state("playing", 30, after=came_online)
            time.sleep(6)
            result = watch.stop()
        finally:
            publisher.close()
            if watch:
                watch.close()
        log(f"transitions (s from going offline): "
            f"{[(round(t / 1000 - went_offline, 2), s) for t, s in result['transitions']]}; "
            f"errors {result['errors']}")
        log(f"ONLINE_TO_PLAYING_S={back - came_online:.2f}; offline message after "
            f"{offline - went_offline:.2f} s")
        assert messages_in(result, "offline") == {"You are offline"}, result["samples"][-30:]
        assert not any(s[6] for s in result["samples"] if s[2] == "offline"), "spinner offline"
        assert result["navigations"] == 1, "the page was reloaded"
        assert back - came_online < 8.0, back - came_online
        moved = advanced(result, back + 1)
        assert moved >= 3.0, f"currentTime advanced only {moved:.2f} s after coming back"


if __name__ == "__main__":
    run_test(test_player_offline)
