"""The reconnect window end to end over RTMP: an ffmpeg publisher is
killed with SIGKILL after 10 s; the stream turns `reconnecting` within stall_timeout + 1 s and
for the next ~10 s its media playlist keeps answering 200 without EXT-X-ENDLIST; a new
publisher with the same key brings it back to `active`, the playlist marks the join with
EXT-X-DISCONTINUITY and the window decodes with ffmpeg across the join without an error line.
Prints RESUME_SECONDS (publisher restarted → first post-join segment listed). Then, with
reconnect_window PATCHed to 5 s, a second kill ends the broadcast: ENDLIST and `idle` within
5 s + 2 s. Last, the outbox (read from SQLite while the server runs) holds exactly the
expected event types for the stream, sequences 1..N and no stream key."""

import tempfile
import time

from harness import Server, log, run_test
from reconnect_helpers import (PlaylistWatcher, assert_outbox_sane, assert_window_decodes,
                               decode_window, get_playlist, media_playlist_path, outbox,
                               parse_segments, rtmp_publisher, short_types, status,
                               wait_new_segment_after, wait_status)

STALL_TIMEOUT_S = 4.0  # the server default (--session-stall-timeout-ms 4000)
WAIT_S = 10.0


def test_reconnect_rtmp():
    with Server("--api-rate-limits", "false", "--hls-playlist-segments", "8") as server, \
            tempfile.TemporaryDirectory() as workdir:
        stream = server.create_stream(reconnect_window=60)
        sid, key = stream["id"], stream["stream_key"]

        # 1. Ten seconds of a healthy broadcast.
        first = rtmp_publisher(server, key)
        path = media_playlist_path(server, stream, timeout=20)
        wait_status(server, sid, "active", 10)
        time.sleep(max(0.0, first.started + 10 - time.time()))

        # 2. The publisher dies: reconnecting, and the playlist stays up and open meanwhile.
        first.kill9()
        killed = time.time()
        to_reconnecting = wait_status(server, sid, "reconnecting", STALL_TIMEOUT_S + 1)
        log(f"RECONNECTING_SECONDS={to_reconnecting:.2f} (after kill -9)")
        watcher = PlaylistWatcher(server, path, interval=0.5)
        time.sleep(max(0.0, killed + WAIT_S - time.time()))
        samples = watcher.stop()
        assert status(server, sid) == "reconnecting", status(server, sid)
        log(f"{len(samples)} playlist polls while reconnecting: statuses "
            f"{sorted({s[1] for s in samples})}, ENDLIST seen {any(s[2] for s in samples)}")
        assert len(samples) >= 15, len(samples)
        assert all(s[1] == 200 for s in samples), [s[1] for s in samples]
        assert not any(s[2] for s in samples), "ENDLIST while inside the reconnect window"
        before_join = set(samples[-1][3])
        assert before_join, "the playlist lost its segments while reconnecting"

        # 3. A publisher returns with the same key: active, a new segment after a discontinuity.
        second = rtmp_publisher(server, key)
        resume, text = wait_new_segment_after(server, path, before_join, timeout=20)
        log(f"RESUME_SECONDS={resume:.2f} (publisher restarted → first new segment listed)")
        to_active = wait_status(server, sid, "active", 5)
        segments = parse_segments(text)
        first_new = next(i for i, s in enumerate(segments) if s["uri"] not in before_join)
        assert segments[first_new]["discontinuity"], f"no EXT-X-DISCONTINUITY at the join:\n{text}"
        assert first_new > 0, f"the pre-join segments left the window:\n{text}"
        log(f"active {to_active:.2f} s after the first new segment was seen")

        # Let two more segments arrive, then decode the window across the join.
        known = {s["uri"] for s in segments}
        for _ in range(2):
            _, text = wait_new_segment_after(server, path, known, timeout=10)
            known |= {s["uri"] for s in parse_segments(text)}
        result = decode_window(server, path, workdir)
        joins = [s["uri"] for s in result["segments"] if s["discontinuity"]]
        assert joins, f"the decoded window holds no join:\n{result['text']}"
        assert_window_decodes(result, "window across the join")

        # 4. A 5 s window: the next loss ends the broadcast within 5 s + 2 s.
        patched = server.api("PATCH", f"/v1/live-streams/{sid}", {"reconnect_window": 5},
                             expect=200)["data"]
        assert patched["reconnect_window"] == 5, patched
        second.kill9()
        killed = time.time()
        ended_after = None
        while time.time() - killed < 5 + 2:
            code, text = get_playlist(server, path)
            if code == 200 and "#EXT-X-ENDLIST" in text and status(server, sid) == "idle":
                ended_after = time.time() - killed
                break
            time.sleep(0.1)
        assert ended_after is not None, (status(server, sid), text[-300:])
        log(f"ENDED_SECONDS={ended_after:.2f} (kill -9 → ENDLIST and idle, window 5 s)")
        assert ended_after >= 4.0, f"the broadcast ended before its 5 s window: {ended_after:.2f}"

        # 5. The outbox, read while the server runs.
        rows = outbox(server.data_dir, sid)
        types = short_types(rows)
        log(f"outbox for {sid}: {types}")
        assert types == ["created", "connected", "active", "disconnected", "reconnected",
                         "updated", "disconnected", "idle"], types
        assert_outbox_sane(rows, [key])
        first.close()
        second.close()


if __name__ == "__main__":
    run_test(test_reconnect_rtmp)
