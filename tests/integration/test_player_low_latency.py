"""The steadycast player page on a `latency_mode: "low"` stream (passthrough, 1 s GOP, parts of
0.5 s): the player recognises LL-HLS, plays from parts with blocking playlist reloads, aims at
the playlist's PART-HOLD-BACK (1.5 s) rather than its standard-latency start two segments
behind, and sits near that target once it has started (hls.js's own latency estimate)."""

import json
import os
import statistics
import subprocess

from harness import Server, log, run_test
from test_browser_llhls import publisher_args
from test_player_support import BROWSER_DIR, play_url, server_args

WATCH_SECONDS = 14
PART_HOLD_BACK = 1.5


def test_player_low_latency():
    with Server(*server_args()) as server:
        stream = server.create_stream(latency_mode="low")
        publisher = subprocess.Popen(publisher_args(server.rtmp_url(stream["stream_key"]), 90))
        try:
            server.wait_for_playlist(stream, timeout=20)
            proc = subprocess.run(
                ["node", os.path.join(BROWSER_DIR, "player_low_latency.mjs"),
                 play_url(server, stream), str(WATCH_SECONDS)],
                capture_output=True, text=True, timeout=90)
        finally:
            publisher.kill()
            publisher.wait()
        lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
        assert lines, proc.stderr[-3000:]
        result = json.loads(lines[-1])
        for s in result["samples"]:
            log(f"  t={s['t']:5.1f}s {s['state']} time={s['time']:.2f} latency={s['latency']} "
                f"target={s['target']} low={s['low_latency']}")
        assert result["ok"], (result.get("exception"), proc.stderr[-3000:])
        assert result["page_errors"] == [], result["page_errors"]
        assert result["parts"] > 0 and result["blocking_reloads"] > 0, result
        samples = result["samples"]
        assert all(s["low_latency"] for s in samples), "the player did not see LL-HLS"
        assert samples[-1]["time"] - samples[0]["time"] >= 0.7 * WATCH_SECONDS, samples
        # hls.js's target: PART-HOLD-BACK, plus 1 s per stall it had (its own rule); a player
        # that kept the standard configuration would aim at 2 target durations (4 s).
        targets = [s["target"] for s in samples if s["target"] is not None]
        assert targets and min(targets) <= PART_HOLD_BACK + 0.01, targets
        late = [s["latency"] for s in samples[len(samples) // 2:] if s["latency"] is not None]
        median = statistics.median(late)
        log(f"PLAYER_LL_LATENCY median={median:.2f} s (target {targets[-1]} s)")
        assert median <= targets[-1] + 0.75, (median, targets[-1])


if __name__ == "__main__":
    run_test(test_player_low_latency)
