"""The player page opened before the stream is live: the master playlist answers 412 with
Retry-After, the page says "Waiting for the stream to start" (no spinner, no error), and once
an ffmpeg publisher starts, playback begins by itself — same page, no reload — and
currentTime advances. Reports PUBLISH_TO_FIRST_FRAME_S (publisher started → first frame on
screen; about one 2 s segment plus the player's probe interval) and checks the QoE beacons
the page sent (format, a first_frame with its startup time)."""

import time

from harness import Server, log, run_test
from reconnect_helpers import rtmp_publisher
from test_player_support import (PageWatch, advanced, check_beacons, fatal_errors, messages_in,
                                 play_url, server_args)

WAITING = "Waiting for the stream to start"


def test_player_wait_to_live():
    with Server(*server_args()) as server:
        stream = server.create_stream(reconnect_window=0)
        pb = stream["playback_ids"][0]["id"]
        watch = PageWatch(play_url(server, stream), 90, prefix="wait")
        publisher = None
        try:
            waiting_at = watch.wait_state("waiting", 30)
            time.sleep(max(0.0, waiting_at + 3 - time.time()))  # a few 412 retries
            publisher = rtmp_publisher(server, stream["stream_key"], seconds=60)
            published = time.time()
            playing = watch.wait_state("playing", 40, after=published)
            time.sleep(5)
            result = watch.stop()
        finally:
            if publisher:
                publisher.close()
            watch.close()
        first_frame = result["firstframes"][0][0] / 1000
        log(f"PUBLISH_TO_FIRST_FRAME_S={first_frame - published:.2f} "
            f"(playing state at +{playing - published:.2f} s); states: "
            f"{[s for _, s in result['transitions']]}")
        assert messages_in(result, "waiting") == {WAITING}, messages_in(result, "waiting")
        assert not any(s[6] for s in result["samples"] if s[2] == "waiting"), \
            "a spinner while waiting"
        assert result["navigations"] == 1, "the page was reloaded"
        assert fatal_errors(result) == [], fatal_errors(result)
        moved = advanced(result, playing + 1)
        assert moved >= 3.0, f"currentTime advanced only {moved:.2f} s"
        view = check_beacons(result["beacons"], pb)
        startup = next(e for b in view for e in b["events"] if e["type"] == "first_frame")
        log(f"beacon first_frame startup_ms={startup['startup_ms']} (counted from the master's "
            f"first 200, not from the page load)")
        assert startup["startup_ms"] <= (first_frame - published) * 1000 + 500, startup


if __name__ == "__main__":
    run_test(test_player_wait_to_live)
