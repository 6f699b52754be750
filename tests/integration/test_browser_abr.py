"""hls.js ABR switching in Chromium: a 1280x720 RTMP publish is delivered
as the default ladder (src + 720p/480p/360p/240p). hls.js plays the master; once it plays a
level of at least 1 Mbit/s, the Chrome DevTools Protocol `Network.emulateNetworkConditions`
caps download throughput to 1 Mbit/s. hls.js must play a level below 1 Mbit/s within 10 s of
the cap and currentTime must keep advancing with no fatal error; when the cap is lifted it must
play a level of at least 1 Mbit/s again within 20 s. Prints ABR_SWITCH_DOWN_SECONDS and
ABR_SWITCH_UP_SECONDS (cap/lift → LEVEL_SWITCHED, i.e. the new level is on screen, which
includes draining the buffer fetched before the change)."""

import json
import os
import subprocess
import time

from harness import Server, ffmpeg_publish_args, log, run_test

ROOT = os.environ.get("STEADYCAST_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
CAP_BITS = 1_000_000
DOWN_BOUND_S = 10.0
UP_BOUND_S = 20.0
PUBLISH_S = 90  # outlasts the player script's worst case; killed when the page is done


def advanced(samples, start_ms, end_ms):
    """(currentTime advance, wall seconds) between two page-clock instants."""
    inside = [s for s in samples if start_ms <= s[0] <= end_ms]
    if len(inside) < 2:
        return 0.0, 0.0
    return inside[-1][1] - inside[0][1], (inside[-1][0] - inside[0][0]) / 1000


def check(result):
    assert result.get("ok"), result
    levels = {l["level"]: l for l in result["levels"]}
    log("levels:", [(l["height"], l["bitrate"], l["url"].split("/")[-2]) for l in levels.values()])
    assert len(levels) == 5, levels
    assert any(l["bitrate"] < CAP_BITS for l in levels.values()), levels
    log("switched:", [(round(s["t"] / 1000, 2), s["height"], s["bitrate"])
                      for s in result["switched"]])
    log("cap at", round(result["cap_at"] / 1000, 2), "lift at", round(result["lift_at"] / 1000, 2),
        "emergency aborts:", result["aborts"], "non-fatal:", result["nonfatal"][:10])
    assert result["fatal"] == [], result["fatal"]
    assert result["error"] is None, result["error"]
    down_s = result.get("down_s")
    print(f"ABR_SWITCH_DOWN_SECONDS {down_s}", flush=True)
    assert down_s is not None and down_s <= DOWN_BOUND_S, \
        f"no switch below {CAP_BITS} bit/s within {DOWN_BOUND_S} s of the cap (got {down_s})"
    # Playback went on while capped: from the cap to the lift, currentTime advanced at least half
    # of the wall time (a stall of a few seconds is tolerated), and advanced at the low level.
    adv, wall = advanced(result["samples"], result["cap_at"], result["lift_at"])
    low_adv, low_wall = advanced(result["samples"], result["down"]["t"], result["lift_at"])
    log(f"capped: currentTime +{adv:.2f} s in {wall:.2f} s; at the low level +{low_adv:.2f} s "
        f"in {low_wall:.2f} s")
    assert adv >= 0.5 * wall and low_adv >= 0.5 * low_wall and low_adv > 1.0, (adv, wall, low_adv)
    up_s = result.get("up_s")
    print(f"ABR_SWITCH_UP_SECONDS {up_s}", flush=True)
    assert up_s is not None and up_s <= UP_BOUND_S, \
        f"no switch back to >= {CAP_BITS} bit/s within {UP_BOUND_S} s of the lift (got {up_s})"
    up_adv, up_wall = advanced(result["samples"], result["lift_at"], result["end_at"])
    assert up_adv >= 0.5 * up_wall, (up_adv, up_wall)
    # The picture on screen is the level hls.js last reported as playing.
    assert result["height"] == result["switched"][-1]["height"], \
        (result["width"], result["height"], result["switched"][-1])

def test_browser_abr():
    start = time.time()
    with Server("--transcode-preset", "ultrafast") as server:
        stream = server.create_stream(ladder="default")
        publisher = subprocess.Popen(
            ffmpeg_publish_args(server.rtmp_url(stream["stream_key"]), seconds=PUBLISH_S,
                                size="1280x720"),
            stderr=subprocess.DEVNULL)
        try:
            server.wait_for_playlist(stream, timeout=30)
            proc = subprocess.run(
                ["node", os.path.join(ROOT, "tests", "browser", "play_hls_abr.mjs"),
                 server.master_url(stream), server.url("/healthz")],
                capture_output=True, text=True, timeout=110)
            log(proc.stderr[-3000:])
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            assert publisher.poll() is None, "publisher ended before the page was done"
            check(result)
        finally:
            publisher.kill()
            publisher.wait()
    log(f"wall time {time.time() - start:.1f} s")


if __name__ == "__main__":
    run_test(test_browser_abr)
