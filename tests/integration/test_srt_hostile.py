"""Hostile input on the SRT port: thousands of random datagrams (random bytes,
truncated headers, junk control packets), then a handshake flood from one address: 3 s of full
caller handshakes (induction + conclusion, made by hand in Python; at least 500, in practice
thousands) with a wrong key, from several sockets at once. The server stays up (/healthz), every
flood attempt is refused, a legitimate caller from the same address is accepted within 2 s in the
middle of the flood, and afterwards ffmpeg publishes and the HLS decodes."""

import tempfile
import threading
import time

from harness import Server, count_decoded_frames, log, run_test
from srt_helpers import (assert_decodes_clean, ffmpeg_srt_publish_args, ffmpeg_srt_url,
                         health, healthz_ok, random_datagrams, run_capture, srt_addr, srt_handshake,
                         wait_until)

FLOOD_SECONDS = 3.0
FLOOD_THREADS = 4
ACCEPTED = 0xFFFFFFFF


def flood(addr, until, results):
    while time.time() < until:
        results.append(srt_handshake(addr, "#!::r=wrong-key-0123456789abcdef,m=publish",
                                     timeout=0.5))


def test_hostile():
    with Server("--hls-playlist-segments", "12") as server:
        addr = srt_addr(server)
        stream = server.create_stream()
        legit_sid = f"#!::r={stream['stream_key']},m=publish"
        random_datagrams(addr, 5000)
        assert server.proc.poll() is None and healthz_ok(server)

        results = []
        threads = [threading.Thread(target=flood, args=(addr, time.time() + FLOOD_SECONDS,
                                                        results)) for _ in range(FLOOD_THREADS)]
        started = time.time()
        for t in threads:
            t.start()
        time.sleep(1.0)
        t0 = time.time()
        legit = srt_handshake(addr, legit_sid, timeout=2.0)
        legit_s = time.time() - t0
        for t in threads:
            t.join(30)
        elapsed = time.time() - started
        codes = {}
        for r in results:
            codes[r] = codes.get(r, 0) + 1
        log(f"flood: {len(results)} handshakes in {elapsed:.1f} s, answers {codes}; "
            f"legitimate caller during the flood: {legit} after {legit_s * 1000:.0f} ms")
        assert len(results) >= 500 and elapsed < 10, (len(results), elapsed)
        assert ACCEPTED not in codes, codes
        refused = sum(n for code, n in codes.items() if code is not None and code >= 1000)
        assert refused >= 0.95 * len(results), codes
        assert legit == ACCEPTED and legit_s < 2.0, (legit, legit_s)
        assert server.proc.poll() is None and healthz_ok(server)

        # The hand-made caller hung up; a real publisher now connects at once.
        wait_until(lambda: health(server, stream["id"])["publisher"] is None, 10, what="gone")
        url = ffmpeg_srt_url(addr, stream["stream_key"], latency_ms=200)
        code, err = run_capture(ffmpeg_srt_publish_args(url, seconds=5), timeout=40)
        assert code == 0, err
        frames, errors = count_decoded_frames(server.master_url(stream))
        log(f"after the flood: decoded {frames} frames; errors {errors[:3]}")
        assert frames >= 0.6 * 150, frames
        with tempfile.TemporaryDirectory() as workdir:
            assert_decodes_clean(server, stream, workdir, errors, "after the flood")
        assert server.proc.poll() is None and healthz_ok(server)


if __name__ == "__main__":
    run_test(test_hostile)
