"""The reconnect window over SRT: an ffmpeg SRT caller is killed with SIGKILL (no shutdown
packet, so the server only learns it from the silence: stall timeout); the stream turns
`reconnecting`, its media playlist stays 200 without ENDLIST, a new caller with the same key
brings it back to `active`, the join carries EXT-X-DISCONTINUITY and the window decodes with
ffmpeg across it without an error line."""

import tempfile
import time

from harness import Server, log, run_test
from reconnect_helpers import (PlaylistWatcher, assert_window_decodes, decode_window,
                               media_playlist_path, outbox, parse_segments, short_types,
                               srt_publisher, status, wait_new_segment_after, wait_status)

STALL_TIMEOUT_S = 2.0
SRT_LATENCY_S = 0.5  # the server's receive latency: media leaves libsrt's buffer this late


def test_reconnect_srt():
    with Server("--api-rate-limits", "false", "--hls-playlist-segments", "8",
                "--session-stall-timeout-ms", str(int(STALL_TIMEOUT_S * 1000))) as server, \
            tempfile.TemporaryDirectory() as workdir:
        stream = server.create_stream(reconnect_window=60)
        sid, key = stream["id"], stream["stream_key"]

        first = srt_publisher(server, key)
        path = media_playlist_path(server, stream, timeout=20)
        wait_status(server, sid, "active", 10)
        time.sleep(max(0.0, first.started + 7 - time.time()))

        first.kill9()
        killed = time.time()
        bound = STALL_TIMEOUT_S + SRT_LATENCY_S + 1
        to_reconnecting = wait_status(server, sid, "reconnecting", bound)
        log(f"RECONNECTING_SECONDS={to_reconnecting:.2f} after kill -9 (stall timeout "
            f"{STALL_TIMEOUT_S:.1f} s + SRT latency {SRT_LATENCY_S:.1f} s; bound {bound:.1f} s)")
        watcher = PlaylistWatcher(server, path, interval=0.5)
        time.sleep(max(0.0, killed + 6 - time.time()))
        samples = watcher.stop()
        assert status(server, sid) == "reconnecting", status(server, sid)
        assert all(s[1] == 200 for s in samples), [s[1] for s in samples]
        assert not any(s[2] for s in samples), "ENDLIST while inside the reconnect window"
        before_join = set(samples[-1][3])
        assert before_join

        second = srt_publisher(server, key)
        resume, text = wait_new_segment_after(server, path, before_join, timeout=20)
        log(f"RESUME_SECONDS={resume:.2f} (SRT publisher restarted → first new segment listed)")
        wait_status(server, sid, "active", 5)
        segments = parse_segments(text)
        first_new = next(i for i, s in enumerate(segments) if s["uri"] not in before_join)
        assert first_new > 0 and segments[first_new]["discontinuity"], \
            f"no EXT-X-DISCONTINUITY at the join:\n{text}"
        known = {s["uri"] for s in segments}
        _, text = wait_new_segment_after(server, path, known, timeout=10)
        assert_window_decodes(decode_window(server, path, workdir), "SRT window across the join")

        types = short_types(outbox(server.data_dir, sid))
        log(f"outbox: {types}")
        # The killed caller may still be attached (libsrt's peer idle timeout) when the new one
        # arrives; then the newcomer replaces it (publisher_replaced) before media resumes.
        assert types[:4] == ["created", "connected", "active", "disconnected"], types
        assert "reconnected" in types[4:] and "idle" not in types, types
        first.close()
        second.close()


if __name__ == "__main__":
    run_test(test_reconnect_srt)
