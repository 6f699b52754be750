"""The HLS the server produces passes the structural checker (hls_structure.py), our stand-in
for Apple's mediastreamvalidator / hlsreport: the master, every media playlist (audio included),
their reloads, the init segments, segments and parts (fMP4 boxes) and the LL-HLS delivery
directives, against RFC 8216bis, Apple's HLS authoring specification and docs/contract.md.

1. Default ladder, standard latency (ffmpeg 640x360 30 fps, 2 s GOP).
2. Passthrough, latency_mode "low" (1 s GOP, no B-frames): parts, blocking reloads, preload
   hints, rendition reports, delta updates (with a 10-segment window, so that _HLS_skip has
   segments beyond the skip boundary to skip).
3. Default ladder across a publisher outage bridged by the slate (reconnect_window 60; the
   reconnect tests' publisher: 25 fps, 2 s GOP): the playlists are reloaded every second from
   before the publisher is killed, through the 8 s outage, until after it is back; then a fresh
   check, as a player joining then would see it.

Each scenario reloads the media playlists every second for about 8 s. The whole test takes
about 90 s.

Every scenario runs to the end (so one run reports everything); the test fails on any MUST
finding that is not waived. SHOULD findings are printed."""

import os
import subprocess
import threading
import time

import hls_structure
from harness import Server, ffmpeg_publish_args, log, run_test
from reconnect_helpers import get_playlist, media_playlist_path, parse_segments, rtmp_publisher, \
    wait_status
from test_browser_llhls import publisher_args as low_latency_publisher_args

RELOAD_SECONDS = 8.0
RELOAD_INTERVAL = 1.0


def wait_segments(server, stream, count, timeout):
    """Waits until the first media playlist lists `count` segments."""
    path = media_playlist_path(server, stream, timeout)
    deadline = time.time() + timeout
    n = 0
    while time.time() < deadline:
        code, text = get_playlist(server, path)
        n = len(parse_segments(text)) if code == 200 else 0
        if n >= count:
            return n
        time.sleep(0.3)
    raise AssertionError(f"{path} listed {n} segments, not {count}, within {timeout} s")


EVALUATED = set()


def report(label, checker, seconds):
    EVALUATED.update(checker.evaluated)
    log(f"== {label}: {checker.summary()}, {seconds:.1f} s")
    for finding in checker.results():
        log(f"  {finding}")
    return [(label, f) for f in checker.failures()]


def scenario_standard():
    with Server() as server:
        stream = server.create_stream(ladder="default")
        publisher = subprocess.Popen(
            ffmpeg_publish_args(server.rtmp_url(stream["stream_key"]), seconds=80, gop=60),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            server.wait_for_playlist(stream, timeout=40)
            # A full window (6 segments): the reloads then also see segments being removed.
            wait_segments(server, stream, 6, timeout=40)
            start = time.time()
            checker = hls_structure.Checker(server.master_url(stream), log=log)
            checker.run(RELOAD_SECONDS, RELOAD_INTERVAL)
            return report("default ladder, standard latency", checker, time.time() - start)
        finally:
            publisher.kill()
            publisher.wait()


def scenario_low_latency():
    # A window of 10 segments (20 s) instead of 6: only a window longer than the skip boundary
    # (CAN-SKIP-UNTIL = 6 target durations = 12 s) makes _HLS_skip=YES skip anything.
    with Server("--hls-playlist-segments", "10") as server:
        stream = server.create_stream(ladder="passthrough", latency_mode="low")
        publisher = subprocess.Popen(
            low_latency_publisher_args(server.rtmp_url(stream["stream_key"]), 80),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            server.wait_for_playlist(stream, timeout=40)
            wait_segments(server, stream, 8, timeout=40)
            start = time.time()
            # One variant is the stream's own choice (passthrough), not the server's doing.
            checker = hls_structure.Checker(
                server.master_url(stream), log=log,
                waive={"master-variants": "ladder=passthrough: a single variant by the stream's configuration"})
            checker.run(RELOAD_SECONDS, RELOAD_INTERVAL, ll_seconds=4.0)
            return report("passthrough, latency_mode low", checker, time.time() - start)
        finally:
            publisher.kill()
            publisher.wait()


def scenario_outage():
    with Server() as server:
        stream = server.create_stream(ladder="default", reconnect_window=60)
        publisher = rtmp_publisher(server, stream["stream_key"], seconds=120)
        try:
            server.wait_for_playlist(stream, timeout=40)
            wait_segments(server, stream, 4, timeout=40)
            start = time.time()
            checker = hls_structure.Checker(server.master_url(stream), log=log)
            assert checker.load_master(), "master playlist"
            stop = threading.Event()
            crashed = []

            def watch():
                try:
                    checker.observe(60, RELOAD_INTERVAL, stop)
                except Exception as e:  # re-raised below, on the test's thread
                    crashed.append(e)

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            time.sleep(3)
            log("-- killing the publisher (SIGKILL), 8 s outage")
            publisher.kill9()
            wait_status(server, stream["id"], "reconnecting", timeout=15, interval=0.25)
            time.sleep(8)
            publisher.close()
            publisher = rtmp_publisher(server, stream["stream_key"], seconds=120)
            wait_status(server, stream["id"], "active", timeout=20, interval=0.25)
            back = time.time()
            log(f"-- publisher back after {back - start:.1f} s of watching")
            # Keep reloading until the renditions have published a few segments after the return.
            time.sleep(10)
            stop.set()
            watcher.join(30)
            if crashed:
                raise crashed[0]
            checker.check_bandwidth()
            failures = report("default ladder, across an outage (reloads throughout)", checker,
                              time.time() - start)
            # And a fresh look after the return, as a player joining then would have.
            start = time.time()
            again = hls_structure.Checker(server.master_url(stream), log=log)
            again.run(6.0, RELOAD_INTERVAL)
            failures += report("default ladder, after the outage (fresh check)", again, time.time() - start)
            return failures
        finally:
            publisher.close()


def test_hls_structure():
    started = time.time()
    failures = []
    errors = []
    for scenario in (scenario_standard, scenario_low_latency, scenario_outage):
        t = time.time()
        try:
            failures += scenario()
        except Exception as e:  # keep going: one run should report every scenario
            import traceback
            traceback.print_exc()
            errors.append(f"{scenario.__name__}: {e!r}")
        log(f"-- {scenario.__name__} took {time.time() - t:.1f} s")
    unused = sorted(set(hls_structure.RULES) - EVALUATED)
    log(f"rules never evaluated (nothing to apply them to in these streams): {unused or 'none'}")
    log(f"== total {time.time() - started:.1f} s; {len(failures)} MUST finding(s)")
    for label, finding in failures:
        log(f"MUST [{label}] {finding.rule} {finding.where}")
    assert not errors, errors
    assert not failures, f"{len(failures)} MUST finding(s), listed above"


if __name__ == "__main__":
    os.environ.setdefault("STEADYCAST_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
    run_test(test_hls_structure)
