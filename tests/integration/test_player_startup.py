"""Startup of the player page on a live stream (loopback): page navigation → first frame on
screen, over several cold loads (fresh browser context each), desktop and phone sizes. The
goal is under 1.0 s: the page preloads its module graph and hls.js, probes the master while
hls.js is evaluated, starts on the lowest rendition at a segment boundary two segments from
the edge. Reports STARTUP_FIRST_FRAME_MS (every run, and the median).

Also the browser's autoplay policy: the first load has no ?muted=1, so Chromium refuses sound
without a user gesture; the player must still start, muted, and offer "Unmute"."""

import json
import os
import statistics
import subprocess
import time

from harness import Server, log, run_test
from reconnect_helpers import rtmp_publisher
from test_player_support import BROWSER_DIR, SCREENSHOT_DIR, play_url, server_args

RUNS = 5
# The goal is 1.0 s; a shared CI machine under load gets some slack before this fails.
MEDIAN_LIMIT_MS = 2000


def test_player_startup():
    with Server(*server_args()) as server:
        stream = server.create_stream()
        publisher = rtmp_publisher(server, stream["stream_key"], seconds=150)
        try:
            server.wait_for_playlist(stream, timeout=20)
            time.sleep(6)  # a few segments: a viewer arriving at a running stream
            env = dict(os.environ, **({"SCREENSHOT_DIR": SCREENSHOT_DIR} if SCREENSHOT_DIR else {}))
            proc = subprocess.run(
                ["node", os.path.join(BROWSER_DIR, "player_startup.mjs"),
                 play_url(server, stream, query=""), str(RUNS)],
                capture_output=True, text=True, timeout=120, env=env)
        finally:
            publisher.close()
        lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
        assert lines, proc.stderr[-3000:]
        result = json.loads(lines[-1])
        assert result["ok"], (result.get("exception"), proc.stderr[-3000:])
        runs = result["runs"]
        for run in runs:
            log(f"{run['viewport']}: first frame {run['first_frame_ms']} ms after navigation "
                f"(startup_ms {run['startup_ms']}); timeline {run['timeline']}; "
                f"marks {run['marks']}")
            assert run["state"] == "playing" and run["current_time"] > 0.5, run
            assert run["page_errors"] == [], run["page_errors"]
        figures = [r["first_frame_ms"] for r in runs]
        median = statistics.median(figures)
        log(f"STARTUP_FIRST_FRAME_MS={figures} median={median:.0f} (goal < 1000)")
        assert median < MEDIAN_LIMIT_MS, figures
        unmuted = runs[0]
        # Without ?muted=1: where the browser refuses sound without a gesture the player falls
        # back to muted autoplay with an Unmute button; headless Chromium does not refuse it in
        # every run (even with --autoplay-policy=user-gesture-required), and then plays with
        # sound, which is right too.
        if unmuted["muted"]:
            assert unmuted["autoplay_muted"] and unmuted["unmute_button"], unmuted
        else:
            assert not unmuted["autoplay_muted"] and not unmuted["unmute_button"], unmuted
        assert not any(r["autoplay_muted"] or r["unmute_button"] for r in runs[1:]), runs


if __name__ == "__main__":
    run_test(test_player_startup)
