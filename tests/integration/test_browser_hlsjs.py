"""Chromium (playwright-core) plays the live stream with hls.js: video.currentTime advances by
at least 5 s in 8 s of wall time and no MediaError occurs."""

import json
import os
import subprocess

from harness import Server, ffmpeg_publish_args, log, run_test

ROOT = os.environ.get("STEADYCAST_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))


def test_hlsjs_plays_live_stream():
    with Server() as server:
        stream = server.create_stream()
        publisher = subprocess.Popen(ffmpeg_publish_args(server.rtmp_url(stream["stream_key"]),
                                                         seconds=45, size="640x360"),
                                     stderr=subprocess.PIPE)
        try:
            server.wait_for_playlist(stream, timeout=20)
            proc = subprocess.run(
                ["node", os.path.join(ROOT, "tests", "browser", "play_hls.mjs"),
                 server.master_url(stream), server.url("/healthz"), "8"],
                capture_output=True, text=True, timeout=90)
            log(proc.stderr[-3000:])
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            log("browser result:", result)
            assert result.get("ok"), result
            assert result["mse_h264"], "chromium lacks H.264 MSE support"
            assert result["error"] is None and not result["errors"], result
            assert result["advanced"] >= 5.0, result
            assert (result["width"], result["height"]) == (640, 360), result
        finally:
            publisher.kill()
            publisher.wait()


if __name__ == "__main__":
    run_test(test_hlsjs_plays_live_stream)
