"""hls.js (the newest release, lowLatencyMode) plays `latency_mode: "low"` streams in Chromium
from parts and blocking playlist reloads, near the live edge, and keeps its latency through a
publisher outage bridged by the slate.

1. Passthrough ladder, 1 s GOP: playback advances, hls.js loads parts and uses blocking reload,
   and its measured latency (hls.latency) stays low.
2. Default ladder with a reconnect window: the publisher disappears for 8 s; parts continue
   with the slate (playback keeps advancing) and after the publisher returns hls.js's latency
   is within 1 s of what it was before."""

import json
import os
import statistics
import subprocess
import tempfile
import time

from harness import Server, log, run_test

ROOT = os.environ.get("STEADYCAST_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))


def publisher_args(url, seconds):
    # What a low-latency encoder sends: no B-frames, 1 s GOP.
    return ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency",
            "-g", "30", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", "-f", "flv", url]


def start_player(server, stream, seconds, mark=None):
    args = ["node", os.path.join(ROOT, "tests", "browser", "play_llhls.mjs"),
            server.master_url(stream), server.url("/healthz"), str(seconds)]
    if mark:
        args.append(mark)
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_player(proc, timeout):
    out, err = proc.communicate(timeout=timeout)
    log(err[-2000:])
    result = json.loads(out.strip().splitlines()[-1])
    log("browser result:", {k: v for k, v in result.items() if k != "samples"})
    for s in result.get("samples", []):
        log(f"  t={s['t']:5.1f}s currentTime={s['time']:7.2f} latency={s['latency']} "
            f"target={s['target']} level={s['level']} buffered={s.get('buffered')}")
    return result


def check_common(result):
    assert result.get("ok"), result
    assert not result["errors"] and result["error"] is None, result
    assert result["hls_version"].startswith("1."), result
    assert result["parts"] > 0, "hls.js loaded no part"
    assert result["blocking_reloads"] > 0, "hls.js never used a blocking playlist reload"
    assert not result["other_hosts"], result["other_hosts"]


def latencies(samples, since=0.0, until=1e9):
    return [s["latency"] for s in samples
            if s["latency"] is not None and since <= s["t"] <= until]


def test_llhls_passthrough():
    with Server() as server:
        stream = server.create_stream(ladder="passthrough", latency_mode="low")
        publisher = subprocess.Popen(publisher_args(server.rtmp_url(stream["stream_key"]), 90),
                                     stderr=subprocess.PIPE)
        try:
            server.wait_for_playlist(stream, timeout=30)
            time.sleep(2)
            result = finish_player(start_player(server, stream, 15), timeout=90)
            check_common(result)
            samples = result["samples"]
            advanced = samples[-1]["time"] - samples[0]["time"]
            assert advanced >= 10.0, f"playback advanced only {advanced:.1f} s in 14 s"
            late = latencies(samples, since=6)
            median = statistics.median(late)
            log(f"LLHLS_LATENCY_MEDIAN={median:.2f}s p95={sorted(late)[int(0.95 * (len(late) - 1))]:.2f}s "
                f"part_target={result['part_target']}")
            # hls.js with its defaults aims at PART-HOLD-BACK from the edge but does not speed
            # up to catch up, and raises its target after a stall.
            assert median <= 5.0, f"hls.js latency {median:.2f} s"
        finally:
            publisher.kill()
            publisher.wait()


def test_llhls_outage_with_slate():
    with Server() as server, tempfile.TemporaryDirectory() as tmp:
        stream = server.create_stream(ladder="default", latency_mode="low", reconnect_window=60)
        url = server.rtmp_url(stream["stream_key"])
        publisher = subprocess.Popen(publisher_args(url, 90), stderr=subprocess.PIPE)
        mark = os.path.join(tmp, "playing")
        player = None
        try:
            server.wait_for_playlist(stream, timeout=40)
            time.sleep(2)
            player = start_player(server, stream, 34, mark)
            deadline = time.time() + 40
            while not os.path.exists(mark) and time.time() < deadline:
                time.sleep(0.2)
            assert os.path.exists(mark), "playback did not start"
            time.sleep(10)
            cut = time.time()
            publisher.kill()
            publisher.wait()
            time.sleep(8)
            publisher = subprocess.Popen(publisher_args(url, 60), stderr=subprocess.PIPE)
            back = time.time()
            result = finish_player(player, timeout=120)
            player = None
            check_common(result)
            samples = result["samples"]
            # Sample times are seconds since sampling started (≈ when the mark was written).
            start = os.path.getmtime(mark)
            t_cut, t_back = cut - start, back - start
            during = [s for s in samples if t_cut + 1 <= s["t"] <= t_back]
            assert during and during[-1]["time"] - during[0]["time"] >= 0.6 * (
                during[-1]["t"] - during[0]["t"]), "playback stalled during the outage"
            # The latency hls.js settled on just before the cut (it may have raised its
            # target after a stall at start) against the one after the return.
            before = latencies(samples, since=max(3, t_cut - 4), until=t_cut)
            after = latencies(samples, since=t_back + 6)
            b, a = statistics.median(before), statistics.median(after)
            log(f"LLHLS_OUTAGE latency before={b:.2f}s after={a:.2f}s")
            assert abs(a - b) <= 1.0, f"latency drifted from {b:.2f} s to {a:.2f} s"
        finally:
            if player:
                player.kill()
            publisher.kill()
            publisher.wait()


def test_browser_llhls():
    test_llhls_passthrough()
    test_llhls_outage_with_slate()


if __name__ == "__main__":
    run_test(test_browser_llhls)
