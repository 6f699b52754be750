"""Chromium (playwright-core) plays live streams with hls.js: video.currentTime advances by at
least 5 s in 8 s of wall time, with no fatal error and no MediaError.

Run against the newest hls.js release (package "hls.js", what users install) on both the
passthrough ladder and the default (transcoded) ladder, and against the previous 1.6 line
(package "hls.js-1.6"). hls.js 1.7 froze on playlists whose EXT-X-DISCONTINUITY-SEQUENCE was
epoch-sized; the check that the value stays small guards the server side of that fix."""

import json
import os
import re
import subprocess
import urllib.request

from harness import Server, ffmpeg_publish_args, log, run_test

ROOT = os.environ.get("STEADYCAST_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))


def play(server, stream, package):
    proc = subprocess.run(
        ["node", os.path.join(ROOT, "tests", "browser", "play_hls.mjs"),
         server.master_url(stream), server.url("/healthz"), "8"],
        capture_output=True, text=True, timeout=90, env=dict(os.environ, HLSJS_PACKAGE=package))
    log(proc.stderr[-2000:])
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    log(f"browser result ({package}):", result)
    return result


def media_playlists(server, master):
    base = server.url("/hls/")
    for line in master.splitlines():
        if line and not line.startswith("#"):
            with urllib.request.urlopen(base + line, timeout=10) as resp:
                yield resp.read().decode()


def check_stream(ladder, packages):
    with Server() as server:
        stream = server.create_stream(ladder=ladder)
        publisher = subprocess.Popen(ffmpeg_publish_args(server.rtmp_url(stream["stream_key"]),
                                                         seconds=90, size="640x360"),
                                     stderr=subprocess.PIPE)
        try:
            master = server.wait_for_playlist(stream, timeout=30)
            for text in media_playlists(server, master):
                seq = int(re.search(r"#EXT-X-DISCONTINUITY-SEQUENCE:(\d+)", text).group(1))
                assert seq < 1000, f"discontinuity sequence {seq} is not small"
            for package in packages:
                result = play(server, stream, package)
                assert result.get("ok"), result
                assert result["mse_h264"], "chromium lacks H.264 MSE support"
                assert result["error"] is None and not result["errors"], result
                assert result["advanced"] >= 5.0, result
                assert result["width"] > 0 and result["height"] > 0, result
                if package == "hls.js":
                    assert result["hls_version"].startswith("1.7"), result
                if ladder == "passthrough":
                    assert (result["width"], result["height"]) == (640, 360), result
        finally:
            publisher.kill()
            publisher.wait()


def test_hlsjs_plays_live_stream():
    check_stream("passthrough", ["hls.js", "hls.js-1.6"])
    check_stream("default", ["hls.js"])


if __name__ == "__main__":
    run_test(test_hlsjs_plays_live_stream)
