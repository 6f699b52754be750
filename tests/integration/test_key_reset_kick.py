"""reset-stream-key while publishing (docs/contract.md: "an active publisher on the old key is
disconnected within 1 s"): the ffmpeg publisher is cut off within 1 s of the request, measured
two ways (the server's health route showing no publisher; the ffmpeg process exiting); the
old key is refused afterwards (ffmpeg exits non-zero); the new key works (`active` again).
Neither key appears in any outbox payload."""

import threading
import time

from harness import Server, log, run_test
from reconnect_helpers import (assert_outbox_sane, has_publisher, outbox, rtmp_publisher,
                               short_types, status, wait_status)

KICK_LIMIT_S = 1.0


def test_key_reset_kick():
    with Server("--api-rate-limits", "false") as server:
        stream = server.create_stream(reconnect_window=60)
        sid, old_key = stream["id"], stream["stream_key"]
        first = rtmp_publisher(server, old_key)
        wait_status(server, sid, "active", 20)
        time.sleep(2)
        assert has_publisher(server, sid) and first.alive()

        # Watch the health route and the process from threads, so neither delays the other.
        seen = {}

        def watch_health():
            while "health" not in seen and time.time() - sent < 5:
                if not has_publisher(server, sid):
                    seen["health"] = time.time()
                time.sleep(0.02)

        def watch_process():
            if first.wait(5) is not None:
                seen["exit"] = time.time()

        sent = time.time()
        threads = [threading.Thread(target=f) for f in (watch_health, watch_process)]
        for t in threads:
            t.start()
        reset = server.api("POST", f"/v1/live-streams/{sid}/reset-stream-key", expect=200)["data"]
        answered = time.time()
        for t in threads:
            t.join(10)
        new_key = reset["stream_key"]
        assert new_key != old_key
        log(f"reset-stream-key answered in {answered - sent:.3f} s")
        assert "health" in seen, "the publisher was still attached 5 s after the key reset"
        assert "exit" in seen, "ffmpeg still running 5 s after the key reset"
        kick_health, kick_exit = seen["health"] - sent, seen["exit"] - sent
        log(f"KICK_SECONDS health={kick_health:.3f} ffmpeg_exit={kick_exit:.3f} "
            f"(from sending the request; ffmpeg exit code {first.proc.returncode}: "
            f"{first.stderr().strip()[-160:]!r})")
        assert kick_health <= KICK_LIMIT_S, f"publisher still attached {kick_health:.3f} s later"
        assert kick_exit <= KICK_LIMIT_S, f"ffmpeg still connected {kick_exit:.3f} s later"
        log(f"status after the kick: {status(server, sid)}")

        # The old key is refused from now on.
        stale = rtmp_publisher(server, old_key, seconds=10)
        rc = stale.wait(20)
        log(f"publisher with the old key: exit {rc}: {stale.stderr().strip()[-200:]!r}")
        assert rc not in (None, 0), "the old key was accepted after the reset"

        # The new key works.
        fresh = rtmp_publisher(server, new_key)
        to_active = wait_status(server, sid, "active", 20)
        assert has_publisher(server, sid)
        log(f"new key: active {to_active:.2f} s after ffmpeg started")

        rows = outbox(server.data_dir, sid)
        types = short_types(rows)
        log(f"outbox: {types}")
        assert "stream_key_reset" in types, types
        assert types.index("stream_key_reset") < types.index("disconnected"), types
        assert_outbox_sane(rows, [old_key, new_key])
        for p in (first, stale, fresh):
            p.close()


if __name__ == "__main__":
    run_test(test_key_reset_kick)
