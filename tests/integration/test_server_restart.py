"""Restart safety: the SERVER is killed with SIGKILL mid-broadcast (publisher running) and
started again on the same data dir (new ports: port 0, read from the new listen.json). The
stream is `reconnecting` right after the restart (it was active when the server died); an
ffmpeg publisher with the same key on the new RTMP port brings it back to `active`, and the
SAME playback URL (same playback id) serves a playlist with new segments that decode.

Last check: segments are served `Cache-Control: immutable` (docs/contract.md "Playback"), so a
segment URI served before the crash must never name different bytes after it (a CDN edge or
a player cache would keep serving the old ones). The second publisher sends another picture
(smptebars) so that reused names are detected by their bytes."""

import tempfile
import time
import urllib.parse

from harness import Server, log, run_test
from reconnect_helpers import (assert_outbox_sane, decode_window, fetch, get_playlist,
                               media_playlist_path, media_sequence, outbox, parse_segments,
                               rtmp_publisher, short_types, status, wait_new_segment_after,
                               wait_status)


def kill_server(server):
    server.proc.kill()
    server.proc.wait(10)
    server.logfile.close()


def test_server_restart():
    with Server("--api-rate-limits", "false") as server, \
            tempfile.TemporaryDirectory() as workdir:
        stream = server.create_stream(reconnect_window=60)
        sid, key, pb = stream["id"], stream["stream_key"], stream["playback_ids"][0]["id"]
        first = rtmp_publisher(server, key)
        path = media_playlist_path(server, stream, timeout=20)
        wait_status(server, sid, "active", 10)
        time.sleep(max(0.0, first.started + 8 - time.time()))
        old_ports = dict(server.listen)
        _, before = get_playlist(server, path)
        old_segments = {s["uri"] for s in parse_segments(before)}
        old_bytes = {uri: fetch(server, urllib.parse.urljoin(path, uri))[1]
                     for uri in old_segments}

        # SIGKILL the server while the publisher is still sending.
        kill_server(server)
        rc = first.wait(15)
        log(f"publisher after the server died: exit {rc}")
        restart_at = time.time()
        server.start()
        log(f"restarted in {time.time() - restart_at:.2f} s; ports {old_ports} → {server.listen}")
        after_restart = status(server, sid)
        log(f"status right after the restart: {after_restart}")
        assert after_restart == "reconnecting", after_restart
        # The playback id still answers (the broadcast waits for its publisher).
        code, _, _ = server.request("GET", f"/hls/{pb}.m3u8", auth=False)
        log(f"master playlist right after the restart: HTTP {code}")
        assert code in (200, 412), code

        second = rtmp_publisher(server, key, pattern="smptebars")  # on the new RTMP port
        to_active = wait_status(server, sid, "active", 15)
        log(f"active {to_active:.2f} s after the publisher restarted")
        assert server.master_url(stream).endswith(f"/hls/{pb}.m3u8")
        path_after = media_playlist_path(server, stream, timeout=20)
        assert path_after == path, (path, path_after)
        _, text = wait_new_segment_after(server, path, set(), timeout=20)
        log(f"first segment on the same playback URL {time.time() - second.started:.2f} s "
            f"after the publisher restarted")
        known = {s["uri"] for s in parse_segments(text)}
        _, text = wait_new_segment_after(server, path, known, timeout=10)
        result = decode_window(server, path, workdir)
        assert len(result["segments"]) >= 2, result["text"]
        log(f"window after restart decoded {result['whole_frames']} frames, "
            f"errors {result['whole_errors'][:3]}; runs {[(r[1], r[2]) for r in result['runs']]}")
        assert result["whole_errors"] == [], result["whole_errors"][:5]
        assert all(r[2] >= r[1] - 2 and not r[3] for r in result["runs"]), result["runs"]

        rows = outbox(server.data_dir, sid)
        types = short_types(rows)
        log(f"outbox: {types}")
        assert types[:3] == ["created", "connected", "active"], types
        # After the restart: the lost broadcast is reported once, then it resumes.
        assert types[3:] == ["disconnected", "reconnected"], types
        assert_outbox_sane(rows, [key])

        # Immutable segment URIs: none served before the crash names other bytes now.
        reused = []
        for seg in parse_segments(get_playlist(server, path)[1]):
            if seg["uri"] in old_bytes:
                now = fetch(server, urllib.parse.urljoin(path, seg["uri"]))[1]
                if now != old_bytes[seg["uri"]]:
                    reused.append(seg["uri"])
        first.close()
        second.close()
        assert not reused, (
            f"SERVER BUG: after the restart the media playlist {path} starts again at "
            f"MEDIA-SEQUENCE {media_sequence(text)} (before the crash it had reached "
            f"{media_sequence(before) + len(old_segments) - 1}) and reuses segment URIs "
            f"{sorted(reused)} for different bytes, although segments are served "
            f"'Cache-Control: immutable, max-age>=1 day'; caches and players that saw the old "
            f"ones keep them. Expected: the recovered broadcast "
            f"continues the media sequence (or uses fresh segment URIs) after a "
            f"discontinuity.")


if __name__ == "__main__":
    run_test(test_server_restart)
