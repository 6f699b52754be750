"""hls.js in Chromium through a publisher outage inside the reconnect window: the RTMP
publisher is killed with SIGKILL while the page plays, restarted 10 s later with the same
key; hls.js reports no fatal error, the video element no MediaError, and currentTime
advances again after the publisher is back. Prints the stall the player saw
(PLAYER_STALL_SECONDS: the longest stretch without currentTime advancing). This test uses the
passthrough ladder (no slate: the player waits); test_browser_slate.py runs the same outage
with the default ladder and its slate."""

import json
import os
import queue
import subprocess
import tempfile
import threading
import time
import urllib.parse

from harness import Server, log, run_test
from reconnect_helpers import PlaylistWatcher, rtmp_publisher, wait_status

ROOT = os.environ.get("STEADYCAST_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
OUTAGE_S = 10.0
WATCH_S = 34


def longest_stall(samples):
    """(seconds, start unix s) of the longest stretch in which currentTime did not advance."""
    best, start = (0.0, None), None
    for (t0, c0, _), (t1, c1, _) in zip(samples, samples[1:]):
        if c1 - c0 < 0.01:
            start = t0 if start is None else start
            if (t1 - start) / 1000 > best[0]:
                best = ((t1 - start) / 1000, start / 1000)
        else:
            start = None
    return best


def media_playlists(server, stream, master):
    base = f"/hls/{stream['playback_ids'][0]['id']}.m3u8"
    return [urllib.parse.urljoin(base, line) for line in master.splitlines()
            if line and not line.startswith("#")]


def log_arrivals(watchers, killed):
    """When each rendition listed its segments after the kill (the slate, then the return)."""
    for path, watcher in watchers.items():
        seen, arrivals = set(), []
        for t, code, _, uris in watcher.stop():
            for uri in uris:
                if uri not in seen:
                    seen.add(uri)
                    if t >= killed:
                        arrivals.append(f"{uri.rsplit('/', 1)[-1]}@{t - killed:+.1f}")
        log(f"  {path.rsplit('/', 2)[-2]}: new segments after the kill: {' '.join(arrivals)}")


def browser_outage(ladder, max_stall_s=None, server_args=()):
    """Plays the stream (with `ladder`) in hls.js through a 10 s publisher outage; returns
    (longest stall in s, player result). Asserts no fatal error, that playback resumes and, with
    `max_stall_s`, that no stall was longer."""
    with Server("--api-rate-limits", "false", *server_args) as server, \
            tempfile.TemporaryFile() as errlog:
        stream = server.create_stream(reconnect_window=60, ladder=ladder)
        sid, key = stream["id"], stream["stream_key"]
        first = rtmp_publisher(server, key)
        second = None
        player = None
        watchers = {}
        killed = time.time()
        try:
            master = server.wait_for_playlist(stream, timeout=20)
            wait_status(server, sid, "active", 10)
            watchers = {path: PlaylistWatcher(server, path, interval=0.25)
                        for path in media_playlists(server, stream, master)}
            player = subprocess.Popen(
                ["node", os.path.join(ROOT, "tests", "browser", "play_hls_reconnect.mjs"),
                 server.master_url(stream), server.url("/healthz"), str(WATCH_S)],
                stdout=subprocess.PIPE, stderr=errlog, text=True)
            lines = queue.Queue()

            def read_lines():
                for line in player.stdout:
                    lines.put(line)
                lines.put(None)

            threading.Thread(target=read_lines, daemon=True).start()
            playing = lines.get(timeout=60)
            assert playing and playing.startswith("PLAYING"), playing
            log("player started; publisher killed in 4 s")
            time.sleep(4)
            first.kill9()
            killed = time.time()
            wait_status(server, sid, "reconnecting", 5)
            time.sleep(max(0.0, killed + OUTAGE_S - time.time()))
            second = rtmp_publisher(server, key)
            restarted = time.time()
            wait_status(server, sid, "active", 15)
            line = lines.get(timeout=WATCH_S + 60)
            while line is not None and line.startswith("PLAYING"):
                line = lines.get(timeout=30)
            assert line, "the player printed no result"
            result = json.loads(line)
        finally:
            for p in (first, second):
                if p:
                    p.close()
            if player and player.poll() is None:
                player.kill()
                player.wait()
            log_arrivals(watchers, killed)
        errlog.seek(0)
        log(errlog.read().decode(errors="replace")[-2000:])
        assert result.get("ok"), result
        samples = result["samples"]
        stall, stall_start = longest_stall(samples)
        after = [s for s in samples if s[0] / 1000 >= restarted]
        advanced_after = after[-1][1] - after[0][1] if after else 0.0
        where = f"starting {stall_start - killed:+.2f} s from the kill" if stall_start else "none"
        log(f"PLAYER_STALL_SECONDS={stall:.2f} ({where}; outage {OUTAGE_S:.0f} s); "
            f"currentTime advanced {advanced_after:.2f} s in "
            f"the {(samples[-1][0] / 1000 - restarted):.1f} s after the publisher restarted")
        log(f"hls.js fatal: {result['fatal']}, non-fatal: {result['nonfatal']}, "
            f"MediaError: {result['error']}")
        # What hls.js appended (type, level, sn, discontinuity, start, PTS range) and why it
        # reported each non-fatal error: where a stall came from.
        for frag in result.get("frags", []):
            log(f"  appended {frag}")
        for reason in result.get("reasons", []):
            log(f"  hls.js at {reason['at']:.3f} s: {reason['details']}: {reason['reason']} "
                f"buffered {reason['buffered']}")
        assert result["fatal"] == [], result["fatal"]
        assert result["error"] is None, result["error"]
        assert advanced_after >= 5.0, f"playback did not resume: {samples[-12:]}"
        if max_stall_s is not None:
            assert stall <= max_stall_s, (stall, samples[-40:])
        return stall, result


def test_browser_reconnect():
    browser_outage("passthrough")


if __name__ == "__main__":
    run_test(test_browser_reconnect)
